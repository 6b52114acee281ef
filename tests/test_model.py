"""DipoleModel: widths (paper eq. 5), lifetimes and input validation."""

from __future__ import annotations

import math

import numpy as np
import pytest

from neutrissimo import ConfigurationError, DipoleModel

HBARC_GEV_CM = 1.973269804e-14  # independent literal, PDG


def test_width_is_paper_eq5():
    # m = 0.47 GeV, d_mu = 1.25e-6 GeV^-1: Gamma = d^2 m^3 / (4 pi) by hand.
    model = DipoleModel(m_N=0.47, d_mu=1.25e-6)
    by_hand = (1.25e-6) ** 2 * 0.47**3 / (4 * math.pi)
    assert model.width == pytest.approx(by_hand, rel=1e-12)
    assert model.width == pytest.approx(1.29093e-14, rel=1e-5)
    assert model.ctau == pytest.approx(HBARC_GEV_CM / by_hand, rel=1e-12)
    assert model.ctau == pytest.approx(1.5286, rel=1e-4)  # cm


def test_flavours_add_incoherently_and_majorana_doubles():
    d_mu = 1e-7
    d_tau = 1.77686 / 0.1056583755 * d_mu  # paper eq. 3
    single = DipoleModel(m_N=0.1, d_mu=d_mu)
    both = DipoleModel(m_N=0.1, d_mu=d_mu, d_tau=d_tau)
    assert both.width / single.width == pytest.approx(1 + (d_tau / d_mu) ** 2, rel=1e-12)
    assert both.partial_width("tau") / both.partial_width("mu") == pytest.approx(
        (d_tau / d_mu) ** 2
    )
    majorana = DipoleModel(m_N=0.1, d_mu=d_mu, nature="majorana")
    assert majorana.width == pytest.approx(2 * single.width, rel=1e-14)


def test_decay_length_is_beta_gamma_ctau():
    model = DipoleModel(m_N=0.08, d_mu=1.7e-7)
    energy = np.array([0.08, 0.5, 2.0])
    expected = np.sqrt(energy**2 - 0.08**2) / 0.08 * model.ctau
    np.testing.assert_allclose(model.decay_length(energy), expected, rtol=1e-12)
    assert model.decay_length(0.08) == 0.0
    assert model.lifetime * 2.99792458e10 == pytest.approx(model.ctau, rel=1e-9)


def test_zero_couplings_mean_stable():
    model = DipoleModel(m_N=0.1)
    assert model.width == 0.0
    assert math.isinf(model.ctau)


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"m_N": 0.0}, "positive"),
        ({"m_N": -0.1}, "positive"),
        ({"m_N": float("nan")}, "positive"),
        ({"m_N": 0.1, "d_mu": -1e-6}, "d_mu"),
        ({"m_N": 0.1, "d_tau": float("inf")}, "d_tau"),
        ({"m_N": 0.1, "nature": "pseudo-dirac"}, "nature"),
    ],
)
def test_bad_model_input_is_named(kwargs, fragment):
    with pytest.raises(ConfigurationError, match=fragment):
        DipoleModel(**kwargs)


def test_energy_below_mass_is_rejected():
    with pytest.raises(ConfigurationError, match="m_N"):
        DipoleModel(m_N=0.47, d_mu=1e-6).decay_length(0.3)
