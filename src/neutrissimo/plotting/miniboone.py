"""MiniBooNE figures of the paper, from plain arrays.

* :func:`excess_figure` -- Figs. 4 and 6: stacked dipole + oscillation prediction against the
  background-subtracted excess in E_QE (events/MeV) and cos(theta) (events per bin), with
  statistical (solid) and statistical+systematic (dashed) error bars. Build the excess panels
  with :func:`eqe_excess_panel` (data minus the nu_mu-constrained background, syst. from its
  constrained covariance) and :func:`cos_excess_panel` (digitized data minus background, the
  fractional syst. its caller passes).
* :func:`preferred_regions_figure` -- Figs. 3, 5, 7: E_QE (pink) and cos(theta) (green)
  Delta chi^2 regions at the requested sigma levels (Wilks, 2 dof) in the (m_N, d_mu) plane, log
  axes, optional benchmark star.
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

from neutrissimo.experiments.miniboone.likelihood import MiniBooNEEnergyLikelihood
from neutrissimo.statistics.contours import contour_paths
from neutrissimo.statistics.wilks import delta_chi2_threshold

__all__ = [
    "ExcessPanel",
    "closure_3p1_figure",
    "cos_excess_panel",
    "eqe_excess_panel",
    "excess_figure",
    "preferred_regions_figure",
]

DIPOLE_COLOR = "#b2182b"
OSC_COLOR = "#f4a582"
EQE_COLOR = "#e7298a"  # pink (paper: E_QE regions)
COS_COLOR = "#1b9e77"  # green (paper: cos(theta) regions)


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


def eqe_excess_panel(
    likelihood: MiniBooNEEnergyLikelihood,
    edges_gev: ArrayLike,
    dipole: ArrayLike,
    oscillation: ArrayLike,
) -> ExcessPanel:
    """E_QE panel: excess = data - nu_mu-constrained background over the fit bins.

    Errors: stat = sqrt(data); total = sqrt(data + diag(C_bkg)), C_bkg the constrained
    background covariance (systematics and the background's own statistical part).
    """
    bkg, cov = likelihood.constrained_background()
    keep = likelihood.fit_bins
    data = likelihood.nue_data[keep]
    e = np.asarray(edges_gev, dtype=float)
    lo, hi = np.flatnonzero(keep)[[0, -1]]
    return ExcessPanel(
        edges=e[lo : hi + 2],
        dipole=np.asarray(dipole, dtype=float)[keep],
        oscillation=np.asarray(oscillation, dtype=float)[keep],
        excess=data - bkg,
        stat_error=np.sqrt(data),
        total_error=np.sqrt(data + np.diag(cov)),
        xlabel=r"$E_\nu^{\rm QE}$ [GeV]",
        per_unit_x=1e3,
    )


def cos_excess_panel(
    edges: ArrayLike,
    data: ArrayLike,
    background: ArrayLike,
    dipole: ArrayLike,
    oscillation: ArrayLike,
    *,
    fractional_systematic: float,
) -> ExcessPanel:
    """cos(theta) panel: excess = data - background, syst = fractional_systematic * background
    (the caller passes the analysis' value, paper Sec. IV.B)."""
    d = np.asarray(data, dtype=float)
    b = np.asarray(background, dtype=float)
    return ExcessPanel(
        edges=np.asarray(edges, dtype=float),
        dipole=np.asarray(dipole, dtype=float),
        oscillation=np.asarray(oscillation, dtype=float),
        excess=d - b,
        stat_error=np.sqrt(np.maximum(d, 0.0)),
        total_error=np.sqrt(np.maximum(d, 0.0) + (fractional_systematic * b) ** 2),
        xlabel=r"$\cos\theta$",
    )


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
    delta_chi2: Mapping[str, ArrayLike],
    *,
    sigmas: Sequence[int] = (2, 3),
    benchmark: tuple[float, float] | None = None,
    title: str | None = None,
) -> Figure:
    """Figs. 3/5/7: Delta chi^2 regions in the (m_N [GeV], d_mu [GeV^-1]) plane.

    Args:
        m_N, d_mu: grid axes (log-spaced), GeV and GeV^-1.
        delta_chi2: ``{"E_QE": grid, "cos": grid}`` (any subset), each (len(m_N), len(d_mu)).
        sigmas: levels drawn (Wilks, 2 dof); the innermost is filled darkest.
        benchmark: (m_N, d_mu) marked with a black star.
    """
    colors = {"E_QE": EQE_COLOR, "cos": COS_COLOR}
    labels = {"E_QE": r"$E_\nu^{\rm QE}$", "cos": r"$\cos\theta$"}
    styles = ["-", "--", ":", "-."]
    fig = Figure(figsize=(6.0, 5.0), layout="constrained")
    ax = fig.subplots()
    for key, grid in delta_chi2.items():
        color = colors.get(key, "C0")
        for k, n in enumerate(sorted(sigmas)):
            level = float(delta_chi2_threshold(sigma=n))
            for path in contour_paths(m_N, d_mu, grid, level, log_x=True, log_y=True):
                ax.add_patch(
                    Polygon(
                        path,
                        closed=True,
                        facecolor=color,
                        alpha=0.25 / (k + 1),
                        edgecolor=color,
                        ls=styles[k % len(styles)],
                        lw=1.5,
                    )
                )
            ax.plot(
                [],
                [],
                color=color,
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
    levels: Mapping[str, float] | None = None,
    best_fits: Mapping[str, tuple[float, float]] | None = None,
) -> Figure:
    """3+1 closure plot: contours (left) and -2 ln L surfaces (official middle, ours right).

    Args:
        dm2_ev2, sin2_2theta: grid axes; ``ours``/``official`` values (len(dm2), len(s22t)).
        official_contours: ``{"90%": points, "3sigma": points}`` with rows (s22t, dm2).
        levels: Delta chi^2 of our contours, default 90 % and 3 sigma (Wilks, 2 dof).
        best_fits: ``{"ours": (s22t, dm2), "official": (s22t, dm2)}`` markers.
    """
    dm2 = np.asarray(dm2_ev2, dtype=float)
    s = np.asarray(sin2_2theta, dtype=float)
    ours_v = np.asarray(ours, dtype=float)
    off_v = np.asarray(official, dtype=float)
    if levels is None:
        levels = {
            "90%": float(delta_chi2_threshold(0.90)),
            "3sigma": float(delta_chi2_threshold(sigma=3)),
        }
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
