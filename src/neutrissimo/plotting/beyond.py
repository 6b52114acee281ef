"""Figures of the analyses beyond the paper (docs/beyond.md), from plain arrays.

* :func:`sensitivity_figure` -- contours of the expected signal of a user experiment over
  (m_N, d_mu) and its coupling reach for a number of events.
* :func:`expected_limits_figure` -- observed MINERvA limits over the expected median and the
  1 and 2 sigma bands under the background-only hypothesis.
* :func:`joint_figure` -- MiniBooNE 2 sigma regions, the part that survives MINERvA, and the
  joint region.
* :func:`coverage_figure` -- toy Delta chi^2 distributions at the true points against the
  Wilks (chi^2, 2 dof) distribution, with the thresholds.
* :func:`systematics_figure` -- shift of region edges and limits per modelling choice.

Functions return a :class:`matplotlib.figure.Figure` (no pyplot state).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Polygon
from numpy.typing import ArrayLike, NDArray

__all__ = [
    "coverage_figure",
    "expected_limits_figure",
    "joint_figure",
    "sensitivity_figure",
    "systematics_figure",
]

_M_LABEL = r"$m_{\mathcal{N}}$ [GeV]"
_D_LABEL = r"$d_{\mu\mathcal{N}}$ [GeV$^{-1}$]"


def _log_axes(ax: object, m: NDArray[np.float64], d: NDArray[np.float64]) -> None:
    ax.set_xscale("log")  # type: ignore[attr-defined]
    ax.set_yscale("log")  # type: ignore[attr-defined]
    ax.set_xlim(m.min(), m.max())  # type: ignore[attr-defined]
    ax.set_ylim(d.min(), d.max())  # type: ignore[attr-defined]
    ax.set_xlabel(_M_LABEL)  # type: ignore[attr-defined]
    ax.set_ylabel(_D_LABEL)  # type: ignore[attr-defined]


def sensitivity_figure(
    m_N: ArrayLike,
    d_mu: ArrayLike,
    n_signal: ArrayLike,
    *,
    levels: Sequence[float] = (1.0, 10.0, 100.0, 1000.0),
    reach: tuple[ArrayLike, ArrayLike, float] | None = None,
    title: str | None = None,
) -> Figure:
    """Contours of the expected signal ``n_signal`` (masses, couplings) at ``levels`` events,
    and the reach band (lowest, highest d_mu per mass, n_events) if given."""
    m = np.asarray(m_N, dtype=float)
    d = np.asarray(d_mu, dtype=float)
    n = np.asarray(n_signal, dtype=float)
    fig = Figure(figsize=(6.0, 5.0), layout="constrained")
    ax = fig.subplots()
    positive = n[n > 0]
    if positive.size:
        shown = [v for v in levels if positive.min() < v < positive.max()]
        if shown:
            cs = ax.contour(m, d, n.T, levels=shown, colors="0.2", linewidths=1.0)
            ax.clabel(cs, fmt=lambda v: f"{v:g}", fontsize="small")
    if reach is not None:
        lower, upper, n_events = reach
        lo = np.asarray(lower, dtype=float)
        hi = np.where(np.isnan(np.asarray(upper, dtype=float)), d.max(), upper)
        ok = ~np.isnan(lo)
        ax.fill_between(
            m[ok],
            lo[ok],
            hi[ok],
            color="#4A4E9C",
            alpha=0.3,
            label=rf"$N \geq {n_events:g}$",
        )
        ax.legend(frameon=False, fontsize="small")
    _log_axes(ax, m, d)
    if title:
        ax.set_title(title, fontsize="medium")
    return fig


def expected_limits_figure(
    m_N: ArrayLike,
    observed: Mapping[str, ArrayLike],
    median: Mapping[str, ArrayLike],
    band_1sigma: Mapping[str, tuple[ArrayLike, ArrayLike]],
    band_2sigma: Mapping[str, tuple[ArrayLike, ArrayLike]],
    *,
    asimov: Mapping[str, ArrayLike] | None = None,
    d_range: tuple[float, float] = (1e-8, 1e-4),
    title: str | None = None,
) -> Figure:
    """One panel per sample: the observed limit (lower edge of the excluded band, GeV^-1), the
    expected median (toys; dashed), the Asimov limit (dotted) and the 1 (green) and 2 sigma
    (yellow) bands, versus m_N."""
    m = np.asarray(m_N, dtype=float)
    samples = list(observed)
    fig = Figure(figsize=(5.0 * len(samples), 4.5), layout="constrained")
    axes = np.atleast_1d(fig.subplots(1, len(samples), squeeze=False)[0])
    for ax, sample in zip(axes, samples, strict=True):
        lo2, hi2 = (np.asarray(a, dtype=float) for a in band_2sigma[sample])
        lo1, hi1 = (np.asarray(a, dtype=float) for a in band_1sigma[sample])
        ax.fill_between(m, lo2, hi2, color="#F9E04B", label=r"expected $\pm 2\sigma$")
        ax.fill_between(m, lo1, hi1, color="#5BBF5B", label=r"expected $\pm 1\sigma$")
        ax.plot(m, np.asarray(median[sample], dtype=float), "k--", label="expected median")
        if asimov is not None:
            ax.plot(m, np.asarray(asimov[sample], dtype=float), "k:", label="Asimov")
        ax.plot(m, np.asarray(observed[sample], dtype=float), "r-", lw=2, label="observed")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlim(m.min(), m.max())
        ax.set_ylim(*d_range)
        ax.set_xlabel(_M_LABEL)
        ax.set_ylabel(r"95% CL upper limit on " + _D_LABEL)
        ax.set_title(sample, fontsize="medium")
        ax.legend(frameon=False, fontsize="small")
    if title:
        fig.suptitle(title)
    return fig


def joint_figure(
    m_N: ArrayLike,
    d_mu: ArrayLike,
    masks: Mapping[str, ArrayLike],
    *,
    regions: Mapping[str, Sequence[NDArray[np.float64]]] | None = None,
    title: str | None = None,
) -> Figure:
    """Grid points of named boolean masks (masses, couplings) as coloured cells (drawn in order,
    later over earlier), with optional region outlines (name -> closed paths)."""
    m = np.asarray(m_N, dtype=float)
    d = np.asarray(d_mu, dtype=float)
    colours = ("#E58FAF", "#8FC79A", "#4A4E9C", "#F6926A", "#80173A")
    fig = Figure(figsize=(6.0, 5.0), layout="constrained")
    ax = fig.subplots()
    for k, (label, mask) in enumerate(masks.items()):
        mk = np.asarray(mask, dtype=bool)
        i, j = np.nonzero(mk)
        ax.scatter(
            m[i],
            d[j],
            s=10,
            marker="s",
            color=colours[k % len(colours)],
            label=label,
            zorder=2 + k,
        )
    styles = ("-", "--", ":", "-.")
    for k, (label, paths) in enumerate((regions or {}).items()):
        for p, path in enumerate(paths):
            ax.add_patch(
                Polygon(
                    path,
                    closed=True,
                    fill=False,
                    ls=styles[k % 4],
                    lw=1.5,
                    zorder=10,
                    label=label if p == 0 else None,
                )
            )
    _log_axes(ax, m, d)
    ax.legend(frameon=False, fontsize="small", loc="lower left")
    if title:
        ax.set_title(title, fontsize="medium")
    return fig


def coverage_figure(
    delta_chi2: Mapping[str, ArrayLike],
    wilks: Mapping[str, float],
    feldman_cousins: Mapping[str, Mapping[str, float]],
    *,
    dof: int = 2,
    title: str | None = None,
) -> Figure:
    """One panel per true point: histogram of the toys' Delta chi^2 at the true point, the
    chi^2 (``dof``) density of Wilks' theorem, the Wilks thresholds (``wilks``: label -> value;
    solid) and the toy (Feldman-Cousins) thresholds (``feldman_cousins``: point -> label ->
    value; dashed)."""
    from scipy.stats import chi2

    points = list(delta_chi2)
    fig = Figure(figsize=(4.5 * len(points), 4.0), layout="constrained")
    axes = np.atleast_1d(fig.subplots(1, len(points), squeeze=False)[0])
    for ax, point in zip(axes, points, strict=True):
        values = np.asarray(delta_chi2[point], dtype=float)
        top = max(15.0, float(np.quantile(values, 0.99)))
        ax.hist(values, bins=40, range=(0, top), density=True, color="0.75", label="toys")
        x = np.linspace(0.01, top, 300)
        ax.plot(x, chi2.pdf(x, dof), "k-", lw=1, label=rf"$\chi^2_{{{dof}}}$ (Wilks)")
        for k, (label, value) in enumerate(wilks.items()):
            ax.axvline(value, color=f"C{k}", ls="-", lw=1, label=f"Wilks {label}")
            fc = feldman_cousins[point].get(label)
            if fc is not None:
                ax.axvline(fc, color=f"C{k}", ls="--", lw=1.5, label=f"toys {label}")
        ax.set_xlabel(r"$\Delta\chi^2$ at the true point")
        ax.set_yscale("log")
        ax.set_title(point, fontsize="small")
        ax.legend(frameon=False, fontsize="x-small")
    if title:
        fig.suptitle(title)
    return fig


def systematics_figure(
    choices: Sequence[str],
    shifts: Mapping[str, ArrayLike],
    *,
    xlabel: str = r"shift [decades of $d_\mu$]",
    title: str | None = None,
) -> Figure:
    """Horizontal bars: for each modelling choice (rows), the shift of each quantity (name ->
    one value per choice, in decades; NaN drawn as absent)."""
    n = len(choices)
    keys = list(shifts)
    fig = Figure(figsize=(7.0, 0.12 * n * max(1, len(keys)) + 1.5), layout="constrained")
    ax = fig.subplots()
    height = 0.8 / max(1, len(keys))
    y = np.arange(n)
    for k, key in enumerate(keys):
        values = np.asarray(shifts[key], dtype=float)
        ax.barh(y + k * height, np.nan_to_num(values), height=height, label=key)
    ax.set_yticks(y + 0.4 - height / 2, list(choices), fontsize="small")
    ax.axvline(0, color="k", lw=0.8)
    ax.set_xlabel(xlabel)
    ax.invert_yaxis()
    ax.legend(frameon=False, fontsize="x-small")
    if title:
        ax.set_title(title, fontsize="medium")
    return fig
