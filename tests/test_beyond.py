"""The analyses beyond the paper (docs/beyond.md) at small settings."""

from __future__ import annotations

import numpy as np
import pytest
from typer.testing import CliRunner

from neutrissimo.analyses.expected_limits import coupling_at_signal, expected_limits
from neutrissimo.analyses.joint_fit import JointResult, verdict
from neutrissimo.analyses.minerva_limits import SampleScan
from neutrissimo.analyses.scan import ScanGrid
from neutrissimo.analyses.sensitivity import coupling_reach, run_sensitivity_scan
from neutrissimo.beams.flux import load_flux
from neutrissimo.cli import app
from neutrissimo.exceptions import ConfigurationError
from neutrissimo.experiments import minerva
from neutrissimo.experiments.user_setup import load_user_setup
from neutrissimo.statistics.expected import chibar2_threshold, signal_upper_limits
from neutrissimo.statistics.profile import signal_upper_limit

EXAMPLE = """
name = "toy"
detector = "miniboone"
pot = 1e20
channels = ["coherent"]
[flux]
beam = "bnb"
mode = "fhc"
flavour = "numu"
scale = 2.0
[response]
efficiency = 0.5
energy_threshold_gev = 0.1
[injection]
start_z = -55000.0
inner_radius = 650.0
outer_radius = 5000.0
near_z = [-1200.0, 950.0]
reference_z = -610.0
log_min = 100.0
log_max = 54390.0
decay_region = { center = [0.0, 0.0, 0.0], radius = 950.0 }
"""


def test_microboone_example_loads_with_argon_and_rescaled_flux():
    user = load_user_setup("microboone")
    assert "Ar40" in user.setup.detector.nuclei
    assert user.setup.form_factor == "fourier-bessel"
    ratio = user.setup.flux.integral() / load_flux("bnb", "fhc", "numu").integral()
    assert ratio == pytest.approx((541.0 / 470.0) ** 2, rel=1e-9)


def test_user_setup_file_relative_detector_and_response(tmp_path):
    (tmp_path / "toy.toml").write_text(EXAMPLE)
    user = load_user_setup(tmp_path / "toy.toml")
    assert user.response.efficiency == 0.5
    assert user.setup.pot == 1e20


@pytest.mark.parametrize(
    ("old", "new", "named"),
    [
        ("pot = 1e20", "pot = -1.0", "pot"),
        ('channels = ["coherent"]', 'channels = ["coherant"]', "coherent"),
        ("efficiency = 0.5", "efficiency = 1.5", "efficiency"),
        ('flavour = "numu"\n', 'flavour = "numu"\nfile = "x.txt"\n', "not both"),
    ],
)
def test_bad_user_setup_gives_one_line_named_error(tmp_path, old, new, named):
    path = tmp_path / "bad.toml"
    path.write_text(EXAMPLE.replace(old, new))
    with pytest.raises(ConfigurationError, match=named) as info:
        load_user_setup(path)
    assert "\n" not in str(info.value)
    result = CliRunner().invoke(
        app, ["simulate", "--setup", str(path), "--mass", "0.1", "--d-mu", "1e-6"]
    )
    assert result.exit_code == 2
    assert result.output.count("\n") == 1
    assert "error:" in result.output


def test_simulate_and_sensitivity_of_the_example(tmp_path):
    result = CliRunner().invoke(
        app,
        [
            "simulate",
            "--setup",
            "microboone",
            "--mass",
            "0.1",
            "--d-mu",
            "1e-6",
            "--events",
            "1000",
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    assert '"experiment": "microboone"' in result.output
    grid = ScanGrid((0.05, 0.2), tuple(np.geomspace(1e-8, 1e-5, 6)), 1000, 3)
    scan = run_sensitivity_scan("microboone", grid, tmp_path)
    assert scan.n_sig.shape == (2, 6)
    assert np.all(scan.n_sig <= scan.n_fid + 1e-12)
    assert scan.n_fid.max() > 0


def test_coupling_reach_is_a_band():
    d = np.geomspace(1e-8, 1e-5, 4)
    n = np.array([[0.1, 10.0, 100.0, 0.5], [0.0, 0.0, 0.0, 0.0]])
    lower, upper = coupling_reach(d, n, 1.0)
    assert 1e-8 < lower[0] < d[1]
    assert d[2] < upper[0] <= d[3]
    assert np.isnan(lower[1])
    assert np.isnan(upper[1])


def test_batched_upper_limits_match_the_scalar_one():
    hist = minerva.dedx_histogram("le_fhc")
    shape, data, background = minerva.photon_like_signal(hist, 1.0)
    rows = np.stack([data, background * 1.2])
    batched = signal_upper_limits(shape, rows, background, eta=0.3)
    single = [signal_upper_limit(shape, row, background, eta=0.3) for row in rows]
    assert batched == pytest.approx(single, rel=1e-6)


def test_chibar2_threshold():
    assert chibar2_threshold(1) == pytest.approx(2.7055, abs=1e-3)
    assert chibar2_threshold(2) == pytest.approx(4.2306, abs=1e-3)


def _fake_scan(sample: str) -> SampleScan:
    couplings = tuple(np.geomspace(1e-8, 1e-4, 30))
    grid = ScanGrid((0.05, 0.3), couplings, 1000)
    d = np.asarray(couplings)
    n_sel = np.stack([1e14 * d**2, 3e13 * d**2])  # a signal growing as d^2
    empty = {"none": n_sel}
    return SampleScan(sample, grid, empty, empty, {"none": 0 * n_sel}, {"none": n_sel[None]})


def test_expected_limits_band_brackets_the_median_and_asimov():
    scan = _fake_scan("le_fhc")
    result = expected_limits(
        scan, minerva.dedx_histogram("le_fhc"), 0.3, 40, np.random.default_rng(1)
    )
    q = result.quantiles
    assert np.all(np.diff(q, axis=0) >= 0)
    assert np.all((result.asimov >= q[1]) & (result.asimov <= q[3]))
    # d^2 signal: the limit scales as sqrt(N_up / (c s_1))
    s1 = minerva.photon_like_signal(minerva.dedx_histogram("le_fhc"), 1.0)[0].sum()
    assert result.observed[0] == pytest.approx(np.sqrt(result.n_up_observed / (1e14 * s1)), 1e-3)


def test_coupling_at_signal_interpolates():
    d = np.array([1.0, 10.0])
    s = np.array([[1.0, 100.0]])
    assert coupling_at_signal(d, s, np.array([10.0]))[0, 0] == pytest.approx(np.sqrt(10.0))
    assert np.isinf(coupling_at_signal(d, s, np.array([1e3]))[0, 0])


def test_joint_verdict_counts_the_overlap():
    grid = ScanGrid((0.1, 0.2, 0.3), (1e-7, 1e-6), 10)
    chi2 = {
        "E_QE": np.array([[0.0, 1.0], [2.0, 50.0], [50.0, 50.0]]),
        "cos": np.array([[0.0, 50.0], [1.0, 50.0], [50.0, 50.0]]),
    }
    q = {"a": np.array([[0.0, 0.0], [9.0, 0.0], [0.0, 0.0]])}
    result = JointResult(grid, "none", "none", chi2, q, chibar2_threshold(1), 0.95, 2)
    out = verdict(result)
    assert out["overlap"] == {"grid_points": 2, "surviving": 1, "fraction_surviving": 0.5}
    assert out["E_QE"]["grid_points"] == 3


def test_coverage_toys_at_a_true_point_and_summary():
    from neutrissimo.analyses.coverage import (
        CoverageResult,
        ToyBatch,
        coverage_summary,
        coverage_task,
    )

    shape = np.linspace(1.0, 0.1, 11)
    signal = np.stack([0.0 * shape, 50.0 * shape, 200.0 * shape])
    batch = ToyBatch(tuple(signal.ravel()), 3, 1, 300)
    toys = coverage_task(batch, np.random.default_rng(2))
    assert toys.delta_chi2.shape == (300,)
    assert np.all(toys.delta_chi2 >= -1e-9)
    summary = coverage_summary([CoverageResult("p", "none", (0.1, 1e-6), toys.delta_chi2)], (1, 2))
    entry = summary["p"]["2sigma"]
    assert 0.0 <= entry["coverage"] <= 1.0
    assert entry["wilks_threshold"] == pytest.approx(6.18, abs=0.01)


def test_cutflow_is_cumulative():
    from neutrissimo.analyses.cutflow import cutflow

    table = cutflow((0.05,), 1e-6, 500, samples=("me_fhc",))
    row = table["me_fhc"][0.05]
    steps = [1.0, row["shower_energy"], row["q2_qe"], row["e_theta2"], row["dedx"]]
    assert np.all(np.diff(steps) <= 1e-12)
    assert row["dedx"] > 0
