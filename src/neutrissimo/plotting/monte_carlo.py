"""Figures of the Monte Carlo: photon spectra, production regions, and the upscattering map in
MINERvA's nuclear targets (like the bottom panel of the paper's Fig. 2)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from matplotlib.figure import Figure

from neutrissimo.simulation.events import Events

__all__ = ["photon_distributions", "production_regions", "target_vertex_map"]


def photon_distributions(samples: Sequence[tuple[str, Events]]) -> Figure:
    """Weighted photon energy and cos(theta) w.r.t. the beam of photons converting in the fiducial
    volume, one line per labelled sample (weights at each sample's own model)."""
    fig = Figure(figsize=(10, 4))
    (ax_e, ax_c) = fig.subplots(1, 2)
    for label, events in samples:
        weights = events.weights()
        ax_e.hist(
            events["photon_energy"],
            np.linspace(0, 3, 61),
            weights=weights,
            histtype="step",
            label=label,
        )
        ax_c.hist(
            events["photon_direction"][:, 2],
            np.linspace(-1, 1, 41),
            weights=weights,
            histtype="step",
            label=label,
        )
    for ax in (ax_e, ax_c):
        top = ax.get_ylim()[1]
        ax.set(ylabel="photons per bin", yscale="log", ylim=(top * 1e-4, top * 2))
    ax_e.set(xlabel=r"$E_\gamma$ [GeV]")
    ax_c.set(xlabel=r"$\cos\theta_\gamma$ (beam)")
    ax_e.legend(frameon=False, fontsize=8)
    return fig


def production_regions(samples: Sequence[tuple[str, Events]]) -> Figure:
    """Share of the photons converting in the fiducial volume by where the HNL was made."""
    fig = Figure(figsize=(6, 4))
    ax = fig.subplots()
    names = sorted({name for _, events in samples for name in events.shares()})
    width = 0.8 / max(len(samples), 1)
    for i, (label, events) in enumerate(samples):
        shares = events.shares()
        ax.bar(
            np.arange(len(names)) + i * width,
            [shares.get(n, 0.0) for n in names],
            width,
            label=label,
        )
    ax.set_xticks(np.arange(len(names)) + 0.4 - width / 2, names, rotation=45, ha="right")
    # headroom above a share of 1 keeps the legend off the bars
    ax.set(ylabel="share of the rate", yscale="log", ylim=(1e-4, 30.0))
    ax.legend(frameon=False, fontsize=8, loc="upper center", ncols=max(len(samples), 1))
    return fig


def target_vertex_map(events: Events, volumes: Sequence[str], label: str = "") -> Figure:
    """Weighted (x, y) of the upscattering vertices in the named volumes, e.g. the Fe and Pb
    halves of a MINERvA nuclear-target plane (paper Fig. 2, bottom)."""
    inside = np.isin(events["region"], volumes)
    vertex = events["vertex"][inside]
    fig = Figure(figsize=(5, 4.5))
    ax = fig.subplots()
    h = ax.hist2d(
        vertex[:, 0],
        vertex[:, 1],
        bins=40,
        range=[[-110, 110], [-110, 110]],
        weights=events.weights()[inside],
        cmap="viridis",
    )
    fig.colorbar(h[3], ax=ax, label="photons in the fiducial volume per bin")
    ax.set(
        xlabel="x [cm]",
        ylabel="y [cm]",
        title=f"{' + '.join(volumes)} {label}".strip(),
        aspect="equal",
    )
    return fig
