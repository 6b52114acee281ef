"""The command line: machine-readable output with stable keys, one-line errors on bad input."""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from neutrissimo.cli import app

runner = CliRunner()


def test_model_json_keys_and_values():
    result = runner.invoke(
        app, ["model", "--mass", "0.47", "--d-mu", "1.25e-6", "--energy", "1", "--json"]
    )
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert set(payload) >= {
        "m_N_GeV",
        "nature",
        "couplings_GeVinv",
        "partial_widths_GeV",
        "width_GeV",
        "ctau_cm",
        "lifetime_s",
        "decay_lengths",
    }
    assert payload["ctau_cm"] == pytest.approx(1.5286, rel=1e-4)
    # beta gamma c tau at E_N = 1 GeV: sqrt(1 - 0.47^2)/0.47 * c tau
    assert payload["decay_lengths"][0]["decay_length_cm"] == pytest.approx(2.8707, rel=1e-4)


def test_xsec_json_has_per_energy_channels():
    args = ["xsec", "--target", "C12", "--mass", "0.05", "--d-mu", "1e-6", "--energy", "1.0"]
    result = runner.invoke(app, [*args, "--energy", "0.01", "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    first, below = payload["points"]
    assert first["sigma_total_cm2"] == pytest.approx(
        first["sigma_flip_cm2"] + first["sigma_conserve_cm2"]
    )
    assert first["sigma_total_cm2"] == pytest.approx(3.2e-39, rel=0.01)
    assert below["sigma_total_cm2"] == 0.0  # below the 50.1 MeV threshold
    assert payload["form_factor"] == "fourier-bessel"
    proton = json.loads(
        runner.invoke(
            app, ["xsec", "--target", "proton", "--mass", "0.1", "--energy", "2", "--json"]
        ).stdout
    )
    assert proton["channel"] == "proton"
    assert proton["form_factor"] is None


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["xsec", "--target", "Cx12", "--mass", "0.05", "--energy", "1"], "Unknown nucleus"),
        (
            ["xsec", "--target", "C12", "--mass", "0.05", "--energy", "1", "--form-factor", "box"],
            "form factor",
        ),
        (["model", "--mass", "-1", "--d-mu", "1e-6"], "positive"),
        (["model", "--mass", "0.1", "--d-mu", "-1e-6"], "d_mu"),
    ],
)
def test_bad_input_is_one_line_and_status_2(args, fragment):
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    assert fragment in result.stderr
    assert "Traceback" not in result.output


def test_demo_writes_the_figures(tmp_path):
    result = runner.invoke(app, ["demo", "--output", str(tmp_path), "--events", "3000"])
    assert result.exit_code == 0, result.output
    assert "c tau = 1.529 cm" in result.stdout
    for name in ("fig13_form_factors.png", "fig14_cross_sections.png", "fig15_helicity_ratio.png"):
        assert (tmp_path / name).stat().st_size > 10_000


def test_simulate_writes_events_and_a_summary(tmp_path):
    out = tmp_path / "events.parquet"
    args = ["simulate", "--experiment", "miniboone", "--mass", "0.47", "--d-mu", "1.25e-6"]
    result = runner.invoke(app, [*args, "--events", "3000", "-o", str(out), "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["events_generated"] == 3000
    assert payload["photons_in_fiducial"] > 0
    assert sum(payload["share_by_region"].values()) == pytest.approx(1.0)
    low, high = payload["couplings_served_GeVinv"]  # default: a decade centred on d_mu
    assert (high / low, np.sqrt(low * high)) == pytest.approx((10.0, 1.25e-6))
    from neutrissimo.simulation.events import read_events

    assert len(read_events(out)) == 3000
    bad = runner.invoke(app, ["simulate", "--experiment", "t2k", "--mass", "0.1", "--d-mu", "1e-6"])
    assert bad.exit_code == 2
    assert "Unknown experiment" in bad.stderr


def test_fit_and_limits_commands(tmp_path):
    small = ["--masses", "2", "--couplings", "3", "--events", "1200"]
    fit = runner.invoke(app, ["fit", "miniboone", "-o", str(tmp_path / "mb"), *small, "--json"])
    assert fit.exit_code == 0, fit.output
    assert set(json.loads(fit.stdout)) >= {"E_QE", "cos", "oscillation", "d_tau_scenario"}
    extra = ["--json", "--export-pyhf", str(tmp_path / "pyhf")]
    limits = runner.invoke(
        app,
        ["limits", "minerva", "--sample", "le-fhc", "-o", str(tmp_path / "mn"), *small, *extra],
    )
    assert limits.exit_code == 0, limits.output
    entry = json.loads(limits.stdout)["samples"]["le_fhc"]
    assert entry["has_data"] is True
    assert len(entry["selection_efficiency"]) == 2
    assert (tmp_path / "mn" / "le_fhc_limit_eta0.3.csv").is_file()
    manifest = json.loads((tmp_path / "pyhf" / "manifest.json").read_text())["workspaces"]
    assert manifest  # one workspace per mass with a nonzero signal
    assert all((tmp_path / "pyhf" / w["file"]).is_file() for w in manifest)
    wrong = runner.invoke(
        app, ["fit", "miniboone", "-o", str(tmp_path / "x"), "--oscillation", "sterile"]
    )
    assert wrong.exit_code == 2


@pytest.mark.slow
def test_reproduce_writes_every_figure(tmp_path):
    args = [
        "reproduce",
        "-o",
        str(tmp_path),
        "--masses",
        "3",
        "--couplings",
        "4",
        "--events",
        "5000",
    ]
    result = runner.invoke(app, [*args, "--scheduler", "serial"])
    assert result.exit_code == 0, result.output
    for name in (
        "physics/fig13_form_factors.png",
        "miniboone/fig3/preferred_regions.png",
        "miniboone/fig3/excess_benchmark.png",
        "miniboone/fig5/excess_benchmark.png",
        "miniboone/fig7_mass_ratio/preferred_regions.png",
        "minerva/fig10/minerva_limits.png",
        "minerva/fig12/minerva_limits.png",
        "minerva/fig8_selection.png",
        "table1_minerva_targets.csv",
        "summary.json",
        "report.md",
    ):
        assert (tmp_path / name).is_file(), name
    # the end table says what is missing and why, and the wall time
    assert "missing" in result.output
    assert "no public dE/dx data" in result.output
    assert "wall time" in result.output
    report = (tmp_path / "report.md").read_text()
    assert "![Fig. 8](minerva/fig8_selection.png)" in report
    assert "Convergence" in report
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["settings"]["replicas"] == 2
    assert set(summary["miniboone"]["fig3"]["convergence"]) == {"E_QE", "cos"}
