"""MINERvA limits from reweighted samples: N_fid, selection and the limit procedure."""

from __future__ import annotations

import numpy as np
import pytest

from neutrissimo import ConfigurationError, DataFileError, DipoleModel
from neutrissimo.analyses.minerva_limits import mass_task, run_minerva_scan, sample_limits
from neutrissimo.analyses.scan import MassPoint, ScanGrid
from neutrissimo.analyses.scenarios import served_couplings
from neutrissimo.experiments import minerva
from neutrissimo.statistics.profile import signal_upper_limit

GRID = ScanGrid(
    masses=(0.03, 0.3), couplings=tuple(np.geomspace(1e-8, 1e-4, 13)), events=20_000, seed=2
)


@pytest.fixture(scope="module")
def scan(tmp_path_factory):
    return run_minerva_scan("me_fhc", GRID, tmp_path_factory.mktemp("minerva"))


def test_selected_is_a_subset_of_fiducial(scan):
    for scenario in ("none", "mass-ratio", "fixed-1e-5"):
        assert np.all(scan.n_sel[scenario] <= scan.n_fid[scenario] * (1 + 1e-12))
        assert np.all(np.isfinite(scan.n_fid[scenario]))
    efficiency = scan.efficiency()
    assert np.all((efficiency > 0) & (efficiency < 1))
    assert efficiency[0] > efficiency[1]  # heavier HNLs give wider photons: E theta^2 cut


def test_n_fid_equals_the_event_weights():
    """N_fid of the task is the summed weight of the same simulated events at each coupling
    (its one replica draws from the first child of the task's generator)."""
    out = mass_task(MassPoint(0.1, (1e-6, 1e-5), 5_000, "le_fhc"), np.random.default_rng(4))
    from neutrissimo.experiments.setups import load_setup
    from neutrissimo.simulation.injection import generate

    setup = load_setup("minerva-le-fhc")
    events = generate(
        setup,
        DipoleModel(m_N=0.1, d_mu=1e-6),
        5_000,
        np.random.default_rng(4).spawn(1)[0],
        couplings=served_couplings((1e-6, 1e-5), setup.injection.couplings),
    )
    assert out.n_fid.shape == (1, 3, 2)  # (replica, d_tau scenario, coupling)
    for i, d in enumerate((1e-6, 1e-5)):
        assert out.n_fid[0, 0, i] == pytest.approx(
            events.weights(DipoleModel(m_N=0.1, d_mu=d)).sum(), rel=1e-12
        )


def test_limits_exclude_large_signals_and_weaken_with_uncertainty(scan):
    # the prediction taken as exact (the paper's treatment): the independent check below
    # compares with the exact-signal upper limit
    nominal = sample_limits(scan, 0.3, mc_stat=False)
    conservative = sample_limits(scan, 1.0, mc_stat=False)
    assert not np.isnan(nominal.lower[0])  # 30 MeV: N_fid is huge at d = 1e-4
    assert conservative.lower[0] >= nominal.lower[0]
    # Independent check on the grid: a coupling is excluded exactly when its photon-like signal
    # exceeds the upper limit N_up on a signal of that shape.
    histogram = minerva.dedx_histogram("me_fhc")
    mask = histogram.photon_like(4.5)
    data, background = histogram.photon_like_counts(4.5)
    shape = minerva.dedx_signal_counts(1.0, "me_fhc")[mask]
    n_up = signal_upper_limit(shape, data, background, eta=0.3)
    signal = scan.n_sel["none"][0] * shape.sum()
    np.testing.assert_array_equal(nominal.limits[0].excluded, signal > n_up)


def test_sample_without_data_needs_files(scan):
    with pytest.raises(DataFileError, match="me_rhc"):
        minerva.dedx_histogram("me_rhc")
    with pytest.raises(ConfigurationError, match="Unknown MINERvA sample"):
        run_minerva_scan("me_xx", GRID, "/nonexistent")


def _efficiency_and_error(seed: int) -> tuple[float, float]:
    """Selection efficiency (cuts before dE/dx) of ME FHC at m_N = 0.2 GeV, d = 1e-6 (decay length
    ~3 m: HNLs made in and just before the detector), and its statistical error from the
    weighted ratio estimator (delta method)."""
    from neutrissimo.experiments.setups import load_setup
    from neutrissimo.simulation.injection import generate

    events = generate(
        load_setup("minerva-me-fhc"),
        DipoleModel(m_N=0.2, d_mu=1e-6),
        40_000,
        np.random.default_rng(seed),
    )
    events = events.select(events["weight_production"] > 0)
    weights = events.weights()
    _, selection = minerva.analyse_events(
        events["photon_energy"],
        events["photon_direction"],
        weights,
        "me_fhc",
        np.random.default_rng(seed + 100),
    )
    passed = selection.passed.astype(float)
    efficiency = float(np.sum(weights * passed) / np.sum(weights))
    error = float(np.sqrt(np.sum(weights**2 * (passed - efficiency) ** 2)) / np.sum(weights))
    return efficiency, error


@pytest.mark.slow
def test_selection_efficiency_is_stable_across_seeds():
    results = [_efficiency_and_error(seed) for seed in (1, 2, 3)]
    for efficiency, error in results:
        assert 0.05 < efficiency < 0.9
        assert error < 0.25 * efficiency  # enough events for the comparison to mean something
    for i in range(3):
        for j in range(i + 1, 3):
            (a, sa), (b, sb) = results[i], results[j]
            assert abs(a - b) < 3 * np.hypot(sa, sb)


def test_monte_carlo_error_of_the_signal_weakens_the_limit(scan):
    """Profiling N_sel's Monte Carlo error can only shrink the excluded band: every coupling
    excluded with it is excluded without it."""
    exact = sample_limits(scan, 0.3, mc_stat=False)
    with_mc = sample_limits(scan, 0.3, mc_stat=True)
    for a, b in zip(with_mc.limits, exact.limits, strict=True):
        assert np.all(b.q >= a.q - 1e-9)
        assert not np.any(a.excluded & ~b.excluded)
    assert np.all(scan.relative_mc_error() >= 0)
