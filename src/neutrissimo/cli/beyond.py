"""Commands beyond the paper (docs/beyond.md): ``sensitivity`` (your own experiment),
``limits expected``, ``fit joint``, ``fit coverage``, ``systematics`` and ``cutflow``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from neutrissimo.cli.common import (
    AsJson,
    BkgUncertainty,
    Couplings,
    Masses,
    NEvents,
    Oscillation,
    Scheduler,
    Seed,
    Workers,
    app,
    emit,
    fit_app,
    friendly_errors,
    limits_app,
    scan_progress,
)

__all__: list[str] = []

Output = Annotated[Path, typer.Option("--output", "-o", help="Folder for tables and figures.")]
_BEYOND = "default: analyses/beyond.toml"


@app.command()
@friendly_errors
def sensitivity(
    setup: Annotated[
        str,
        typer.Option("--setup", help="Setup TOML of your experiment, or an example (microboone)."),
    ],
    output: Output,
    n_events: Annotated[
        float | None,
        typer.Option("--n-events", help=f"Events defining the coupling reach ({_BEYOND})."),
    ] = None,
    masses: Masses = None,
    couplings: Couplings = None,
    events: NEvents = None,
    seed: Seed = 1,
    scheduler: Scheduler = "serial",
    workers: Workers = None,
    as_json: AsJson = False,
) -> None:
    """Expected photons converting in the fiducial volume of any experiment over (m_N, d_mu),
    and its coupling reach for a number of events."""
    from neutrissimo.analyses.beyond_config import beyond_settings
    from neutrissimo.analyses.sensitivity import run_sensitivity_scan, write_sensitivity_outputs
    from neutrissimo.experiments.user_setup import load_user_setup

    load_user_setup(setup)  # a bad file fails here, before any simulation
    settings = beyond_settings().sensitivity
    grid = settings.grid(masses, couplings, events, seed)
    with scan_progress(as_json)(f"sensitivity {setup}") as report:
        scan = run_sensitivity_scan(setup, grid, output, scheduler, workers, report)
    n = settings.n_events if n_events is None else n_events
    written, summary = write_sensitivity_outputs(output, scan, n, tuple(settings.levels))
    reach = [v for v in summary["reach_lowest_d_mu_GeVinv"] if v is not None]
    lines = [
        f"{scan.name}: at most {summary['max_n_sig']:.3g} photons (m_N = "
        f"{summary['max_at']['m_N_GeV']:.3g} GeV, d_mu = {summary['max_at']['d_mu_GeVinv']:.3g})",
        f"reach (N >= {n:g}): d_mu down to {min(reach):.3g} GeV^-1"
        if reach
        else f"no coupling of the grid gives {n:g} events",
        f"wrote {len(written)} files to {output}",
    ]
    emit(summary, as_json, lines)


@limits_app.command("expected")
@friendly_errors
def limits_expected(
    output: Output,
    toys: Annotated[int | None, typer.Option("--toys", help=f"Toys ({_BEYOND}).")] = None,
    bkg_uncertainty: BkgUncertainty = None,
    masses: Masses = None,
    couplings: Couplings = None,
    events: NEvents = None,
    seed: Seed = 1,
    scheduler: Scheduler = "serial",
    workers: Workers = None,
    as_json: AsJson = False,
) -> None:
    """Observed MINERvA limits with the expected median and 1, 2 sigma bands (background only:
    Asimov and toys), for every sample with public dE/dx data."""
    import numpy as np

    from neutrissimo.analyses.beyond_config import beyond_settings
    from neutrissimo.analyses.expected_limits import expected_limits, write_expected_outputs
    from neutrissimo.analyses.minerva_limits import run_minerva_scan
    from neutrissimo.analyses.paper import paper_numbers
    from neutrissimo.experiments import minerva

    paper = paper_numbers()
    eta = paper.background_uncertainty.nominal if bkg_uncertainty is None else bkg_uncertainty
    n_toys = beyond_settings().expected.toys if toys is None else toys
    grid = paper.scans.minerva.grid(masses, couplings, events, seed)
    results = {}
    rng = np.random.default_rng(seed)
    for sample in minerva.load_config().samples_with_public_dedx:
        with scan_progress(as_json)(f"MINERvA {sample} scan") as report:
            scan = run_minerva_scan(sample, grid, output, scheduler, workers, report)
        results[sample] = expected_limits(scan, minerva.dedx_histogram(sample), eta, n_toys, rng)
    written, summary = write_expected_outputs(output, results, eta)
    lines = [
        f"{s}: N_up observed {r.n_up_observed:.1f}, Asimov {r.n_up_asimov:.1f}, toys median "
        f"{float(np.median(r.n_up_toys)):.1f} photon-like events"
        for s, r in results.items()
    ] + [f"wrote {len(written)} files to {output}"]
    emit(summary, as_json, lines)


@fit_app.command("joint")
@friendly_errors
def fit_joint(
    output: Output,
    oscillation: Oscillation = "global-no-mb",
    bkg_uncertainty: BkgUncertainty = None,
    masses: Masses = None,
    couplings: Couplings = None,
    events: NEvents = None,
    seed: Seed = 1,
    scheduler: Scheduler = "serial",
    workers: Workers = None,
    as_json: AsJson = False,
) -> None:
    """MiniBooNE (E_QE, cos(theta)) and MINERvA on one grid, every d_tau scenario: the regions
    that survive MINERvA, and whether the E_QE and cos(theta) overlap does."""
    from neutrissimo.analyses.beyond_config import beyond_settings
    from neutrissimo.analyses.joint_fit import joint_fit, write_joint_outputs
    from neutrissimo.analyses.minerva_limits import run_minerva_scan
    from neutrissimo.analyses.miniboone_fit import check_fit_options, run_miniboone_scan
    from neutrissimo.analyses.paper import paper_numbers
    from neutrissimo.analyses.scenarios import D_TAU_SCENARIOS
    from neutrissimo.experiments import minerva

    check_fit_options(oscillation, "none")
    settings = beyond_settings().joint
    eta = (
        paper_numbers().background_uncertainty.nominal
        if bkg_uncertainty is None
        else bkg_uncertainty
    )
    grid = settings.grid(masses, couplings, events, seed)
    with scan_progress(as_json)("MiniBooNE scan") as report:
        mb = run_miniboone_scan(grid, output, scheduler, workers, progress=report)
    samples = minerva.load_config().samples_with_public_dedx
    scans = {}
    for sample in samples:
        with scan_progress(as_json)(f"MINERvA {sample} scan") as report:
            scans[sample] = run_minerva_scan(sample, grid, output, scheduler, workers, report)
    histograms = {s: minerva.dedx_histogram(s) for s in samples}
    payload = {}
    lines = []
    count = 0
    for d_tau in D_TAU_SCENARIOS:
        result = joint_fit(
            grid,
            mb,
            scans,
            histograms,
            oscillation=oscillation,
            d_tau=d_tau,
            eta=eta,
            cl=settings.cl,
            sigma=settings.region_sigma,
        )
        written, summary = write_joint_outputs(output, result)
        count += len(written)
        payload[d_tau] = summary
        overlap = summary["overlap"]
        share = overlap["fraction_surviving"]
        lines.append(
            f"d_tau {d_tau}: E_QE & cos {settings.region_sigma} sigma overlap "
            f"{overlap['grid_points']} grid points, {overlap['surviving']} survive MINERvA"
            + (f" ({share:.0%})" if share is not None else "")
        )
    lines.append(f"wrote {count} files to {output}")
    emit(payload, as_json, lines)


@fit_app.command("coverage")
@friendly_errors
def fit_coverage(
    output: Output,
    toys: Annotated[int | None, typer.Option("--toys", help=f"Toys per point ({_BEYOND}).")] = None,
    masses: Masses = None,
    couplings: Couplings = None,
    events: NEvents = None,
    seed: Seed = 1,
    scheduler: Scheduler = "serial",
    workers: Workers = None,
    as_json: AsJson = False,
) -> None:
    """Coverage of the MiniBooNE E_QE Wilks regions with toys from the full covariance at the
    two benchmarks and a point outside the regions; Feldman-Cousins thresholds there."""
    from neutrissimo.analyses.beyond_config import beyond_settings
    from neutrissimo.analyses.coverage import run_coverage, write_coverage_outputs
    from neutrissimo.analyses.miniboone_fit import run_miniboone_scan
    from neutrissimo.analyses.paper import paper_numbers

    settings = beyond_settings().coverage
    grid = settings.grid(masses, couplings, events, seed)
    with scan_progress(as_json)("MiniBooNE scan") as report:
        scan = run_miniboone_scan(grid, output, scheduler, workers, progress=report)
    paper = paper_numbers()
    points = {
        name: (name, paper.benchmark(name).m_n_gev, paper.benchmark(name).d_mu_gev_inv)
        for name in ("global-no-mb", "mb-microboone")
    }
    points["outside"] = ("global-no-mb", *settings.outside_point)
    n_toys = settings.toys if toys is None else toys
    with scan_progress(as_json)("coverage toys") as report:
        results = run_coverage(
            grid,
            scan,
            points,
            n_toys,
            settings.toys_per_task,
            output,
            seed=seed,
            scheduler=scheduler,
            n_workers=workers,
            progress=report,
        )
    written, summary = write_coverage_outputs(output, results, tuple(settings.sigmas))
    lines = []
    for label, entry in summary.items():
        parts = [
            f"{n}: coverage {entry[n]['coverage']:.3f} (nominal {entry[n]['nominal']:.3f}), "
            f"FC threshold {entry[n]['feldman_cousins_threshold']:.2f} vs Wilks "
            f"{entry[n]['wilks_threshold']:.2f}"
            for n in entry
            if n.endswith("sigma")
        ]
        lines.append(f"{label}: " + "; ".join(parts))
    lines.append(f"wrote {len(written)} files to {output}")
    emit(summary, as_json, lines)


@app.command()
@friendly_errors
def cutflow(
    output: Output,
    events: NEvents = None,
    seed: Seed = 1,
    as_json: AsJson = False,
) -> None:
    """Cut flow of the MINERvA selection for HNL photons per sample at several masses."""
    from neutrissimo.analyses.beyond_config import beyond_settings
    from neutrissimo.analyses.cutflow import cutflow as run_cutflow
    from neutrissimo.analyses.cutflow import write_cutflow

    settings = beyond_settings().cutflow
    table = run_cutflow(
        tuple(settings.masses_gev),
        settings.d_mu_gev_inv,
        settings.events if events is None else events,
        seed,
    )
    written, summary = write_cutflow(output, table)
    lines = [
        f"{sample} m_N={m} GeV: "
        + ", ".join(f"{k} {v:.3g}" for k, v in row.items() if k != "n_fid")
        for sample, by_mass in summary.items()
        for m, row in by_mass.items()
    ] + [f"wrote {len(written)} files to {output}"]
    emit(summary, as_json, lines)


@app.command()
@friendly_errors
def systematics(
    output: Output,
    oscillation: Oscillation = "global-no-mb",
    masses: Masses = None,
    couplings: Couplings = None,
    events: NEvents = None,
    seed: Seed = 1,
    scheduler: Scheduler = "serial",
    workers: Workers = None,
    as_json: AsJson = False,
) -> None:
    """Shift of the MiniBooNE region edges and the MINERvA limits at fixed masses under each
    modelling choice: form factor, Dirac/Majorana, MiniBooNE efficiency and resolutions, the
    oscillation's cos(theta) shape, the MINERvA dE/dx acceptance."""
    from neutrissimo.analyses.beyond_config import beyond_settings
    from neutrissimo.analyses.miniboone_fit import check_fit_options
    from neutrissimo.analyses.paper import paper_numbers
    from neutrissimo.analyses.scan import check_scheduler
    from neutrissimo.analyses.systematics import (
        CHOICES,
        nominal_quantities,
        quantities_of,
        run_systematics,
    )
    from neutrissimo.analyses.systematics_report import compare, write_systematics_outputs
    from neutrissimo.io.atomic import check_writable

    check_fit_options(oscillation, "none")
    check_scheduler(scheduler, workers)
    check_writable(output, folder=True)
    settings = beyond_settings().systematics
    grid = settings.grid(masses, couplings, events, seed)
    eta = paper_numbers().background_uncertainty.nominal
    with scan_progress(as_json)("systematics scans") as report:
        scans = run_systematics(
            grid,
            settings.report_masses_gev,
            settings.resolution_scale,
            output,
            scheduler,
            workers,
            report,
        )
    sigma = settings.region_sigma
    nominal = nominal_quantities(scans, oscillation, sigma, eta)
    alternatives = {c: quantities_of(c, scans, oscillation, sigma, eta) for c in CHOICES}
    rows = compare(nominal, alternatives, scans.report_masses)
    record = {
        **scans.grid.settings(),
        "report_masses_GeV": list(scans.report_masses),
        "resolution_scale": settings.resolution_scale,
        "oscillation": oscillation,
        "region_sigma": sigma,
        "bkg_uncertainty": eta,
        "mc_stat": False,
    }
    written, summary = write_systematics_outputs(output, rows, record)
    top = summary["largest_shift"]
    lines = (
        [
            f"largest shift: {top['shift_dex']:+.3f} decades ({CHOICES[top['choice']].label}, "
            f"{top['quantity']}, m_N = {top['m_N_GeV']:g} GeV)"
        ]
        if top
        else ["no edge or limit measured at the report masses"]
    ) + [f"wrote {len(written)} files to {output}"]
    emit(summary, as_json, lines)
