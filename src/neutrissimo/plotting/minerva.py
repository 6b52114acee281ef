"""MINERvA figures of the paper (Kamp et al., arXiv:2206.07100): Figs. 8, 9 and 10-12.

Every function takes plain arrays in the package's units (GeV, GeV^-1, GeV rad^2, events) and
converts at the edge to the paper's axes (MeV, MeV rad^2). Each returns the
:class:`matplotlib.figure.Figure` (built without pyplot, so no global state) and writes it to
``path`` if given.

* :func:`plot_fig8` -- top: E_sh theta_sh^2 distributions (before smearing and cuts) for a few
  parameter points, normalised to unit sum, with the 3.2 MeV rad^2 cut; bottom: selection
  efficiency (without the dE/dx cut) versus m_N, log y.
* :func:`plot_fig9` -- dE/dx per sample: HNL signal stacked on the SM background, data with
  Poisson error bars, dashed line at the 4.5 MeV/1.7cm cut; in events per MeV/1.7cm.
* :func:`plot_limits` (and :func:`plot_fig10`, :func:`plot_fig11`, :func:`plot_fig12`, which
  only set the title) -- left: 95% CL exclusion edges per sample, solid for the nominal 30%
  background uncertainty and dashed for 100%, MiniBooNE preferred regions as filled contours
  and the existing limits; right: contours of N_fid (new-physics photons converting in the
  fiducial volume) on the (m_N, d) grid, with the same preferred regions.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from numpy.typing import ArrayLike, NDArray

from neutrissimo.exceptions import ConfigurationError
from neutrissimo.experiments.existing_limits import ExistingLimit
from neutrissimo.statistics.limits import LimitCurve

__all__ = [
    "LimitBand",
    "PreferredRegion",
    "plot_fig8",
    "plot_fig9",
    "plot_fig10",
    "plot_fig11",
    "plot_fig12",
    "plot_limits",
]

_GEV_TO_MEV = 1e3
_COLOURS = ("#17707B", "#F6926A", "#80173A", "#70A551", "#F9B859", "#4A4E9C")
_PREFERRED_COLOURS = ("#E58FAF", "#8FC79A", "#9BB7E0", "#E8C07D")
_EXISTING_COLOUR = "0.45"


def _save(fig: Figure, path: str | Path | None) -> Figure:
    if path is not None:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path, dpi=150, bbox_inches="tight")
    return fig


def _as_1d(name: str, values: ArrayLike) -> NDArray[np.float64]:
    array = np.asarray(values, dtype=float)
    if array.ndim != 1:
        raise ConfigurationError(f"{name} must be a 1-D array, got shape {array.shape}.")
    return array


# --------------------------------------------------------------------------------------------
# Fig. 8
# --------------------------------------------------------------------------------------------


def plot_fig8(
    etheta2: Sequence[tuple[str, ArrayLike, ArrayLike]],
    m_N: ArrayLike,
    efficiency: Mapping[str, ArrayLike],
    *,
    cut: float = 0.0032,
    bins: ArrayLike | None = None,
    path: str | Path | None = None,
) -> Figure:
    """Fig. 8: E theta^2 distributions (top) and selection efficiency vs m_N (bottom).

    Args:
        etheta2: per parameter point (label, E theta^2 values [GeV rad^2], weights); each is
            drawn normalised to unit sum.
        m_N: masses in GeV for the efficiency curves.
        efficiency: label -> efficiency (without dE/dx) at each mass, e.g. "Dirac", "Majorana".
        cut: the E theta^2 cut in GeV rad^2 (3.2 MeV rad^2).
        bins: bin edges in MeV rad^2 (default: 60 log bins spanning the inputs).
    """
    fig = Figure(figsize=(6.0, 8.0))
    top, bottom = fig.subplots(2, 1)
    values_mev = []
    for label, values, weights in etheta2:
        v = _as_1d(f"E theta^2 of {label!r}", values) * _GEV_TO_MEV
        w = _as_1d(f"weights of {label!r}", weights)
        if v.shape != w.shape:
            raise ConfigurationError(f"{label!r}: E theta^2 and weights differ in length.")
        values_mev.append((label, v, w))
    if bins is None:
        positive = np.concatenate([v[v > 0] for _, v, _ in values_mev] or [np.array([1.0])])
        low = max(positive.min(), 1e-4) if positive.size else 1e-3
        high = max(positive.max(), 10 * low)
        edges = np.geomspace(low, high * 1.0001, 61)
    else:
        edges = _as_1d("bins", bins)
    for k, (label, v, w) in enumerate(values_mev):
        counts, _ = np.histogram(v, bins=edges, weights=w)
        total = counts.sum()
        fractions = counts / total if total > 0 else counts
        top.stairs(fractions, edges, label=label, color=_COLOURS[k % len(_COLOURS)], lw=1.6)
    top.axvline(cut * _GEV_TO_MEV, color="k", ls="--", lw=1.0, label="cut")
    top.set_xscale("log")
    top.set_xlabel(r"$E_{\rm sh}\theta_{\rm sh}^2$ [MeV rad$^2$]")
    top.set_ylabel("fraction of events")
    top.legend(frameon=False, fontsize=8)

    masses = _as_1d("m_N", m_N) * _GEV_TO_MEV
    for k, (label, eff) in enumerate(efficiency.items()):
        e = _as_1d(f"efficiency {label!r}", eff)
        if e.shape != masses.shape:
            raise ConfigurationError(f"efficiency {label!r} needs one value per mass.")
        bottom.plot(masses, e, label=label, color=_COLOURS[k % len(_COLOURS)], lw=1.6)
    bottom.set_xscale("log")
    bottom.set_yscale("log")
    bottom.set_xlabel(r"$m_{\mathcal{N}}$ [MeV]")
    bottom.set_ylabel("selection efficiency (no dE/dx cut)")
    bottom.legend(frameon=False, fontsize=8)
    fig.tight_layout()
    return _save(fig, path)


# --------------------------------------------------------------------------------------------
# Fig. 9
# --------------------------------------------------------------------------------------------


def _counts(name: str, values: object) -> NDArray[np.float64]:
    """Bin contents of an array or of a ``hist.Hist`` (UHI ``values()``)."""
    getter = getattr(values, "values", None)
    return _as_1d(name, getter() if callable(getter) else values)  # type: ignore[arg-type]


def plot_fig9(
    edges: ArrayLike,
    backgrounds: Sequence[object],
    signals: Sequence[object],
    data: Sequence[object | None],
    labels: Sequence[str],
    *,
    cut: float = 4.5,
    signal_label: str = r"HNL ($\mathcal{N}\to\nu\gamma$)",
    path: str | Path | None = None,
) -> Figure:
    """Fig. 9: dE/dx distributions, one panel per sample, in events per MeV/1.7cm.

    Drawn with ``mplhep.histplot`` (``binwnorm=1``: per unit dE/dx): the signal filled and
    stacked on the filled background, data as points with Poisson errors sqrt(n).

    Args:
        edges: dE/dx bin edges (MeV/1.7cm).
        backgrounds, signals: events per bin for each sample (signal stacked on background),
            as arrays or ``hist.Hist`` (e.g. from :func:`~neutrissimo.experiments.minerva.
            spectra.dedx_hists`).
        data: observed events per bin per sample, array or ``hist.Hist`` (``None``: no data
            points for that sample).
        labels: panel titles (e.g. "LE FHC").
    """
    import mplhep

    e = _as_1d("edges", edges)
    widths = np.diff(e)
    n = len(labels)
    if not (len(backgrounds) == len(signals) == len(data) == n) or n == 0:
        raise ConfigurationError("Need one background, signal, data entry and label per panel.")
    fig = Figure(figsize=(6.0, 3.0 * n))
    axes = np.atleast_1d(fig.subplots(n, 1, squeeze=False)[:, 0])
    for ax, bkg, sig, obs, label in zip(axes, backgrounds, signals, data, labels, strict=True):
        b = _counts("background", bkg)
        s = _counts("signal", sig)
        if b.shape != widths.shape or s.shape != widths.shape:
            raise ConfigurationError(f"{label}: background and signal need one value per bin.")
        mplhep.histplot(
            [b, s],
            e,
            stack=True,
            binwnorm=1,
            histtype="fill",
            color=["#9BB7E0", "#E58FAF"],
            label=["SM background", signal_label],
            ax=ax,
        )
        if obs is not None:
            d = _counts("data", obs)
            mplhep.histplot(
                d,
                e,
                yerr=np.sqrt(d),
                binwnorm=1,
                histtype="errorbar",
                xerr=True,
                color="k",
                markersize=3,
                elinewidth=1,
                label="data",
                ax=ax,
            )
        ax.axvline(cut, color="k", ls="--", lw=1.0)
        ax.set_xlim(e[0], e[-1])
        ax.set_ylim(bottom=0)
        ax.set_title(label, fontsize=10)
        ax.set_ylabel("events / (MeV/1.7cm)")
        ax.set_xlabel("")
        ax.legend(frameon=False, fontsize=8)
    axes[-1].set_xlabel("dE/dx [MeV/1.7cm]")
    fig.tight_layout()
    return _save(fig, path)


# --------------------------------------------------------------------------------------------
# Figs. 10-12
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class LimitBand:
    """Exclusion edges of one sample at one background uncertainty.

    Attributes:
        label: sample label (e.g. "ME RHC"); colour is shared by equal labels.
        m_N: masses in GeV.
        lower, upper: excluded-band edges in GeV^-1 (NaN where none / open above).
        eta: background-normalisation uncertainty; ``nominal_eta`` solid, others dashed.
    """

    label: str
    m_N: NDArray[np.float64]
    lower: NDArray[np.float64]
    upper: NDArray[np.float64]
    eta: float = 0.3

    def __post_init__(self) -> None:
        for name in ("m_N", "lower", "upper"):
            object.__setattr__(self, name, _as_1d(name, getattr(self, name)))
        if not (self.m_N.shape == self.lower.shape == self.upper.shape):
            raise ConfigurationError(f"{self.label}: m_N, lower and upper differ in length.")

    @classmethod
    def from_curve(cls, label: str, curve: LimitCurve, eta: float) -> LimitBand:
        """From a :class:`~neutrissimo.statistics.limits.LimitCurve`."""
        return cls(label, curve.m_N, curve.lower, curve.upper, eta)


@dataclass(frozen=True, eq=False)
class PreferredRegion:
    """A MiniBooNE preferred region: label and closed paths of (m_N [GeV], d [GeV^-1])."""

    label: str
    paths: tuple[NDArray[np.float64], ...]

    def __post_init__(self) -> None:
        paths = tuple(np.asarray(p, dtype=float) for p in self.paths)
        for p in paths:
            if p.ndim != 2 or p.shape[1] != 2:
                raise ConfigurationError(
                    f"Preferred region {self.label!r}: each path must be (n, 2) (m_N, d)."
                )
        object.__setattr__(self, "paths", paths)


def _draw_preferred(ax: Axes, regions: Sequence[PreferredRegion]) -> None:
    for k, region in enumerate(regions):
        colour = _PREFERRED_COLOURS[k % len(_PREFERRED_COLOURS)]
        for j, p in enumerate(region.paths):
            ax.fill(
                p[:, 0] * _GEV_TO_MEV,
                p[:, 1],
                color=colour,
                alpha=0.5,
                lw=0,
                label=region.label if j == 0 else None,
            )


def _draw_existing(
    ax: Axes,
    limits: Sequence[ExistingLimit],
    xlim: tuple[float, float],
    ylim: tuple[float, float],
) -> None:
    for lim in limits:
        m = lim.m_N * _GEV_TO_MEV
        if lim.excludes == "inside":
            ax.fill(m, lim.d, color=_EXISTING_COLOUR, alpha=0.15, lw=0)
        elif lim.excludes == "above":
            ax.fill_between(m, lim.d, ylim[1], color=_EXISTING_COLOUR, alpha=0.15, lw=0)
        else:
            ax.fill_between(m, ylim[0], lim.d, color=_EXISTING_COLOUR, alpha=0.15, lw=0)
        ax.plot(m, lim.d, color=_EXISTING_COLOUR, lw=0.8, ls=":" if lim.projection else "-")
        visible = np.flatnonzero(
            (m > xlim[0]) & (m < xlim[1]) & (lim.d > ylim[0]) & (lim.d < ylim[1])
        )
        if visible.size:  # label the curve at its middle visible point
            i = visible[visible.size // 2]
            ax.annotate(
                lim.label,
                (m[i], lim.d[i]),
                fontsize=7,
                color="0.3",
                xytext=(3, 3),
                textcoords="offset points",
            )


def plot_limits(
    bands: Sequence[LimitBand],
    *,
    preferred_regions: Sequence[PreferredRegion] = (),
    existing: Sequence[ExistingLimit] = (),
    n_fid: tuple[ArrayLike, ArrayLike, ArrayLike] | None = None,
    n_fid_levels: Sequence[float] = (1.0, 10.0, 100.0, 1e3, 1e4),
    nominal_eta: float = 0.3,
    title: str = "",
    xlim: tuple[float, float] = (10.0, 2000.0),
    ylim: tuple[float, float] = (1e-8, 1e-4),
    path: str | Path | None = None,
) -> Figure:
    """Figs. 10-12: MINERvA 95% CL limits (left) and N_fid contours (right).

    Args:
        bands: exclusion edges per sample and background uncertainty (solid: ``eta ==
            nominal_eta``, dashed otherwise).
        preferred_regions: MiniBooNE preferred regions, drawn filled on both panels.
        existing: other limits (:mod:`neutrissimo.experiments.existing_limits`).
        n_fid: (m_N grid [GeV] (n_m,), d grid [GeV^-1] (n_d,), N_fid (n_m, n_d)); the right
            panel is omitted when ``None``.
        xlim: m_N range in MeV; ylim: d range in GeV^-1.
    """
    ncols = 1 if n_fid is None else 2
    fig = Figure(figsize=(6.0 * ncols, 5.0))
    axes = np.atleast_1d(fig.subplots(1, ncols, squeeze=False)[0])
    left = axes[0]
    _draw_existing(left, existing, xlim, ylim)
    _draw_preferred(left, preferred_regions)
    colours: dict[str, str] = {}
    for band in bands:
        colour = colours.setdefault(band.label, _COLOURS[len(colours) % len(_COLOURS)])
        style = "-" if np.isclose(band.eta, nominal_eta) else "--"
        name = f"{band.label} ($\\eta_{{\\rm bkg}}$ = {band.eta:.0%})"
        m = band.m_N * _GEV_TO_MEV
        left.plot(m, band.lower, color=colour, ls=style, lw=1.8, label=name)
        left.plot(m, band.upper, color=colour, ls=style, lw=1.8)
    if n_fid is not None:
        right = axes[1]
        m_grid = _as_1d("n_fid m_N grid", n_fid[0]) * _GEV_TO_MEV
        d_grid = _as_1d("n_fid d grid", n_fid[1])
        counts = np.asarray(n_fid[2], dtype=float)
        if counts.shape != (m_grid.size, d_grid.size):
            raise ConfigurationError(
                f"N_fid must have shape (n_m, n_d) = ({m_grid.size}, {d_grid.size}); got "
                f"{counts.shape}."
            )
        _draw_preferred(right, preferred_regions)
        levels = sorted(float(v) for v in n_fid_levels)
        contours = right.contour(
            m_grid, d_grid, counts.T, levels=levels, colors="k", linewidths=1.0
        )
        # labels beside the lines, never cutting them (inline=False), on a white box
        labels = right.clabel(contours, fmt=lambda v: f"{v:g}", fontsize=7, inline=False)
        for label in labels:
            label.set_bbox({"facecolor": "white", "edgecolor": "none", "pad": 0.5, "alpha": 0.8})
        right.set_title(r"$N_{\mathcal{N}}^{\rm fid}$", fontsize=10)
    for ax in axes:
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlim(*xlim)
        ax.set_ylim(*ylim)
        ax.set_xlabel(r"$m_{\mathcal{N}}$ [MeV]")
        ax.set_ylabel(r"$d_{\mu\mathcal{N}}$ [GeV$^{-1}$]")
    if left.get_legend_handles_labels()[0]:  # nothing to list when no sample has data
        left.legend(frameon=False, fontsize=7, loc="upper left")
    if title:
        fig.suptitle(title, fontsize=11)
    fig.tight_layout()
    return _save(fig, path)


def plot_fig10(bands: Sequence[LimitBand], **kwargs: object) -> Figure:
    """Fig. 10: d_tau = 0 (see :func:`plot_limits` for the arguments)."""
    return plot_limits(bands, title=r"$d_{\tau\mathcal{N}} = 0$", **kwargs)  # type: ignore[arg-type]


def plot_fig11(bands: Sequence[LimitBand], **kwargs: object) -> Figure:
    """Fig. 11: d_tau = (m_tau / m_mu) d_mu (see :func:`plot_limits`)."""
    title = r"$d_{\tau\mathcal{N}} = (m_\tau/m_\mu)\, d_{\mu\mathcal{N}}$"
    return plot_limits(bands, title=title, **kwargs)  # type: ignore[arg-type]


def plot_fig12(bands: Sequence[LimitBand], **kwargs: object) -> Figure:
    """Fig. 12: d_tau = (100 TeV)^-1 = 1e-5 GeV^-1 (see :func:`plot_limits`)."""
    title = r"$d_{\tau\mathcal{N}} = (100\ {\rm TeV})^{-1}$"
    return plot_limits(bands, title=title, **kwargs)  # type: ignore[arg-type]
