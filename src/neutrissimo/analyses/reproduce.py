"""``neutrissimo reproduce``: the paper's figures and tables from one command.

Layout of the output folder::

    physics/    fig13_form_factors, fig14_cross_sections, fig15_helicity_ratio (PNG)
    table1_minerva_targets.csv   Table I masses from the geometry vs the paper
    miniboone/  scan/ (checkpoints), closure_3p1.png,
                fig3/ (global-no-mb), fig5/ (mb-microboone), fig7_mass_ratio/, fig7_fixed/:
                grids, contours, best_fit.json, preferred_regions.png, excess_benchmark.png
                (Fig. 4 in fig3/, Fig. 6 in fig5/)
    minerva/    scan-<sample>/ (checkpoints), fig8_selection.png,
                fig10/ (d_tau = 0), fig11/ (mass ratio), fig12/ (fixed 1e-5): limits, grids,
                minerva_limits.png (with the matching MiniBooNE regions), fig9_dedx.png
    summary.json

One MiniBooNE scan serves Figs. 3-7 and one scan per MINERvA sample serves Figs. 8-12: the
oscillation and d_tau scenarios only reweight. Interrupted runs resume from the checkpoints.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from neutrissimo.analyses.closure_3p1 import closure_figure, run_3p1_closure
from neutrissimo.analyses.minerva_limits import (
    SAMPLES,
    compute_limits,
    etheta2_sample,
    run_minerva_scan,
    write_minerva_outputs,
)
from neutrissimo.analyses.miniboone_excess import benchmark_excess
from neutrissimo.analyses.miniboone_fit import (
    FitResult,
    convergence,
    fit_grid,
    preferred_regions,
    run_miniboone_scan,
    summarize,
    write_miniboone_outputs,
)
from neutrissimo.analyses.paper import paper_numbers
from neutrissimo.analyses.scan import Progress, shared_scheduler
from neutrissimo.detector.loader import load_detector
from neutrissimo.experiments import minerva
from neutrissimo.io.atomic import write_columns_csv, write_json
from neutrissimo.io.provenance import provenance

__all__ = [
    "MINERVA_FIGURES",
    "MINIBOONE_FITS",
    "Product",
    "ProgressFactory",
    "Reproduction",
    "reproduce",
]

#: Figure folder -> (oscillation scenario, d_tau scenario) of the MiniBooNE fits (Sec. IV).
MINIBOONE_FITS: dict[str, tuple[str, str]] = {
    "fig3": ("global-no-mb", "none"),
    "fig5": ("mb-microboone", "none"),
    "fig7_mass_ratio": ("global-no-mb", "mass-ratio"),
    "fig7_fixed": ("global-no-mb", "fixed-1e-5"),
}
#: Figure folder -> (d_tau scenario, MiniBooNE fit overlaid) of the MINERvA limits (Sec. V).
MINERVA_FIGURES: dict[str, tuple[str, str]] = {
    "fig10": ("none", "fig3"),
    "fig11": ("mass-ratio", "fig7_mass_ratio"),
    "fig12": ("fixed-1e-5", "fig7_fixed"),
}


def _table_one(output: Path) -> Path:
    """Table I masses (``paper.toml``) next to those of the MINERvA geometry."""
    table = paper_numbers().table_i_kg
    detector = load_detector("minerva")
    names = list(table)
    ours = [detector.volumes[detector.volume_index(n)].mass_g / 1e3 for n in names]
    return write_columns_csv(
        output / "table1_minerva_targets.csv",
        ["target index", "mass from geometry [kg]", "Table I mass [kg]"],
        [np.arange(len(names)), ours, [table[n] for n in names]],
        [f"Targets by index: {', '.join(f'{i}={n}' for i, n in enumerate(names))}"],
    )


#: Opens a progress report for a named scan; yields the scan's progress callback.
ProgressFactory = Callable[[str], AbstractContextManager[Progress]]


@dataclass(frozen=True)
class Product:
    """One item of the paper: what it is, where it was written (None: not made) and a note
    (for a missing item: why, and how to supply what it needs)."""

    item: str
    path: Path | None
    note: str = ""


@dataclass(frozen=True)
class Reproduction:
    """What ``reproduce`` made: the machine-readable summary, every product and the wall time."""

    summary: dict[str, Any]
    products: list[Product]
    wall_time_s: float


def _figures(written: list[Path], name: str) -> list[Product]:
    """The figures (PNG) among the files an analysis ``name`` wrote, as report products named by
    :data:`_FIGURE_NAMES`."""
    return [
        Product(_FIGURE_NAMES.get(p.name, p.name).format(name=name), p)
        for p in written
        if p.suffix == ".png"
    ]


def _line_progress(echo: Callable[[str], None]) -> ProgressFactory:
    """Progress as plain lines ``[done/total] <scan>: <message>``."""

    @contextmanager
    def factory(name: str) -> Iterator[Progress]:
        yield lambda done, total, message: echo(f"[{done}/{total}] {name}: {message}")

    return factory


def reproduce(
    output: Path,
    masses: int | None = None,
    couplings: int | None = None,
    events: int | None = None,
    seed: int = 1,
    scheduler: str = "serial",
    workers: int | None = None,
    echo: Callable[[str], None] = print,
    *,
    mc_stat: bool = True,
    progress: ProgressFactory | None = None,
) -> Reproduction:
    """Regenerate the paper's figures and tables into ``output``.

    ``masses``, ``couplings`` (of the MiniBooNE grid; the MINERvA grid, one decade longer,
    gets as many more as ``paper.toml`` gives it) and ``events``: ``None`` takes the
    ``[scans.*]`` defaults of ``paper.toml``. ``mc_stat``: the Monte Carlo error of the
    predictions in every chi^2 and likelihood (``False``: the paper's treatment). ``progress``
    opens one progress report per scan (default: lines through ``echo``). Writes
    ``summary.json`` (every number, with the convergence of each region and limit between the
    scans' replicas) and ``report.md`` (the key numbers and every figure).
    """
    from neutrissimo.analyses.physics_figures import write_physics_figures
    from neutrissimo.analyses.report import write_report
    from neutrissimo.plotting.minerva import plot_fig8
    from neutrissimo.plotting.save import save_figure

    start = time.perf_counter()
    open_progress = progress or _line_progress(echo)
    paper = paper_numbers()
    grid = paper.scans.miniboone.grid(masses, couplings, events, seed)
    extra = paper.scans.minerva.n_couplings - paper.scans.miniboone.n_couplings
    minerva_grid = paper.scans.minerva.grid(
        masses, None if couplings is None else couplings + extra, events, seed
    )
    summary: dict[str, Any] = {
        "settings": provenance(
            masses=len(grid.masses),
            couplings_miniboone=len(grid.couplings),
            couplings_minerva=len(minerva_grid.couplings),
            events_per_mass=grid.events,
            replicas=grid.replicas,
            seed=seed,
            mc_stat=mc_stat,
        )
    }
    products: list[Product] = []
    physics = write_physics_figures(output / "physics")
    products += [Product(f"Fig. {n}", path) for n, path in zip((13, 14, 15), physics, strict=True)]
    products.append(Product("Table I", _table_one(output)))
    echo("physics figures and Table I written")

    closure = run_3p1_closure()
    path = save_figure(closure_figure(closure), output / "miniboone" / "closure_3p1.png")
    products.append(Product("MiniBooNE 3+1 closure", path))
    summary["miniboone_3p1_closure"] = {
        "best_fit_ours": list(closure.best_fit_ours),
        "best_fit_official": list(closure.best_fit_official),
        "rms_difference_3sigma": closure.rms_difference_3sigma,
    }
    # One local cluster serves every scan: its workers start (and import) once.
    with shared_scheduler(scheduler, workers) as where:
        with open_progress("MiniBooNE scan") as report:
            scan = run_miniboone_scan(grid, output / "miniboone", where, workers, report)
        summary["miniboone"] = {}
        fits: dict[str, FitResult] = {}
        for name, (oscillation, d_tau) in MINIBOONE_FITS.items():
            result = fits[name] = fit_grid(grid, scan, oscillation, d_tau, mc_stat=mc_stat)
            fit_summary = summarize(result)
            fit_summary["convergence"] = convergence(result)
            point = paper.benchmark(oscillation)
            benchmark = (point.m_n_gev, point.d_mu_gev_inv)
            excess = (
                benchmark_excess(*benchmark, oscillation, grid.events, seed)
                if d_tau == "none"
                else None
            )
            folder = output / "miniboone" / name
            written = write_miniboone_outputs(folder, result, fit_summary, excess, benchmark)
            products += _figures(written, name)
            summary["miniboone"][name] = fit_summary
            echo(f"MiniBooNE {name} written")

        scans = {}
        for s in SAMPLES:
            with open_progress(f"MINERvA {s} scan") as report:
                scans[s] = run_minerva_scan(
                    s, minerva_grid, output / "minerva", where, workers, report
                )
    config = minerva.load_config()
    histograms_dedx = {s: minerva.dedx_histogram(s) for s in config.samples_with_public_dedx}
    for s in scans:
        if s not in histograms_dedx:
            sample = config.sample(s)
            products.append(
                Product(
                    f"MINERvA {sample.label} limits and dE/dx",
                    None,
                    f"no public dE/dx data or background for {sample.label} "
                    f"({sample.reference}); its N_fid and selection efficiency are computed. "
                    f"Supply them with `neutrissimo limits minerva --sample "
                    f"{s.replace('_', '-')} --data-file DATA --background-file BKG` (two "
                    "columns: dE/dx bin centre in MeV/1.7cm, events per MeV/1.7cm).",
                )
            )
    summary["minerva"] = {}
    fig9 = paper.benchmark("global-no-mb")
    fig9_point = (fig9.m_n_gev, fig9.d_mu_gev_inv)
    for name, (d_tau, fit_folder) in MINERVA_FIGURES.items():
        limits = compute_limits(
            scans,
            paper.background_uncertainty.nominal,
            d_tau,
            histograms_dedx,
            fig9_point,
            mc_stat=mc_stat,
        )
        written, limits_summary = write_minerva_outputs(
            output / "minerva" / name,
            scans,
            limits,
            histograms_dedx,
            preferred_regions(fits[fit_folder]),
        )
        products += _figures(written, name)
        summary["minerva"][name] = limits_summary
        echo(f"MINERvA {name} written")
    etheta2 = [
        (
            f"m_N = {m:g} GeV, d = {d:g}",
            *etheta2_sample("me_fhc", m, d, max(grid.events // 4, 1000), seed),
        )
        for m, d in paper.minerva_selection.etheta2_points
    ]
    efficiency = {config.sample(s).label: scan.efficiency() for s, scan in scans.items()}
    path = save_figure(
        plot_fig8(etheta2, np.asarray(minerva_grid.masses), efficiency),
        output / "minerva" / "fig8_selection.png",
    )
    products.append(Product("Fig. 8", path))
    wall = time.perf_counter() - start
    summary["wall_time_s"] = wall
    write_json(output / "summary.json", summary)
    products.append(Product("summary", output / "summary.json"))
    made = Reproduction(summary, products, wall)
    products.append(Product("report", write_report(output / "report.md", made)))
    return made


#: Figure file names -> the paper's figure they reproduce (``{name}``: the fit's folder).
_FIGURE_NAMES = {
    "preferred_regions.png": "MiniBooNE regions ({name})",
    "excess_benchmark.png": "MiniBooNE excess at the benchmark ({name})",
    "minerva_limits.png": "MINERvA limits ({name})",
    "fig9_dedx.png": "Fig. 9 dE/dx ({name})",
}
