"""The MiniBooNE (m_N, d_mu) fit: reweighted histograms, chi^2 grids, outputs."""

from __future__ import annotations

import csv
from dataclasses import replace

import numpy as np
import pytest

from neutrissimo import ConfigurationError, DipoleModel
from neutrissimo.analyses.miniboone_excess import benchmark_excess
from neutrissimo.analyses.miniboone_fit import (
    convergence,
    fit_grid,
    mass_task,
    run_miniboone_scan,
    summarize,
    write_miniboone_outputs,
)
from neutrissimo.analyses.scan import MassPoint, ScanGrid
from neutrissimo.analyses.scenarios import D_TAU_SCENARIOS, d_tau_of, grid_sums, served_couplings
from neutrissimo.experiments import miniboone
from neutrissimo.experiments.setups import load_setup
from neutrissimo.simulation.events import Events
from neutrissimo.simulation.injection import generate

GRID = ScanGrid(masses=(0.1, 0.47), couplings=(1e-12, 1e-7, 1e-6, 3e-6), events=20_000, seed=5)


@pytest.fixture(scope="module")
def histograms(tmp_path_factory):
    return run_miniboone_scan(GRID, tmp_path_factory.mktemp("scan"))


def test_d_tau_scenarios():
    np.testing.assert_allclose(d_tau_of("mass-ratio", 1e-7), 1.77686 / 0.1056583755 * 1e-7)
    assert float(d_tau_of("fixed-1e-5", 3e-8)) == 1e-5
    assert float(d_tau_of("none", 3e-8)) == 0.0
    with pytest.raises(ConfigurationError, match="d_tau scenario"):
        d_tau_of("large", 1e-7)


def test_grid_sums_equal_the_full_weight_array_summed_by_bincount(monkeypatch):
    """grid_sums (events sorted by cell, weights a block at a time, blocks of decayed
    couplings skipped) equals the (couplings, events) weights of every scenario summed with
    np.bincount: in total, and per bin of two binnings with a per-event factor (sum f w and
    sum (f w)^2); weights that are exactly 0 give sums that are exactly 0."""
    import neutrissimo.statistics.histogram as histogram

    monkeypatch.setattr(histogram, "BLOCK_VALUES", 3 * 3 * 6 * 50)  # 50 events per block
    rng = np.random.default_rng(6)
    n = 4000
    x = 10 ** rng.uniform(-1, 5, n)
    columns = {
        "decay_distance": x,
        "decay_proposal": 1 / (x * np.log(1e6)),
        "hnl_momentum": rng.uniform(0.5, 5.0, n),
        "weight_production": rng.exponential(1e-3, n),
    }
    events = Events(DipoleModel(m_N=0.3, d_mu=1e-6), columns)
    couplings = np.geomspace(1e-9, 1e-3, 6)  # the largest decay within microns
    bins = [(rng.integers(-1, 4, n), 4), (rng.integers(-1, 2, n), 2)]
    factor = rng.random(n)
    sums = grid_sums(events, couplings, bins, factor)
    for k, scenario in enumerate(D_TAU_SCENARIOS):
        d_tau = d_tau_of(scenario, couplings)
        weights = events.weights_grid(
            [DipoleModel(m_N=0.3, d_mu=d, d_tau=t) for d, t in zip(couplings, d_tau, strict=True)]
        )
        assert (weights[-1] == 0).mean() > 0.5  # the skipped blocks of decayed couplings
        np.testing.assert_allclose(sums.total[k], weights.sum(axis=1), rtol=1e-13)
        for (index, n_bins), sumw, sumw2 in zip(bins, sums.sumw, sums.sumw2, strict=True):
            inside = index >= 0
            for c, w in enumerate(weights):
                fw = (factor * w)[inside]
                expected = np.bincount(index[inside], fw, minlength=n_bins)
                np.testing.assert_allclose(sumw[k, c], expected, rtol=1e-13)
                np.testing.assert_array_equal(sumw[k, c] == 0, expected == 0)
                expected = np.bincount(index[inside], fw**2, minlength=n_bins)
                np.testing.assert_allclose(sumw2[k, c], expected, rtol=1e-13)


def test_histograms_equal_a_direct_reweighting():
    """The histograms of mass_task equal numpy histograms of the same events."""
    hist = mass_task(MassPoint(0.2, (1e-6,), 5_000), np.random.default_rng(3)).scenario("none")
    rng = np.random.default_rng(3).spawn(1)[0]  # the task's one replica
    setup = load_setup("miniboone")
    served = served_couplings((1e-6,), setup.injection.couplings)  # what the task serves
    events = generate(setup, DipoleModel(m_N=0.2, d_mu=1e-6), 5_000, rng, couplings=served)
    events = events.select(events["weight_production"] > 0)
    config = miniboone.load_config()
    reco = miniboone.detector_response(
        events["photon_energy"], events["photon_direction"], rng, config
    )
    weights = events.weights(DipoleModel(m_N=0.2, d_mu=1e-6))
    expected = miniboone.histogram_eqe(reco, weights, config)
    # np.histogram differences a cumulative sum for non-uniform bins: absolute error ~ ulp(total)
    total = expected.sumw.sum()
    np.testing.assert_allclose(hist.eqe[0, 0], expected.sumw, rtol=1e-10, atol=1e-14 * total)
    np.testing.assert_allclose(hist.eqe_w2[0, 0], expected.sumw2, rtol=1e-10, atol=1e-14 * total**2)
    np.testing.assert_allclose(
        hist.cos[0, 0], miniboone.histogram_cos_theta(reco, weights, config).sumw, rtol=1e-10
    )


def test_a_vanishing_coupling_gives_the_no_hnl_chi2(histograms):
    result = fit_grid(GRID, histograms, "global-no-mb", "none")
    for observable in ("E_QE", "cos"):
        np.testing.assert_allclose(
            result.chi2[observable][:, 0], result.no_hnl[observable], rtol=1e-9
        )


def test_tau_coupling_scales_the_long_lived_rate_by_the_width(histograms):
    """At d_mu = 1e-12 the HNL is long-lived in both scenarios (L >> detector): the rate of
    photons is proportional to the total width, so d_tau = (m_tau/m_mu) d_mu multiplies it by
    1 + (m_tau/m_mu)^2 (exp(-x/L) = 1 to better than 1e-5 at d_mu = 1e-12)."""
    rate = {s: histograms.scenario(s).pooled().rate for s in ("mass-ratio", "none")}
    ratio = rate["mass-ratio"][:, 0] / rate["none"][:, 0]
    np.testing.assert_allclose(ratio, 1 + (1.77686 / 0.1056583755) ** 2, rtol=1e-5)
    summary = summarize(fit_grid(GRID, histograms, "mb-microboone", "mass-ratio"))
    assert summary["E_QE"]["delta_chi2_no_hnl"] >= 0
    assert summary["cos"]["chi2_no_hnl"] >= summary["cos"]["chi2_best_fit"]


def test_outputs_have_the_documented_format(histograms, tmp_path):
    result = fit_grid(GRID, histograms, "none", "none")
    excess = benchmark_excess(0.47, 1.25e-6, "none", events=2_000, seed=1)
    written = write_miniboone_outputs(tmp_path, result, summarize(result), excess, (0.47, 1.25e-6))
    names = {p.name for p in written}
    assert {
        "eqe_grid.csv",
        "cos_grid.csv",
        "best_fit.json",
        "preferred_regions.png",
        "excess_benchmark.png",
    } <= names
    with (tmp_path / "eqe_grid.csv").open() as handle:
        rows = list(csv.reader(line for line in handle if not line.startswith("#")))
    assert rows[0] == ["m_N [GeV]", "d_mu [GeV^-1]", "chi2", "delta_chi2"]
    assert len(rows) == 1 + len(GRID.masses) * len(GRID.couplings)


def test_unknown_oscillation_scenario(histograms):
    with pytest.raises(ConfigurationError, match="oscillation scenario"):
        fit_grid(GRID, histograms, "sterile", "none")


def test_replicas_pool_to_the_mean_and_measure_convergence(tmp_path):
    """Two replicas of half the events: the pooled prediction is their mean with sum w^2 / 4,
    the chi^2 uses it, and the convergence check compares the replicas' regions."""
    grid = ScanGrid(
        masses=(0.1, 0.2, 0.47),
        couplings=tuple(np.geomspace(1e-7, 1e-5, 9)),
        events=8_000,
        seed=3,
        replicas=2,
    )
    scan = run_miniboone_scan(grid, tmp_path)
    assert scan.eqe.shape == (2, 3, 3, 9, 11)
    pooled = scan.pooled()
    np.testing.assert_allclose(pooled.eqe, scan.eqe.mean(axis=0))
    np.testing.assert_allclose(pooled.eqe_w2, scan.eqe_w2.sum(axis=0) / 4)
    result = fit_grid(grid, scan, "global-no-mb", "none")
    assert result.replica_chi2["E_QE"].shape == (2, 3, 9)
    report = convergence(result)
    assert set(report) == {"E_QE", "cos"}
    for entry in report["E_QE"].values():
        assert entry["grid_step_decades"] == pytest.approx(0.25)
        assert entry["flagged"] == (entry["median_shift_decades"] > 0.25)


def test_mc_variance_only_lowers_the_chi2_of_a_poorly_fitting_signal(histograms):
    """Adding the Monte Carlo variance to the covariance can only lower chi^2 where the
    residual is the same: with and without it, chi^2 differs, and never increases."""
    with_mc = fit_grid(GRID, histograms, "global-no-mb", "none", mc_stat=True)
    without = fit_grid(GRID, histograms, "global-no-mb", "none", mc_stat=False)
    for observable in ("E_QE", "cos"):
        assert np.all(with_mc.chi2[observable] <= without.chi2[observable] + 1e-9)
        assert np.any(with_mc.chi2[observable] < without.chi2[observable] - 1e-6)


def test_rerun_into_the_same_folder_gives_the_fresh_results(tmp_path, monkeypatch):
    """Another seed, other events or a changed configuration never reuse old checkpoints: the
    numbers equal those of a fresh folder, and the run says why it recomputed."""
    small = ScanGrid(masses=(0.3,), couplings=(1e-7, 1e-6), events=800, seed=1)
    run_miniboone_scan(small, tmp_path / "reused")
    for changed in (replace(small, seed=2), replace(small, events=1_000)):
        messages: list[str] = []
        again = run_miniboone_scan(
            changed, tmp_path / "reused", progress=lambda d, t, m, log=messages: log.append(m)
        )
        fresh = run_miniboone_scan(changed, tmp_path / f"fresh-{changed.seed}-{changed.events}")
        np.testing.assert_array_equal(again.eqe, fresh.eqe)
        assert sum("recomputing" in m for m in messages) == 1
    monkeypatch.setattr(
        "neutrissimo.io.provenance.configuration_fingerprint", lambda: "another configuration"
    )
    messages = []
    run_miniboone_scan(
        replace(small, events=1_000),
        tmp_path / "reused",
        progress=lambda d, t, m: messages.append(m),
    )
    assert sum("provenance" in m for m in messages) == 1
