"""The coupling scenarios of the paper and the weights of a sample over a coupling grid.

d_tau scenarios (Secs. IV.C and V.C, Figs. 7, 11, 12): ``"none"`` (d_tau = 0), ``"mass-ratio"``
(d_tau = (m_tau/m_mu) d_mu, eq. 3) and ``"fixed-1e-5"`` (d_tau = 1e-5 GeV^-1 = (100 TeV)^-1).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from neutrissimo.exceptions import ConfigurationError
from neutrissimo.physics.constants import M_MUON, M_TAU
from neutrissimo.physics.model import DipoleModel
from neutrissimo.simulation.coupling_ranges import coupling_range
from neutrissimo.simulation.events import Events
from neutrissimo.simulation.injection import generate_samples
from neutrissimo.simulation.setup import Setup
from neutrissimo.statistics.histogram import EventGroups

__all__ = [
    "D_TAU_SCENARIOS",
    "GridSums",
    "d_tau_of",
    "grid_sums",
    "replica_samples",
    "served_couplings",
]

D_TAU_SCENARIOS: tuple[str, ...] = ("none", "mass-ratio", "fixed-1e-5")


def d_tau_of(scenario: str, d_mu: ArrayLike) -> NDArray[np.float64]:
    """d_tau (GeV^-1) of a d_tau scenario for the given d_mu (GeV^-1).

    Raises:
        ConfigurationError: an unknown scenario name.
    """
    d_mu = np.asarray(d_mu, dtype=float)
    if scenario == "none":
        return np.zeros_like(d_mu)
    if scenario == "mass-ratio":
        return M_TAU / M_MUON * d_mu
    if scenario == "fixed-1e-5":
        return np.full_like(d_mu, 1e-5)
    raise ConfigurationError(
        f"Unknown d_tau scenario {scenario!r}; choose one of {', '.join(D_TAU_SCENARIOS)}."
    )


@dataclass(frozen=True)
class GridSums:
    """Sums over a sample's events of its weights w at every (d_tau scenario, coupling), axes
    (scenario, coupling): ``total`` = sum w over all events; per binning, ``sumw`` = sum f w and
    ``sumw2`` = sum (f w)^2 per bin, axes (scenario, coupling, bin), with f the per-event
    factor."""

    total: NDArray[np.float64]
    sumw: tuple[NDArray[np.float64], ...]
    sumw2: tuple[NDArray[np.float64], ...]


def grid_sums(
    events: Events,
    couplings: ArrayLike,
    bins: Sequence[tuple[NDArray[np.intp], int]],
    factor: NDArray[np.float64] | None = None,
    scenarios: Sequence[str] = D_TAU_SCENARIOS,
) -> GridSums:
    """Reweight a sample to each d_mu of ``couplings`` (GeV^-1) with each scenario's d_tau
    (exact reweighting) and sum the weights: in total, and per bin of each binning of ``bins``
    ((bin index per event, -1 outside; number of bins), e.g. a histogram or a one-bin
    selection) with the per-event ``factor`` f (default 1), sum f w and sum (f w)^2.

    The events are sorted once by their cell in all binnings (and by a = x m_N / |p_N| within
    a cell, so that a block of events shares the couplings at which it decays before the
    detector) and the weights of every scenario and coupling computed and summed a block of
    events at a time (:meth:`~neutrissimo.statistics.histogram.EventGroups.sums`): the
    (couplings, events) weight array is never formed, and the summation order is fixed.
    """
    d_mu = np.asarray(couplings, dtype=float)
    model = events.model
    reweighting = events.reweighting(
        [
            DipoleModel(m_N=model.m_N, d_mu=d, d_tau=t, nature=model.nature)
            for scenario in scenarios
            for d, t in zip(d_mu, d_tau_of(scenario, d_mu), strict=True)
        ]
    )
    groups = EventGroups.of([i for i, _ in bins], [n for _, n in bins], reweighting.decay)
    width = reweighting.inverse_ctau.size
    scale = None if factor is None else np.asarray(factor, dtype=float)

    def moments(block: NDArray[np.intp]) -> NDArray[np.float64]:
        out = np.empty((block.size, 3, width))
        reweighting.rows(block, out=out[:, 0])
        if scale is None:
            out[:, 1] = out[:, 0]
        else:
            np.multiply(out[:, 0], scale[block, None], out=out[:, 1])
        np.square(out[:, 1], out=out[:, 2])
        return out

    sums = groups.sums(moments, (3, width))
    grid = (len(scenarios), d_mu.size)
    per_bin = [np.moveaxis(groups.marginal(sums, k), 0, -1) for k in range(len(bins))]
    return GridSums(
        sums[:, 0].sum(axis=0).reshape(grid),
        tuple(h[1].reshape(*grid, -1) for h in per_bin),
        tuple(h[2].reshape(*grid, -1) for h in per_bin),
    )


def served_couplings(couplings: ArrayLike, default: tuple[float, float]) -> tuple[float, float]:
    """The range of total couplings (d_mu^2 + d_tau^2)^(1/2), GeV^-1, that a sample must serve
    for the coupling grid ``couplings`` in every d_tau scenario, joined with the setup's
    ``default`` range: what to pass as ``generate(couplings=...)`` (the proposal depends on this
    range only, never on one point's couplings)."""
    d_mu = np.asarray(couplings, dtype=float)
    totals = [np.hypot(d_mu, d_tau_of(s, d_mu)) for s in D_TAU_SCENARIOS]
    return coupling_range(*totals, np.asarray(default, dtype=float))


def replica_samples(
    setup: Setup,
    m_N: float,
    events: int,
    replicas: int,
    rng: np.random.Generator,
    couplings: tuple[float, float] | None = None,
) -> list[tuple[Events, np.random.Generator]]:
    """``replicas`` independent samples of ``events`` events each at m_N (GeV), drawn from one
    proposal (:func:`~neutrissimo.simulation.injection.generate_samples`; replica r from
    ``rng.spawn(replicas)[r]``), keeping the events with a non-zero production weight, each with
    its generator (which goes on to draw that replica's detector smearing). ``couplings``: the
    range of couplings (GeV^-1) the samples serve (default: the setup's); the reference model's
    d_mu = 1e-6 GeV^-1 only sets the default weights."""
    generators = rng.spawn(replicas)
    model = DipoleModel(m_N=m_N, d_mu=1e-6)
    samples = generate_samples(setup, model, events, generators, couplings=couplings)
    return [
        (sample.select(sample["weight_production"] > 0), generator)
        for sample, generator in zip(samples, generators, strict=True)
    ]
