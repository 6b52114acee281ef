"""The scan commands: ``fit miniboone``, ``limits minerva`` and ``reproduce``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from neutrissimo.analyses.scan import check_scheduler, shared_scheduler
from neutrissimo.cli.common import (
    FROM_PAPER,
    AsJson,
    BkgUncertainty,
    Couplings,
    DTauScenario,
    Masses,
    MCStat,
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
    progress_bar,
    scan_progress,
)
from neutrissimo.exceptions import NeutrissimoError
from neutrissimo.io.atomic import check_writable

__all__: list[str] = []


@fit_app.command("miniboone")
@friendly_errors
def fit_miniboone(
    output: Annotated[
        Path, typer.Option("--output", "-o", help="Folder for grids, contours, figures.")
    ],
    oscillation: Oscillation = "global-no-mb",
    d_tau_scenario: DTauScenario = "none",
    masses: Masses = None,
    couplings: Couplings = None,
    events: NEvents = None,
    seed: Seed = 1,
    scheduler: Scheduler = "serial",
    workers: Workers = None,
    mc_stat: MCStat = True,
    as_json: AsJson = False,
) -> None:
    """MiniBooNE E_QE and cos(theta) fits over (m_N, d_mu); resumes an interrupted scan."""
    from neutrissimo.analyses.miniboone_excess import benchmark_excess
    from neutrissimo.analyses.miniboone_fit import (
        OBSERVABLES,
        check_fit_options,
        convergence,
        fit_grid,
        run_miniboone_scan,
        summarize,
        write_miniboone_outputs,
    )
    from neutrissimo.analyses.paper import paper_numbers

    check_fit_options(oscillation, d_tau_scenario)  # everything checked before any simulation
    check_writable(output, folder=True)
    check_scheduler(scheduler, workers)
    grid = paper_numbers().scans.miniboone.grid(masses, couplings, events, seed)
    with scan_progress(as_json)("MiniBooNE scan") as report:
        scan = run_miniboone_scan(grid, output, scheduler, workers, progress=report)
    result = fit_grid(grid, scan, oscillation, d_tau_scenario, mc_stat=mc_stat)
    summary = summarize(result)
    point = paper_numbers().benchmark(oscillation)
    benchmark = (point.m_n_gev, point.d_mu_gev_inv)
    excess = (
        benchmark_excess(*benchmark, oscillation, grid.events, seed)
        if d_tau_scenario == "none"  # the paper's Figs. 4 and 6 are for d_tau = 0
        else None
    )
    written = write_miniboone_outputs(output, result, summary, excess, benchmark)
    lines = [
        f"{obs}: best fit m_N = {s['best_fit_m_N_GeV']:.4g} GeV, "
        f"d_mu = {s['best_fit_d_mu_GeVinv']:.3g} GeV^-1, "
        f"chi2 = {s['chi2_best_fit']:.2f}; no HNL: chi2 = {s['chi2_no_hnl']:.2f} "
        f"(Delta chi2 = {s['delta_chi2_no_hnl']:.2f})"
        + (" at the grid edge: widen the scan" if s["best_fit_on_grid_edge"] else "")
        for obs, s in ((obs, summary[obs]) for obs in OBSERVABLES)
    ]
    moved = [
        f"{obs} {n} sigma region moves {c['median_shift_decades']:.3f} decades between "
        f"replicas (grid step {c['grid_step_decades']:.3f})"
        for obs, levels in convergence(result).items()
        for n, c in levels.items()
        if c["flagged"]
    ]
    lines += [*moved, f"wrote {len(written)} files to {output}"]
    emit(summary, as_json, lines)


@limits_app.command("minerva")
@friendly_errors
def limits_minerva(
    output: Annotated[
        Path, typer.Option("--output", "-o", help="Folder for limits, grids, figures.")
    ],
    sample: Annotated[str, typer.Option("--sample", help="le-fhc | me-fhc | me-rhc | all")] = "all",
    bkg_uncertainty: BkgUncertainty = None,
    d_tau_scenario: DTauScenario = "none",
    masses: Masses = None,
    couplings: Couplings = None,
    events: NEvents = None,
    seed: Seed = 1,
    scheduler: Scheduler = "serial",
    workers: Workers = None,
    miniboone: Annotated[
        Path | None,
        typer.Option("--miniboone", help="Output folder of `fit miniboone` to overlay."),
    ] = None,
    data_file: Annotated[
        Path | None, typer.Option("--data-file", help="dE/dx data for --sample me-rhc (2 columns).")
    ] = None,
    background_file: Annotated[
        Path | None, typer.Option("--background-file", help="dE/dx background for me-rhc.")
    ] = None,
    export_pyhf: Annotated[
        Path | None, typer.Option("--export-pyhf", help="Folder for pyhf workspaces (JSON).")
    ] = None,
    mc_stat: MCStat = True,
    as_json: AsJson = False,
) -> None:
    """95% CL limits on d_mu from MINERvA's nu-e samples; says which samples have data."""
    from neutrissimo.analyses.minerva_limits import (
        SAMPLES,
        compute_limits,
        run_minerva_scan,
        write_minerva_outputs,
    )
    from neutrissimo.analyses.miniboone_fit import read_preferred_regions
    from neutrissimo.analyses.paper import paper_numbers
    from neutrissimo.analyses.scenarios import d_tau_of
    from neutrissimo.experiments import minerva

    d_tau_of(d_tau_scenario, 0.0)  # validate before simulating
    names = list(SAMPLES) if sample == "all" else [sample.replace("-", "_")]
    for name in names:
        if name not in SAMPLES:
            raise NeutrissimoError(
                f"Unknown sample {sample!r}; choose le-fhc, me-fhc, me-rhc or all."
            )
    paper = paper_numbers()
    eta = paper.background_uncertainty.nominal if bkg_uncertainty is None else bkg_uncertainty
    if not (0.0 <= eta < 10.0):
        raise NeutrissimoError(
            f"--bkg-uncertainty must be a fraction >= 0 (0.3 for 30 %), got {eta!r}."
        )
    check_writable(output, folder=True)
    if export_pyhf is not None:
        check_writable(export_pyhf, folder=True)
    check_scheduler(scheduler, workers)
    grid = paper.scans.minerva.grid(masses, couplings, events, seed)
    histograms = {}  # the dE/dx files are read (and checked) before any simulation
    for name in names:
        if name in minerva.load_config().samples_with_public_dedx:
            histograms[name] = minerva.dedx_histogram(name)
        elif data_file is not None and background_file is not None:
            histograms[name] = minerva.dedx_histogram(
                name, data_file=data_file, background_file=background_file
            )
    scans = {}
    with shared_scheduler(scheduler, workers) as where:  # one local cluster for every sample
        for name in names:
            with scan_progress(as_json)(f"MINERvA {name} scan") as report:
                scans[name] = run_minerva_scan(name, grid, output, where, workers, report)
    fig9 = paper.benchmark("global-no-mb")
    limits = compute_limits(
        scans, eta, d_tau_scenario, histograms, (fig9.m_n_gev, fig9.d_mu_gev_inv), mc_stat=mc_stat
    )
    preferred = read_preferred_regions(miniboone) if miniboone is not None else ()
    written, summary = write_minerva_outputs(output, scans, limits, histograms, preferred)
    if export_pyhf is not None:  # one HistFactory workspace per sample and mass
        from neutrissimo.analyses.pyhf_export import export_minerva_limits

        written += export_minerva_limits(export_pyhf, scans, limits, histograms)
    lines = []
    for name, entry in summary["samples"].items():
        if entry["has_data"]:
            excluded = [v for v in entry["limit_d_mu_GeVinv"] if v is not None]
            best = (
                f"strongest limit d_mu < {min(excluded):.3g} GeV^-1" if excluded else "no exclusion"
            )
        else:
            best = "no public dE/dx data: N_fid and efficiencies only (see --data-file)"
        lines.append(f"{name}: {best}")
    lines.append(f"wrote {len(written)} files to {output}")
    emit(summary, as_json, lines)


@app.command()
@friendly_errors
def reproduce(
    output: Annotated[
        Path, typer.Option("--output", "-o", help="Folder for all figures and tables.")
    ] = Path("neutrissimo-paper"),
    masses: Masses = None,
    couplings: Annotated[
        int | None,
        typer.Option("--couplings", help=f"d_mu grid points of MiniBooNE ({FROM_PAPER})."),
    ] = None,
    events: NEvents = None,
    seed: Seed = 1,
    scheduler: Scheduler = "local",
    workers: Workers = None,
    mc_stat: MCStat = True,
) -> None:
    """All the paper's figures and tables (Figs. 3-15, Table I) into one folder; resumable.

    Ends with a table of what was made and what is missing (and why), the wall time, and
    report.md (key numbers, convergence of every region and limit, every figure)."""
    from rich.console import Console
    from rich.table import Table

    from neutrissimo.analyses.reproduce import reproduce as run

    check_writable(output, folder=True)
    check_scheduler(scheduler, workers)
    made = run(
        output,
        masses,
        couplings,
        events,
        seed,
        scheduler,
        workers,
        echo=typer.echo,
        mc_stat=mc_stat,
        progress=progress_bar,
    )
    table = Table(title=f"neutrissimo reproduce: {output}")
    for column in ("item", "file", "note"):
        table.add_column(column, overflow="fold")
    for product in made.products:
        where = str(product.path.relative_to(output)) if product.path else "[red]missing[/red]"
        table.add_row(product.item, where, product.note)
    console = Console()
    console.print(table)
    flagged = _flagged(made.summary)
    if flagged:
        console.print("moves more than one grid step between replicas: " + ", ".join(flagged))
    console.print(f"wall time {made.wall_time_s / 60:.1f} min; report: {output / 'report.md'}")


def _flagged(summary: dict[str, Any]) -> list[str]:
    """The regions and limits whose convergence check moved more than one grid step."""
    out = []
    for fit, entry in summary.get("miniboone", {}).items():
        for observable, levels in entry.get("convergence", {}).items():
            out += [f"{fit} {observable} {n} sigma" for n, c in levels.items() if c["flagged"]]
    for figure, entry in summary.get("minerva", {}).items():
        for sample, result in entry["samples"].items():
            if result.get("convergence", {}).get("flagged"):
                out.append(f"{figure} {sample} limit")
    return out
