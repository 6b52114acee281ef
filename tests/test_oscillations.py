"""3+1 appearance probability and the MiniBooNE appearance prediction."""

from __future__ import annotations

import numpy as np
import pytest

from neutrissimo.exceptions import ConfigurationError, PhysicsDomainError
from neutrissimo.experiments.miniboone.oscillations import (
    OSC_PHASE_COEFF,
    SCENARIOS,
    AppearancePredictor,
    appearance_probability,
    scenario,
)
from neutrissimo.experiments.miniboone.release import load_fullosc_ntuple, load_numode_release


@pytest.fixture(scope="module")
def predictor():
    return AppearancePredictor.from_release()


def test_phase_coefficient_is_the_textbook_1267():
    # dm^2 L / (4 E hbar c): 1 eV^2 * 1 km / (4 * 1 GeV * 1.973269804e-7 eV m) = 1.26693...
    coeff = OSC_PHASE_COEFF
    assert coeff == pytest.approx(1.2669326794198489, rel=1e-12)
    assert coeff == pytest.approx(1.27, rel=3e-3)


def test_probability_hand_computed():
    # L = 541 m, E = 0.8 GeV, dm^2 = 1 eV^2: sin^2(1.266933 * 0.541 / 0.8) = 0.5711230009 (30-digit)
    p = appearance_probability(0.8, 541e2, 1.0, 1.0)
    assert p == pytest.approx(0.571123000917269, rel=1e-10)
    assert appearance_probability(0.8, 541e2, 1.0, 0.003) == pytest.approx(0.003 * p)
    # first oscillation maximum: phase = pi/2 at L/E = pi / (2 * 1.26693 * dm^2)
    e = 2 * OSC_PHASE_COEFF * 0.541 / np.pi
    assert appearance_probability(e, 541e2, 1.0, 0.5) == pytest.approx(0.5, rel=1e-12)


def test_probability_limits():
    e = np.linspace(0.2, 3.0, 2000)
    length = np.full_like(e, 541e2)
    # dm^2 -> 0: P -> s22t (1.267 dm^2 L/E)^2 -> 0
    small = appearance_probability(e, length, 1e-6, 1.0)
    assert np.allclose(small, (OSC_PHASE_COEFF * 1e-6 * 0.541 / e) ** 2, rtol=1e-6)
    assert appearance_probability(e, length, 0.0, 1.0).max() == 0.0
    # large dm^2: fast oscillations average to sin^2 2theta / 2
    rng = np.random.default_rng(5)
    e_rand = rng.uniform(0.2, 3.0, 200_000)
    fast = appearance_probability(e_rand, np.full_like(e_rand, 541e2), 1e4, 0.8)
    assert fast.mean() == pytest.approx(0.4, abs=0.003)


def test_probability_rejects_unphysical_input():
    with pytest.raises(PhysicsDomainError):
        appearance_probability(0.0, 541e2, 1.0, 0.1)
    with pytest.raises(PhysicsDomainError):
        appearance_probability(1.0, 541e2, 1.0, 1.5)


def test_unit_mixing_matches_direct_histogram(predictor):
    """Vectorised per-bin prediction = np.histogram of the ntuple weighted by P."""
    nt = load_fullosc_ntuple()
    edges = load_numode_release().eqe_edges_gev
    dm2 = np.array([0.04, 0.5, 1.3, 20.0])
    fast = predictor.eqe_unit_mixing(dm2)
    for k, m in enumerate(dm2):
        p = appearance_probability(nt.etrue_gev, nt.baseline_cm, m, 1.0)
        direct, _ = np.histogram(nt.eqe_gev, bins=edges, weights=nt.weight * p)
        assert np.allclose(fast[k], direct, rtol=1e-10)


def test_prediction_linear_in_mixing_and_limits(predictor):
    full = predictor.full_transmutation()
    assert full.sum() == pytest.approx(3.022e5, rel=2e-3)  # events with 200 < E_QE < 3000 MeV
    assert np.allclose(predictor.eqe(0.3, 0.02), 0.02 * predictor.eqe(0.3, 1.0))
    # averaged oscillation: <sin^2> = 1/2, up to the ntuple's finite size: each event's sin^2
    # is a random phase, variance 1/8, so sigma_k = sqrt(sum_{i in k} w_i^2 / 8)
    fast = predictor.eqe(1e4, 1.0)
    w2 = np.bincount(predictor.bin_index, weights=predictor.weight**2, minlength=11)
    assert np.all(np.abs(fast - 0.5 * full) < 4 * np.sqrt(w2 / 8))
    assert abs(fast.sum() - 0.5 * full.sum()) < 4 * np.sqrt(w2.sum() / 8)
    assert predictor.eqe(1e-8, 1.0).sum() < 1e-6


def test_scenarios(predictor):
    assert set(SCENARIOS) == {"global-no-mb", "mb-microboone", "none"}
    g = scenario("global-no-mb")
    assert (g.dm2_ev2, g.sin2_2theta) == (1.3, 6.9e-4)
    m = scenario("mb-microboone")
    assert (m.dm2_ev2, m.sin2_2theta) == (0.2, 0.03)
    assert predictor.scenario_eqe("none").sum() == 0.0
    # the MB+uB scenario predicts a much larger oscillation component (paper Sec. IV.C):
    # 362 vs 136 events over 200-3000 MeV
    big = predictor.scenario_eqe("mb-microboone").sum()
    assert big == pytest.approx(362.0, abs=1.0)
    assert big > 2.5 * predictor.scenario_eqe("global-no-mb").sum()
    with pytest.raises(ConfigurationError, match="global-no-mb"):
        scenario("global")


def test_cos_theta_prediction_normalisation(predictor):
    cos = predictor.scenario_cos_theta("mb-microboone")
    eqe = predictor.scenario_eqe("mb-microboone")
    assert cos.size == 20
    assert cos.sum() == pytest.approx(eqe[:9].sum(), rel=1e-12)  # 200-1250 MeV
    assert np.argmax(cos) >= 15  # forward-peaked electron-like showers
