"""The Markdown report of ``neutrissimo reproduce``: settings, key numbers, the convergence of
every region and limit, what was made and what is missing (and why), and every figure."""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from neutrissimo.io.atomic import write_text

if TYPE_CHECKING:
    from neutrissimo.analyses.reproduce import Reproduction

__all__ = ["write_report"]


def _fmt(value: Any, spec: str = ".3g") -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    return format(value, spec) if isinstance(value, int | float) else str(value)


def _shift(entry: dict[str, Any]) -> str:
    if not entry:
        return "-"
    flag = " **(moves > 1 grid step)**" if entry.get("flagged") else ""
    return f"{_fmt(entry.get('median_shift_decades'), '.3f')} dec{flag}"


def _settings(summary: dict[str, Any], wall_time_s: float) -> list[str]:
    s = summary["settings"]
    return [
        "## Settings",
        "",
        f"- grid: {s['masses']} masses; {s['couplings_miniboone']} (MiniBooNE) and "
        f"{s['couplings_minerva']} (MINERvA) log-spaced couplings",
        f"- Monte Carlo: {s['events_per_mass']} events per mass in {s['replicas']} independent "
        f"replicas, seed {s['seed']}; Monte Carlo error in the statistics: {s['mc_stat']}",
        f"- neutrissimo {s['neutrissimo_version']}, configuration sha256 "
        f"`{s['configuration_sha256'][:16]}`",
        f"- wall time: {wall_time_s / 60:.1f} min",
        "",
    ]


def _miniboone(summary: dict[str, Any]) -> list[str]:
    closure = summary["miniboone_3p1_closure"]
    lines = [
        "## MiniBooNE (Sec. IV)",
        "",
        "3+1 closure: our best fit (dm^2, sin^2 2theta) = "
        f"{_fmt(closure['best_fit_ours'][0])} eV^2, {_fmt(closure['best_fit_ours'][1])}; "
        f"official {_fmt(closure['best_fit_official'][0])} eV^2, "
        f"{_fmt(closure['best_fit_official'][1])}; rms difference of -2 ln L inside 3 sigma "
        f"{_fmt(closure['rms_difference_3sigma'])}.",
        "",
        "Convergence: median shift in log10 d_mu of each region's edges between the two "
        "independent replicas (half the events each), against one coupling-grid step.",
        "",
        "| fit | observable | best fit m_N [GeV] | d_mu [GeV^-1] | chi2 | chi2 no HNL | "
        "Delta chi2 | 1 sigma | 2 sigma | 3 sigma |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, fit in summary["miniboone"].items():
        for observable in ("E_QE", "cos"):
            entry = fit[observable]
            moves = fit.get("convergence", {}).get(observable, {})
            edge = " (grid edge)" if entry.get("best_fit_on_grid_edge") else ""
            lines.append(
                f"| {name} ({fit['oscillation']}, d_tau {fit['d_tau_scenario']}) | {observable} | "
                f"{_fmt(entry['best_fit_m_N_GeV'])}{edge} | "
                f"{_fmt(entry['best_fit_d_mu_GeVinv'])} | "
                f"{_fmt(entry['chi2_best_fit'], '.2f')} | {_fmt(entry['chi2_no_hnl'], '.2f')} | "
                f"{_fmt(entry['delta_chi2_no_hnl'], '.2f')} | "
                + " | ".join(_shift(moves.get(n, moves.get(str(n), {}))) for n in (1, 2, 3))
                + " |"
            )
    return [*lines, ""]


def _minerva(summary: dict[str, Any]) -> list[str]:
    lines = [
        "## MINERvA (Sec. V)",
        "",
        "| figure | d_tau | sample | strongest limit d_mu [GeV^-1] | at m_N [GeV] | limit "
        "shift between replicas |",
        "|---|---|---|---|---|---|",
    ]
    for name, entry in summary["minerva"].items():
        for sample, result in entry["samples"].items():
            if not result["has_data"]:
                lines.append(
                    f"| {name} | {entry['d_tau_scenario']} | {sample} | no public dE/dx data | "
                    "- | - |"
                )
                continue
            limits = result["limit_d_mu_GeVinv"]
            pairs = [(v, m) for v, m in zip(limits, result["m_N_GeV"], strict=True) if v]
            best = min(pairs) if pairs else (None, None)
            lines.append(
                f"| {name} | {entry['d_tau_scenario']} | {sample} | {_fmt(best[0])} | "
                f"{_fmt(best[1])} | {_shift(result.get('convergence', {}))} |"
            )
    return [*lines, ""]


def write_report(path: Path, result: Reproduction) -> Path:
    """Write the report of ``result`` to ``path`` (Markdown; figures linked relative to it)."""
    folder = path.parent
    lines = ["# neutrissimo reproduce: Kamp et al., arXiv:2206.07100", ""]
    lines += _settings(result.summary, result.wall_time_s)
    lines += _miniboone(result.summary)
    lines += _minerva(result.summary)
    lines += ["## What was made", "", "| item | file | note |", "|---|---|---|"]
    for product in result.products:
        where = os.path.relpath(product.path, folder) if product.path else "**missing**"
        lines.append(f"| {product.item} | {where} | {product.note} |")
    lines += ["", "## Figures", ""]
    for product in result.products:
        if product.path is not None and product.path.suffix == ".png":
            lines += [
                f"### {product.item}",
                "",
                f"![{product.item}]({os.path.relpath(product.path, folder)})",
                "",
            ]
    return write_text(path, "\n".join(lines) + "\n")
