"""The coupling scenarios of the paper and the weights of a sample over a coupling grid.

d_tau scenarios (Secs. IV.C and V.C, Figs. 7, 11, 12): ``"none"`` (d_tau = 0), ``"mass-ratio"``
(d_tau = (m_tau/m_mu) d_mu, eq. 3) and ``"fixed-1e-5"`` (d_tau = 1e-5 GeV^-1 = (100 TeV)^-1).
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
from numpy.typing import ArrayLike, NDArray

from neutrissimo.exceptions import ConfigurationError
from neutrissimo.physics.constants import M_MUON, M_TAU
from neutrissimo.physics.model import DipoleModel
from neutrissimo.simulation.coupling_ranges import coupling_range
from neutrissimo.simulation.events import Events
from neutrissimo.simulation.injection import generate_samples
from neutrissimo.simulation.setup import Setup

__all__ = [
    "D_TAU_SCENARIOS",
    "d_tau_of",
    "grid_weight_chunks",
    "grid_weights",
    "replica_samples",
    "served_couplings",
]

#: Couplings reweighted at once: bounds the (couplings, events) weight arrays of a scan task.
CHUNK_COUPLINGS = 25

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


def grid_weights(events: Events, couplings: ArrayLike, scenario: str) -> NDArray[np.float64]:
    """Event weights (couplings, events) at each d_mu of ``couplings`` with the scenario's d_tau
    (exact reweighting of one sample)."""
    d_mu = np.asarray(couplings, dtype=float)
    model = events.model
    return events.weights_grid(
        [
            DipoleModel(m_N=model.m_N, d_mu=d, d_tau=t, nature=model.nature)
            for d, t in zip(d_mu, d_tau_of(scenario, d_mu), strict=True)
        ]
    )


def grid_weight_chunks(
    events: Events, couplings: ArrayLike, scenario: str
) -> Iterator[NDArray[np.float64]]:
    """:func:`grid_weights` in consecutive chunks of at most :data:`CHUNK_COUPLINGS` couplings
    (rows in the order of ``couplings``), so that memory stays bounded for fine grids."""
    d_mu = np.asarray(couplings, dtype=float)
    for start in range(0, d_mu.size, CHUNK_COUPLINGS):
        yield grid_weights(events, d_mu[start : start + CHUNK_COUPLINGS], scenario)


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
