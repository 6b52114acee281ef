"""Bad input gets one ``error: ...`` line and exit status 2 before any work (the CLI through its
real entry point), named errors in the API, and outputs others can read."""

from __future__ import annotations

import os
import stat

import numpy as np
import pytest

from neutrissimo import ConfigurationError, DipoleModel, make_target, total_cross_section
from neutrissimo.analyses.scan import check_scheduler
from neutrissimo.cli import main
from neutrissimo.io.atomic import atomic_path, check_writable, write_text

SMALL = ["--masses", "2", "--couplings", "2", "--events", "100"]


def _one_line_error(capsys, argv, match):
    code = main(argv)
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2, err
    assert len(err) == 1, err
    assert err[0].startswith("error: ")
    assert match in err[0], err[0]


@pytest.mark.parametrize(
    ("argv", "match"),
    [
        (["model", "--mass", "1e200", "--d-mu", "1e-6"], "up to 1000 GeV"),
        (["model", "--mass", "0.1", "--d-mu", "1e300"], "narrow"),
        (["model", "--mass", "0.47"], "All couplings are zero"),
        (["xsec", "--target", "C12", "--mass", "0.05", "--d-mu", "1e200", "--energy", "1"], "d^2"),
        (["xsec", "--target", "C12", "--mass", "0.05", "--d-mu", "1e-6"], "--energy"),
        (
            [
                "simulate",
                "--experiment",
                "miniboone",
                "--mass",
                "0.1",
                "--d-mu",
                "1e-6",
                "--seed",
                "-1",
            ],
            "--seed",
        ),
        (
            [
                "simulate",
                "--experiment",
                "miniboone",
                "--mass",
                "0.1",
                "--d-mu",
                "1e-6",
                "--events",
                "1e12",
            ],
            "--events",
        ),
        (["simulate", "--experiment", "miniboone", "--mass", "0.1", "--d-mu", "1e200"], "narrow"),
        (["simulate", "--experiment", "miniboone", "--mass", "0.1", "--d-mu", "0"], "zero"),
        (
            [
                "simulate",
                "--experiment",
                "miniboone",
                "--mass",
                "0.1",
                "--d-mu",
                "1e-6",
                "--serve",
                "1e-5",
                "1e-7",
            ],
            "D_MIN <= D_MAX",
        ),
        (  # issue 11: no silent 0 far above any grid; the error names the decay length
            ["simulate", "--experiment", "miniboone", "--mass", "0.47", "--d-mu", "1e10"],
            "decay length c tau = 2.39e-32 cm",
        ),
        (  # issue 11: streamed to disk, 10^12 events would fill it; said before any work
            [
                "simulate",
                "--experiment",
                "miniboone",
                "--mass",
                "0.47",
                "--d-mu",
                "1e-6",
                "--events",
                "1000000000000",
                "-o",
                "out/x.parquet",
            ],
            "GB of disk",
        ),
        (["fit", "miniboone", "-o", "/proc/neutrissimo", *SMALL], "Cannot write"),
        (["fit", "miniboone", "-o", "out", "--workers", "0", *SMALL], "--workers"),
        (["fit", "miniboone", "-o", "out", "--workers", "-2", *SMALL], "--workers"),
        (["fit", "miniboone", "-o", "out", "--seed", "-3", *SMALL], "--seed"),
        (["limits", "minerva", "-o", "out", "--bkg-uncertainty", "-1", *SMALL], "fraction"),
        (["model", "--mass", "0.1", "--d-mu", "1e-6", "--majorana", "true"], "true"),
        (["bogus"], "No such command"),
    ],
)
def test_cli_bad_input_is_one_line_and_exit_2(capsys, tmp_path, monkeypatch, argv, match):
    monkeypatch.chdir(tmp_path)
    _one_line_error(capsys, argv, match)
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_output_path_faults_are_caught_before_any_work(capsys, tmp_path):
    a_file = tmp_path / "a_file"
    a_file.write_text("x")
    _one_line_error(capsys, ["fit", "miniboone", "-o", str(a_file), *SMALL], "is a file")
    _one_line_error(
        capsys,
        [
            "simulate",
            "--experiment",
            "miniboone",
            "--mass",
            "0.1",
            "--d-mu",
            "1e-6",
            "-o",
            str(tmp_path),
        ],
        "is a folder",
    )
    if os.geteuid() != 0:  # root writes anywhere: the permission case needs an ordinary user
        locked = tmp_path / "locked"
        locked.mkdir(mode=0o500)
        with pytest.raises(ConfigurationError, match="Cannot write"):
            check_writable(locked / "x.parquet", folder=False)


def test_unreachable_scheduler_is_one_line(capsys, tmp_path):
    _one_line_error(
        capsys,
        ["fit", "miniboone", "-o", str(tmp_path / "f"), "--scheduler", "tcp://127.0.0.1:1", *SMALL],
        "No Dask scheduler answers",
    )
    with pytest.raises(ConfigurationError, match="Unknown scheduler"):
        check_scheduler("slurm")
    with pytest.raises(ConfigurationError, match=">= 1"):
        check_scheduler("local", 0)


def test_api_misuse_gets_named_errors():
    with pytest.raises(ConfigurationError, match="named by a string"):
        make_target(None)  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError, match="single number"):
        DipoleModel(m_N=np.array([0.1, 0.2]))  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError, match="single number"):
        DipoleModel(m_N=0.1, d_mu="1e-6")  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError, match="single numbers"):
        total_cross_section(make_target("C12"), np.array([1.0]), np.array([0.05, 0.1]), 1e-6)
    # numpy scalars are numbers
    assert DipoleModel(m_N=np.float32(0.1), d_mu=np.float64(1e-6)).m_N == pytest.approx(0.1)


def test_outputs_respect_the_umask_and_leave_no_temporary_files(tmp_path):
    old = os.umask(0o022)
    try:
        stale = tmp_path / ".result.json.abc123.tmp.json"
        stale.write_text("")  # left behind by a killed run
        path = write_text(tmp_path / "result.json", "{}\n")
        assert stat.S_IMODE(path.stat().st_mode) == 0o644
        assert sorted(p.name for p in tmp_path.iterdir()) == ["result.json"]
        os.umask(0o077)
        private = write_text(tmp_path / "private.txt", "x")
        assert stat.S_IMODE(private.stat().st_mode) == 0o600
    finally:
        os.umask(old)

    def failing_writer() -> None:
        with atomic_path(tmp_path / "failed.txt") as tmp:
            tmp.write_text("partial")
            raise RuntimeError("writer failed")

    with pytest.raises(RuntimeError):
        failing_writer()
    assert not (tmp_path / "failed.txt").exists()
    assert not list(tmp_path.glob(".failed*"))


def test_rates_far_above_the_scan_grid_do_not_collapse():
    """Issue 11: above d ~ 1e-4 at 0.1 GeV the rate / d^2 once fell (45x too low at d = 1).
    Once the HNLs decay inside the detector where they are made, rate / d^2 is flat; with the
    coupling range centred on the requested d (as ``simulate`` does) it must stay so."""
    from neutrissimo.experiments.setups import load_setup
    from neutrissimo.simulation.coupling_ranges import serving_range
    from neutrissimo.simulation.streaming import simulate_to_file

    setup = load_setup("miniboone")
    per_d2 = {}
    for d in (1e-4, 1.0):
        sample = simulate_to_file(
            setup,
            DipoleModel(m_N=0.1, d_mu=d),
            2000,
            np.random.default_rng(11),
            None,
            couplings=serving_range(d),
        )
        assert sample.summary.effective_size > 20
        per_d2[d] = sample.summary.rate / d**2
    assert per_d2[1.0] == pytest.approx(per_d2[1e-4], rel=0.5)  # measured: 4.6e16 vs 4.3e16
