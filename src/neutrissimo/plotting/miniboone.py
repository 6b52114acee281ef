"""MiniBooNE figures of the paper, from plain arrays.

* :func:`excess_figure` -- Figs. 4 and 6: stacked dipole + oscillation prediction against the
  background-subtracted excess in E_QE (events/MeV) and cos(theta) (events per bin), with
  statistical (solid) and statistical+systematic (dashed) error bars. The panels
  (:class:`ExcessPanel`) are built by :mod:`neutrissimo.analyses.miniboone_excess`.
* :func:`preferred_regions_figure` -- Figs. 3, 5, 7: E_QE (pink) and cos(theta) (green)
  regions, given as closed paths per sigma level, in the (m_N, d_mu) plane, log axes, optional
  benchmark star.
* :func:`closure_3p1_figure` -- our 3+1 contours over the official ones, and the official and
  our -2 ln L surfaces side by side.

Functions return a :class:`matplotlib.figure.Figure` (no pyplot state); save it with
``fig.savefig(path)``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Polygon
from numpy.typing import ArrayLike, NDArray

__all__ = [
    "ExcessPanel",
    "closure_3p1_figure",
    "excess_figure",
    "preferred_regions_figure",
]

DIPOLE_COLOR = "#b2182b"
OSC_COLOR = "#f4a582"
EQE_COLOR = "#e7298a"  # pink (paper: E_QE regions)
COS_COLOR = "#1b9e77"  # green (paper: cos(theta) regions)
#: Fill opacity of the 1, 2, 3 sigma regions (innermost first): distinct shades at a glance.
_LEVEL_ALPHA = (0.55, 0.3, 0.12)


@dataclass(frozen=True)
class ExcessPanel:
    """One panel of Figs. 4/6: bin edges and per-bin numbers (events per bin)."""

    edges: NDArray[np.float64] = field(repr=False)
    dipole: NDArray[np.float64] = field(repr=False)
    oscillation: NDArray[np.float64] = field(repr=False)
    excess: NDArray[np.float64] = field(repr=False)
    stat_error: NDArray[np.float64] = field(repr=False)
    total_error: NDArray[np.float64] = field(repr=False)
    xlabel: str = ""
    per_unit_x: float | None = None  # divide by bin width * this (e.g. 1000 for events/MeV in GeV)


def _draw_excess(ax: Axes, panel: ExcessPanel) -> None:
    e = panel.edges
    scale = 1.0 / (np.diff(e) * panel.per_unit_x) if panel.per_unit_x else np.ones(e.size - 1)
    osc = panel.oscillation * scale
    dip = panel.dipole * scale
    ax.stairs(osc, e, fill=True, color=OSC_COLOR, label="oscillation")
    ax.stairs(osc + dip, e, baseline=osc, fill=True, color=DIPOLE_COLOR, label="dipole")
    centers = 0.5 * (e[1:] + e[:-1])
    exc = panel.excess * scale
    tot = ax.errorbar(centers, exc, yerr=panel.total_error * scale, fmt="none", ecolor="k", lw=1)
    tot[-1][0].set_linestyle("--")
    ax.errorbar(
        centers,
        exc,
        yerr=panel.stat_error * scale,
        fmt="o",
        color="k",
        ms=3,
        lw=1.2,
        label="data - background",
    )
    ax.axhline(0.0, color="0.5", lw=0.5)
    ax.set_xlim(e[0], e[-1])
    ax.set_xlabel(panel.xlabel)
    ax.set_ylabel("excess events / MeV" if panel.per_unit_x else "excess events / bin")


def excess_figure(eqe: ExcessPanel, cos: ExcessPanel, *, title: str | None = None) -> Figure:
    """Figs. 4/6: E_QE (top) and cos(theta) (bottom) excess vs dipole + oscillation stack."""
    fig = Figure(figsize=(6.0, 8.0), layout="constrained")
    top, bottom = fig.subplots(2, 1)
    _draw_excess(top, eqe)
    _draw_excess(bottom, cos)
    top.legend(frameon=False)
    if title:
        fig.suptitle(title)
    return fig


def preferred_regions_figure(
    m_N: ArrayLike,
    d_mu: ArrayLike,
    regions: Mapping[str, Mapping[int, Sequence[NDArray[np.float64]]]],
    *,
    benchmark: tuple[float, float] | None = None,
    title: str | None = None,
) -> Figure:
    """Figs. 3/5/7: confidence regions in the (m_N [GeV], d_mu [GeV^-1]) plane.

    Args:
        m_N, d_mu: grid axes (log-spaced), GeV and GeV^-1: the plot's limits.
        regions: ``{"E_QE": {n: paths}, "cos": {n: paths}}`` (any subset): closed (N, 2) paths
            of the n-sigma region of each observable; the innermost level is filled darkest.
        benchmark: (m_N, d_mu) marked with a black star.
    """
    colors = {"E_QE": EQE_COLOR, "cos": COS_COLOR}
    labels = {"E_QE": r"$E_\nu^{\rm QE}$", "cos": r"$\cos\theta$"}
    styles = ["-", "--", ":", "-."]
    fig = Figure(figsize=(6.0, 5.0), layout="constrained")
    ax = fig.subplots()
    for key, by_level in regions.items():
        color = colors.get(key, "C0")
        for k, n in enumerate(sorted(by_level)):
            # nested regions: the 1 sigma fill is drawn over the 2 sigma over the 3 sigma, so
            # each level has its own shade (as the paper's Figs. 3, 5, 7) and line style
            alpha = _LEVEL_ALPHA[min(k, len(_LEVEL_ALPHA) - 1)]
            for path in by_level[n]:
                ax.add_patch(
                    Polygon(
                        path,
                        closed=True,
                        facecolor=color,
                        alpha=alpha,
                        edgecolor=color,
                        ls=styles[k % len(styles)],
                        lw=1.5,
                        zorder=3 - k,
                    )
                )
            ax.fill_between(
                [],
                [],
                color=color,
                alpha=alpha,
                ls=styles[k % len(styles)],
                label=f"{labels.get(key, key)} {n}$\\sigma$",
            )
    if benchmark is not None:
        ax.plot(*benchmark, marker="*", color="k", ms=14, ls="none", label="benchmark")
    ax.set_xscale("log")
    ax.set_yscale("log")
    m = np.asarray(m_N, dtype=float)
    d = np.asarray(d_mu, dtype=float)
    ax.set_xlim(m.min(), m.max())
    ax.set_ylim(d.min(), d.max())
    ax.set_xlabel(r"$m_{\mathcal{N}}$ [GeV]")
    ax.set_ylabel(r"$d_{\mu\mathcal{N}}$ [GeV$^{-1}$]")
    ax.legend(frameon=False, fontsize="small")
    if title:
        ax.set_title(title)
    return fig


def closure_3p1_figure(
    dm2_ev2: ArrayLike,
    sin2_2theta: ArrayLike,
    ours: ArrayLike,
    official: ArrayLike,
    official_contours: Mapping[str, ArrayLike],
    *,
    levels: Mapping[str, float],
    best_fits: Mapping[str, tuple[float, float]] | None = None,
) -> Figure:
    """3+1 closure plot: contours (left) and -2 ln L surfaces (official middle, ours right).

    Args:
        dm2_ev2, sin2_2theta: grid axes; ``ours``/``official`` values (len(dm2), len(s22t)).
        official_contours: ``{"90%": points, "3sigma": points}`` with rows (s22t, dm2).
        levels: Delta chi^2 of our contours by name (e.g. 90 % and 3 sigma, Wilks, 2 dof).
        best_fits: ``{"ours": (s22t, dm2), "official": (s22t, dm2)}`` markers.
    """
    dm2 = np.asarray(dm2_ev2, dtype=float)
    s = np.asarray(sin2_2theta, dtype=float)
    ours_v = np.asarray(ours, dtype=float)
    off_v = np.asarray(official, dtype=float)
    fig = Figure(figsize=(15.0, 4.8), layout="constrained")
    ax_c, ax_o, ax_u = fig.subplots(1, 3)
    colors = ["C0", "C3", "C2", "C1"]
    d_ours = ours_v - ours_v.min()
    for k, (name, level) in enumerate(levels.items()):
        color = colors[k % len(colors)]
        pts = official_contours.get(name)
        if pts is not None:
            p = np.asarray(pts, dtype=float)
            ax_c.plot(
                p[:, 0],
                p[:, 1],
                ".",
                ms=1.0,
                color="k",
                alpha=0.6,
                label="official contours (points)" if k == 0 else None,
            )
        ax_c.contour(s, dm2, d_ours, levels=[level], colors=[color], linewidths=1.5)
        ax_c.plot([], [], color=color, lw=1.5, label=f"ours {name} (Wilks)")
    for name, (x, y) in (best_fits or {}).items():
        ax_c.plot(
            x,
            y,
            marker="*" if name == "ours" else "x",
            ms=10,
            color="k",
            ls="none",
            label=f"best fit ({name})",
        )
    vmax = 30.0
    for ax, values, title in ((ax_o, off_v, "official"), (ax_u, ours_v, "ours")):
        mesh = ax.pcolormesh(
            s, dm2, values - values.min(), vmin=0.0, vmax=vmax, shading="nearest", cmap="viridis"
        )
        ax.set_title(rf"{title}: $-2\ln L - \min$ (min = {values.min():.2f})")
        fig.colorbar(mesh, ax=ax, extend="max")
    for ax in (ax_c, ax_o, ax_u):
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlim(s.min(), s.max())
        ax.set_ylim(dm2.min(), dm2.max())
        ax.set_xlabel(r"$\sin^2 2\theta_{\mu e}$")
        ax.set_ylabel(r"$\Delta m^2$ [eV$^2$]")
    ax_c.set_title("MiniBooNE 2020 $\\nu$ mode, 3+1 closure")
    ax_c.legend(frameon=False, fontsize="x-small", loc="lower left")
    return fig
