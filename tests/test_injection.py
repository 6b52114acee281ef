"""The weighted Monte Carlo: closure against an analytic rate, reweighting, distributions."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import integrate, stats

from neutrissimo import ConfigurationError, DipoleModel, PhysicsDomainError, make_target
from neutrissimo.beams.flux import Flux, HistogramSpectrum
from neutrissimo.detector.geometry import Detector, Volume
from neutrissimo.detector.materials import Material
from neutrissimo.detector.shapes import Box, Sphere
from neutrissimo.experiments.setups import load_setup
from neutrissimo.physics.cross_sections import total_cross_section
from neutrissimo.simulation.injection import InjectionSettings, generate, generate_samples
from neutrissimo.simulation.setup import Setup
from neutrissimo.statistics.histogram import fill_histogram

E0 = 20.0  # GeV, monochromatic beam of the toy
M_N = 0.05  # GeV: at 20 GeV HNLs and photons fly within ~1e-3 rad of the beam
SLAB, GAP, FV = (0.0, 10.0), (10.0, 50.0), (50.0, 80.0)  # cm along z
HALF = 1e6  # cm: slabs are effectively infinite transversally


def toy_setup() -> Setup:
    target = Material("CARBON", 10.0, (("C12", 1.0),))
    converter = Material("CONVERTER", 2.0, (("C12", 1.0),))
    volumes = (
        Volume("slab", Box((0.0, 0.0, 5.0), (HALF, HALF, 5.0)), target, 1, "detector"),
        Volume("converter", Box((0.0, 0.0, 65.0), (HALF, HALF, 15.0)), converter, 1, "detector"),
    )
    detector = Detector("toy", volumes, fiducial=Box((0.0, 0.0, 65.0), (HALF, HALF, 15.0)))
    flux = Flux(
        "mono",
        "toy",
        "fhc",
        "numu",
        HistogramSpectrum(np.array([E0 - 1e-3, E0 + 1e-3]), np.array([500.0])),
    )
    settings = InjectionSettings(
        start_z=-10.0,
        inner_radius=100.0,
        outer_radius=100.0,
        near_z=(-10.0, 10.0),
        reference_z=0.0,
        log_min=0.1,
        log_max=10.0,
        decay_region=Sphere((0.0, 0.0, 40.0), 300.0),
    )
    return Setup("toy", detector, flux, 1.0, ("coherent",), settings)


def analytic_rate(setup: Setup, decay_length: float) -> float:
    """Photons converting in the fiducial slab per POT: quadrature along z (forward kinematics)."""
    slab, converter = setup.detector.volumes
    mu_slab = 1.0 / slab.material.pair_length
    mu_fv = 1.0 / converter.material.pair_length
    n_slab = slab.material.number_densities[0]
    n_fv = converter.material.number_densities[0]  # the converter makes HNLs too
    sigma = total_cross_section(make_target("C12"), np.array([E0]), M_N, 1.0)[0]
    accept = 1 - np.exp(-mu_fv * (FV[1] - FV[0]))

    def convert(z_decay: float) -> float:
        if z_decay < SLAB[1]:
            return np.exp(-mu_slab * (SLAB[1] - z_decay)) * accept
        if z_decay < FV[0]:
            return accept
        if z_decay < FV[1]:
            return 1 - np.exp(-mu_fv * (FV[1] - z_decay))
        return 0.0

    def per_vertex(z_v: float) -> float:
        points = [p - z_v for p in (SLAB[1], FV[0], FV[1]) if p > z_v]
        value, _ = integrate.quad(
            lambda x: np.exp(-x / decay_length) / decay_length * convert(z_v + x),
            0,
            FV[1] - z_v,
            points=points,
            limit=200,
        )
        return value

    in_slab, _ = integrate.quad(per_vertex, *SLAB, limit=200)
    in_fv, _ = integrate.quad(per_vertex, *FV, limit=200)
    return np.pi * 100.0**2 * sigma * (n_slab * in_slab + n_fv * in_fv)  # Phi = 1/cm^2/POT, d = 1


@pytest.fixture(scope="module")
def toy_events():
    return generate(
        toy_setup(), DipoleModel(m_N=M_N, d_mu=1e-6), 200_000, np.random.default_rng(42)
    )


@pytest.mark.parametrize("decay_length", [3.0, 60.0, 1e5])  # cm: short, medium, long
def test_closure_against_the_analytic_rate(toy_events, decay_length):
    """Weighted rate = production x decay-in-region x conversion, within 3 standard errors."""
    beta_gamma = np.sqrt(E0**2 - M_N**2) / M_N
    d = np.sqrt((1.973269804e-14 / (decay_length / beta_gamma)) * 4 * np.pi / M_N**3)
    model = DipoleModel(m_N=M_N, d_mu=d)
    summary = toy_events.summary(model)
    expected = d**2 * analytic_rate(toy_setup(), decay_length)
    assert summary.rate == pytest.approx(expected, abs=3 * summary.error)
    assert summary.error / summary.rate < 0.02  # the test has teeth


@pytest.fixture(scope="module")
def miniboone_events():
    return generate(
        load_setup("miniboone"), DipoleModel(m_N=0.1, d_mu=1e-6), 50_000, np.random.default_rng(7)
    )


@pytest.mark.parametrize(
    "couplings", [{"d_mu": 3e-7}, {"d_mu": 3e-6}, {"d_mu": 1e-6, "d_tau": 1.68e-5}], ids=str
)
def test_reweighted_sample_agrees_with_a_fresh_sample(miniboone_events, couplings):
    """Sample made at d1 reweighted to d2 vs an independent sample made at d2: rate and the
    photon-energy histogram agree within their combined errors."""
    target = DipoleModel(m_N=0.1, **couplings)
    fresh = generate(load_setup("miniboone"), target, 50_000, np.random.default_rng(8))
    a, b = miniboone_events.weights(target), fresh.weights()
    sa, sb = miniboone_events.summary(target), fresh.summary()
    assert sa.rate == pytest.approx(sb.rate, abs=3 * np.hypot(sa.error, sb.error))
    edges = np.array([0.0, 0.15, 0.3, 0.5, 0.8, 1.5, 10.0])
    ha = fill_histogram(miniboone_events["photon_energy"], a, edges)
    hb = fill_histogram(fresh["photon_energy"], b, edges)
    var = ha.sumw2 + hb.sumw2
    keep = var > 0
    chi2 = np.sum((ha.sumw - hb.sumw)[keep] ** 2 / var[keep])
    assert stats.chi2.sf(chi2, keep.sum()) > 1e-3


@pytest.fixture(scope="module")
def legacy_events():
    setup = load_setup("miniboone")
    return generate(
        setup,
        DipoleModel(m_N=0.1, d_mu=1e-6),
        100_000,
        np.random.default_rng(7),
        settings=setup.injection.legacy(),
    )


def test_rest_frame_photon_angles_follow_the_helicity(legacy_events):
    """Legacy proposal (physical photon directions, every trial kept): generated (unweighted)
    cos theta* follows (1 - cos)/2 for flip, (1 + cos)/2 for conserve."""
    cos = legacy_events["cos_theta_star"]
    flip = legacy_events["helicity"] == "flip"
    assert stats.kstest(cos[flip], lambda c: (1 + c) / 2 - (c**2 - 1) / 4).pvalue > 1e-3
    assert stats.kstest(cos[~flip], lambda c: (1 + c) / 2 + (c**2 - 1) / 4).pvalue > 1e-3


def test_weights_are_finite_and_exactly_zero_without_conversion(legacy_events):
    photons_miss = legacy_events["weight_production"] == 0
    assert photons_miss.any()  # some photons point away from the fiducial volume
    for d in (1e-9, 1e-7, 1e-5, 1e-3):
        weights = legacy_events.weights(DipoleModel(m_N=0.1, d_mu=d))
        assert np.all(np.isfinite(weights))
        assert np.all(weights[photons_miss] == 0.0)
    inside = np.linalg.norm(legacy_events["conversion_point"][~photons_miss], axis=1)
    assert inside.max() <= 500.0 + 1e-6  # every converting photon converts in the 5 m sphere


def test_mixture_keeps_only_events_that_can_carry_weight(miniboone_events):
    """The mixture proposal drops trials whose weight is 0 for every coupling: every kept event
    has a positive production weight, converts inside the fiducial sphere, and its weights are
    finite at every coupling; more trials than events were made."""
    assert np.all(miniboone_events["weight_production"] > 0)
    assert miniboone_events.metadata["n_trials"] > len(miniboone_events)
    for d in (1e-9, 1e-7, 1e-5, 1e-3):
        assert np.all(np.isfinite(miniboone_events.weights(DipoleModel(m_N=0.1, d_mu=d))))
    radius = np.linalg.norm(miniboone_events["conversion_point"], axis=1)
    assert radius.max() <= 500.0 + 1e-6


@pytest.mark.parametrize("legacy", [False, True], ids=["mixture", "legacy"])
def test_same_seed_same_events(legacy):
    setup = load_setup("miniboone")
    settings = setup.injection.legacy() if legacy else None
    model = DipoleModel(m_N=0.47, d_mu=1.25e-6)
    a = generate(setup, model, 2_000, np.random.default_rng(123), settings=settings)
    b = generate(setup, model, 2_000, np.random.default_rng(123), settings=settings)
    for name, column in a.columns.items():
        np.testing.assert_array_equal(column, b.columns[name])
    assert a.metadata["proposal"] == b.metadata["proposal"]
    c = generate(setup, model, 2_000, np.random.default_rng(124), settings=settings)
    assert not np.array_equal(a["decay_distance"], c["decay_distance"])


def test_replicas_share_one_proposal_and_are_independent_samples():
    # generate_samples (a scan's replicas): the first sample is generate()'s for the first
    # generator; the others use the same pilot-optimised proposal with their own generators,
    # so their events differ and their rates agree within the Monte Carlo errors.
    setup = load_setup("miniboone")
    model = DipoleModel(m_N=0.3, d_mu=1e-6)
    first, second = generate_samples(
        setup, model, 20_000, [np.random.default_rng(5), np.random.default_rng(6)]
    )
    alone = generate(setup, model, 20_000, np.random.default_rng(5))
    for name, column in alone.columns.items():
        np.testing.assert_array_equal(column, first.columns[name])
    assert first.metadata["proposal"] == second.metadata["proposal"]
    assert not np.array_equal(first["decay_distance"], second["decay_distance"])
    rates = [(s.summary().rate, s.summary().error) for s in (first, second)]
    pull = (rates[0][0] - rates[1][0]) / np.hypot(rates[0][1], rates[1][1])
    assert abs(pull) < 4
    with pytest.raises(ConfigurationError, match="at least one random generator"):
        generate_samples(setup, model, 10, [])


def test_kinematic_reach_and_bad_requests():
    setup = load_setup("miniboone")
    with pytest.raises(PhysicsDomainError, match="kinematic reach"):
        generate(setup, DipoleModel(m_N=12.0, d_mu=1e-6), 10, np.random.default_rng(1))
    with pytest.raises(ConfigurationError, match="n_events"):
        generate(setup, DipoleModel(m_N=0.1, d_mu=1e-6), 0, np.random.default_rng(1))
    with pytest.raises(ConfigurationError, match="Unknown experiment"):
        load_setup("minerva-xx")


@pytest.fixture(scope="module")
def toy_legacy_events():
    setup = toy_setup()
    return generate(
        setup,
        DipoleModel(m_N=M_N, d_mu=1e-6),
        200_000,
        np.random.default_rng(43),
        settings=setup.injection.legacy(),
    )


@pytest.mark.parametrize("decay_length", [2.0, 60.0, 5e3])  # cm
def test_weighted_decay_distances_follow_the_exponential(toy_legacy_events, decay_length):
    """Legacy proposal (every trial kept, so the decay distances are not conditioned on the
    photon converting): with the decay-position factor exp(-x/L)/(L q(x)) as weight, the decay
    distances follow exp(-x/L)/L on [0, 240] cm (inside the decay region from every toy vertex:
    its exit lies >= 243 cm ahead of the last converter plane). The mixture's decay density is
    tested in test_proposals.py."""
    x = toy_legacy_events["decay_distance"]
    weight = np.exp(-x / decay_length) / (decay_length * toy_legacy_events["decay_proposal"])
    edges = np.concatenate([[0.0], np.geomspace(1e-2, 240.0, 25)])
    hist = fill_histogram(x, weight / len(x), edges)
    expected = np.exp(-edges[:-1] / decay_length) - np.exp(-edges[1:] / decay_length)
    keep = hist.sumw2 > 0
    chi2 = np.sum((hist.sumw[keep] - expected[keep]) ** 2 / hist.sumw2[keep])
    assert stats.chi2.sf(chi2, keep.sum()) > 1e-3
