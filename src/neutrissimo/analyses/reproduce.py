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

from collections.abc import Callable
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
    fit_grid,
    preferred_regions,
    run_miniboone_scan,
    summarize,
    write_miniboone_outputs,
)
from neutrissimo.analyses.paper import paper_numbers
from neutrissimo.detector.loader import load_detector
from neutrissimo.experiments import minerva
from neutrissimo.io.atomic import write_columns_csv, write_json

__all__ = ["MINERVA_FIGURES", "MINIBOONE_FITS", "reproduce"]

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


def _progress_lines(echo: Callable[[str], None]) -> Callable[[int, int, str], None]:
    return lambda done, total, message: echo(f"[{done}/{total}] {message}")


def reproduce(
    output: Path,
    masses: int | None = None,
    couplings: int | None = None,
    events: int | None = None,
    seed: int = 1,
    scheduler: str = "serial",
    workers: int | None = None,
    echo: Callable[[str], None] = print,
) -> dict[str, Any]:
    """Regenerate the paper's figures and tables into ``output``; returns the summary.

    ``masses``, ``couplings`` (of the MiniBooNE grid; the MINERvA grid, one decade longer,
    gets as many more as ``paper.toml`` gives it) and ``events``: ``None`` takes the
    ``[scans.*]`` defaults of ``paper.toml``.
    """
    from neutrissimo.analyses.physics_figures import write_physics_figures
    from neutrissimo.plotting.minerva import plot_fig8
    from neutrissimo.plotting.save import save_figure

    paper = paper_numbers()
    grid = paper.scans.miniboone.grid(masses, couplings, events, seed)
    extra = paper.scans.minerva.n_couplings - paper.scans.miniboone.n_couplings
    minerva_grid = paper.scans.minerva.grid(
        masses, None if couplings is None else couplings + extra, events, seed
    )
    summary: dict[str, Any] = {
        "settings": {
            "masses": len(grid.masses),
            "couplings": len(grid.couplings),
            "events": grid.events,
            "seed": seed,
        }
    }
    write_physics_figures(output / "physics")
    _table_one(output)
    echo("physics figures and Table I written")

    closure = run_3p1_closure()
    save_figure(closure_figure(closure), output / "miniboone" / "closure_3p1.png")
    summary["miniboone_3p1_closure"] = {
        "best_fit_ours": list(closure.best_fit_ours),
        "best_fit_official": list(closure.best_fit_official),
        "rms_difference_3sigma": closure.rms_difference_3sigma,
    }
    progress = _progress_lines(echo)
    scan = run_miniboone_scan(grid, output / "miniboone", scheduler, workers, progress)
    summary["miniboone"] = {}
    fits: dict[str, FitResult] = {}
    for name, (oscillation, d_tau) in MINIBOONE_FITS.items():
        result = fits[name] = fit_grid(grid, scan, oscillation, d_tau)
        fit_summary = summarize(result)
        point = paper.benchmark(oscillation)
        benchmark = (point.m_n_gev, point.d_mu_gev_inv)
        excess = (
            benchmark_excess(*benchmark, oscillation, grid.events, seed)
            if d_tau == "none"
            else None
        )
        write_miniboone_outputs(output / "miniboone" / name, result, fit_summary, excess, benchmark)
        summary["miniboone"][name] = fit_summary
        echo(f"MiniBooNE {name} written")

    scans = {
        s: run_minerva_scan(s, minerva_grid, output / "minerva", scheduler, workers, progress)
        for s in SAMPLES
    }
    histograms_dedx = {
        s: minerva.dedx_histogram(s) for s in minerva.load_config().samples_with_public_dedx
    }
    summary["minerva"] = {}
    fig9 = paper.benchmark("global-no-mb")
    fig9_point = (fig9.m_n_gev, fig9.d_mu_gev_inv)
    for name, (d_tau, fit_folder) in MINERVA_FIGURES.items():
        limits = compute_limits(
            scans, paper.background_uncertainty.nominal, d_tau, histograms_dedx, fig9_point
        )
        _, limits_summary = write_minerva_outputs(
            output / "minerva" / name,
            scans,
            limits,
            histograms_dedx,
            preferred_regions(fits[fit_folder]),
        )
        summary["minerva"][name] = limits_summary
        echo(f"MINERvA {name} written")
    etheta2 = [
        (
            f"m_N = {m:g} GeV, d = {d:g}",
            *etheta2_sample("me_fhc", m, d, max(grid.events // 4, 1000), seed),
        )
        for m, d in paper.minerva_selection.etheta2_points
    ]
    efficiency = {
        minerva.load_config().sample(s).label: scan.efficiency() for s, scan in scans.items()
    }
    save_figure(
        plot_fig8(etheta2, np.asarray(minerva_grid.masses), efficiency),
        output / "minerva" / "fig8_selection.png",
    )
    write_json(output / "summary.json", summary)
    echo(f"summary: {output / 'summary.json'}")
    return summary
