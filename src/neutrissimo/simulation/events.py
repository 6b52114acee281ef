"""Weighted Monte Carlo events: columnar arrays, exact reweighting in the couplings, Parquet I/O.

An :class:`Events` sample is made for one HNL mass (and nature) and serves every set of
couplings (d_e, d_mu, d_tau). Each event carries

- ``weight_production``: expected events at the sample's POT, per event of the sample (the sum
  over the sample estimates the rate; see ``metadata["n_trials"]``), for
  d_mu = 1 GeV^-1, *including* the probability that the photon converts in the fiducial volume
  and the neutrino-flux and interaction factors, but *excluding* the decay position;
- ``decay_distance`` x (cm, from the production vertex along the HNL path) and
  ``decay_proposal`` q(x) (cm^-1), the coupling-independent density it was drawn from;
- ``hnl_momentum`` |p_N| (GeV), which with m_N fixes beta gamma.

The proposal the sample was drawn from (its settings, pilot-optimised mixture shares, coupling
range) is recorded in ``metadata["proposal"]`` and ``metadata["pilot"]``, the number of trials
in ``metadata["n_trials"]`` (the ``mixture`` proposal keeps only events whose weight is not zero
for every coupling; see :func:`neutrissimo.simulation.injection.generate`).

The physical weight for a model with couplings d is then exact (DESIGN.md section 2):

    w = weight_production * d_mu^2 * exp(-x / L) / (L q(x)),   L = |p_N| / m_N * c tau(d),

with c tau from eq. (5) (all flavours). Production scales as d_mu^2 because only nu_mu
upscatter (d_e, d_tau enter through the width alone).
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from numpy.typing import NDArray

from neutrissimo.exceptions import ConfigurationError, DataFileError
from neutrissimo.io.atomic import atomic_path
from neutrissimo.physics.model import DipoleModel

__all__ = [
    "UNDERFLOW",
    "UNITS",
    "DecayReweighting",
    "Events",
    "WeightSummary",
    "arrow_columns",
    "arrow_table",
    "decay_weights",
    "parquet_metadata",
    "read_events",
]

#: Units of the event columns (stored in the Parquet metadata).
UNITS: dict[str, str] = {
    "energy_nu": "GeV",
    "vertex": "cm",
    "q2": "GeV^2",
    "hnl_energy": "GeV",
    "hnl_momentum": "GeV",
    "hnl_direction": "unit vector",
    "decay_distance": "cm",
    "decay_proposal": "cm^-1",
    "decay_point": "cm",
    "photon_energy": "GeV",
    "photon_direction": "unit vector",
    "cos_theta_star": "1",
    "conversion_point": "cm",
    "weight_production": "events at the sample POT per event of the sample, d_mu = 1 GeV^-1",
}
_VECTORS = ("vertex", "hnl_direction", "decay_point", "photon_direction", "conversion_point")
_SCALARS = (
    "energy_nu",
    "q2",
    "hnl_energy",
    "hnl_momentum",
    "decay_distance",
    "decay_proposal",
    "photon_energy",
    "cos_theta_star",
    "weight_production",
)
_LABELS = ("target", "region", "helicity")


@dataclass(frozen=True)
class WeightSummary:
    """Sum of weights (expected events), its Monte Carlo error sqrt(sum w^2), the effective
    sample size ESS = (sum w)^2 / sum w^2, the number of events N and the fraction of them with
    weight exactly 0.

    ``ess_fraction`` = ESS / N (0 for an empty sample) is the Monte Carlo efficiency: 1 for
    equal weights, 1/N if one event carries all the weight.
    """

    rate: float
    error: float
    effective_size: float
    n_events: int = 0
    zero_fraction: float = 0.0

    @property
    def ess_fraction(self) -> float:
        """ESS / N (0 if N = 0)."""
        return self.effective_size / self.n_events if self.n_events else 0.0

    @classmethod
    def of(cls, weights: NDArray[np.float64]) -> WeightSummary:
        total = float(np.sum(weights))
        squares = float(np.sum(weights**2))
        n = len(weights)
        return cls(
            total,
            np.sqrt(squares),
            total**2 / squares if squares > 0 else 0.0,
            n,
            float(np.mean(weights == 0.0)) if n else 0.0,
        )


@dataclass(frozen=True, eq=False)
class Events:
    """A weighted sample of HNL events (see the module docstring).

    Attributes:
        model: the model the sample was generated for (its m_N and nature are fixed; its
            couplings are only the default for :meth:`weights`).
        columns: name -> array; vectors have shape (n, 3), labels are string arrays.
        metadata: experiment, POT, seed, package version, generation settings.
    """

    model: DipoleModel
    columns: dict[str, NDArray[Any]] = field(repr=False)
    metadata: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        lengths = {name: len(col) for name, col in self.columns.items()}
        if len(set(lengths.values())) > 1:
            raise ConfigurationError(f"Event columns have different lengths: {lengths}.")

    def __len__(self) -> int:
        return len(self.columns["weight_production"])

    def __getitem__(self, name: str) -> NDArray[Any]:
        return self.columns[name]

    def weights(self, model: DipoleModel | None = None) -> NDArray[np.float64]:
        """Expected events per event at the sample's POT for ``model`` (default: the sample's).

        Raises:
            ConfigurationError: ``model`` has a different mass or nature than the sample.
        """
        row = self.weights_grid([self.model if model is None else model])[0]
        return np.asarray(row, dtype=np.float64)

    def weights_grid(self, models: Sequence[DipoleModel]) -> NDArray[np.float64]:
        """:meth:`weights` for each of ``models``, shape (models, events), in one vectorised
        pass (:class:`DecayReweighting`).

        Raises:
            ConfigurationError: a model with a different mass or nature than the sample.
        """
        return self.reweighting(models).rows().T

    def reweighting(self, models: Sequence[DipoleModel]) -> DecayReweighting:
        """The :class:`DecayReweighting` of the sample to each of ``models`` (its columns), for
        weights computed block by block of events.

        Raises:
            ConfigurationError: a model with a different mass or nature than the sample.
        """
        for model in models:
            if model.m_N != self.model.m_N or model.nature != self.model.nature:
                raise ConfigurationError(
                    f"Events were generated for m_N = {self.model.m_N} GeV "
                    f"({self.model.nature}); they cannot be reweighted to m_N = {model.m_N} GeV "
                    f"({model.nature}). Generate a sample at that mass."
                )
        ctau = np.array([m.ctau if m.width > 0.0 else np.inf for m in models])
        d_mu = np.array([m.d_mu for m in models])
        return DecayReweighting.of(self.columns, self.model.m_N, d_mu, ctau)

    def reweight(self, model: DipoleModel) -> Events:
        """The same events, attached to ``model`` (so :meth:`weights` defaults to it)."""
        self.weights(model)  # validates mass and nature
        return replace(self, model=model)

    def summary(self, model: DipoleModel | None = None) -> WeightSummary:
        """Rate, MC error, effective sample size, ESS / N and zero-weight fraction at ``model``."""
        return WeightSummary.of(self.weights(model))

    def shares(self, column: str = "region", model: DipoleModel | None = None) -> dict[str, float]:
        """Share of the weighted rate per label of ``column`` (e.g. where the HNL was made).
        Empty if the total rate is zero."""
        weights = self.weights(model)
        total = float(np.sum(weights))
        labels = self.columns[column]
        if total <= 0:
            return {}
        return {str(k): float(np.sum(weights[labels == k]) / total) for k in np.unique(labels)}

    def select(self, mask: NDArray[np.bool_]) -> Events:
        """The events where ``mask`` is true (weights keep their per-generated-event meaning)."""
        return replace(self, columns={k: v[mask] for k, v in self.columns.items()})

    def to_parquet(self, path: str | os.PathLike[str]) -> Path:
        """Write the sample to ``path`` atomically (temporary file in the same folder, then
        rename), with the model, metadata and units in the Parquet schema metadata."""
        path = Path(path)
        table = arrow_table(self.columns).replace_schema_metadata(
            parquet_metadata(self.model, self.metadata)
        )
        with atomic_path(path) as tmp:
            pq.write_table(table, tmp)
        return path

    def to_hepmc3(
        self,
        path: str | os.PathLike[str],
        model: DipoleModel | None = None,
        *,
        include_zero_weight: bool = False,
    ) -> Path:
        """Write the sample as a NuHepMC (HepMC3 ASCII) file, CV weights at ``model``
        (default: the sample's); see :func:`neutrissimo.simulation.hepmc.write_hepmc3`."""
        from neutrissimo.simulation.hepmc import write_hepmc3

        return write_hepmc3(self, path, model, include_zero_weight=include_zero_weight)


#: exp(-x) is exactly 0.0 in double precision for x above this (the smallest subnormal is
#: exp(-744.4); exp(-745.2) already rounds to 0).
UNDERFLOW = 746.0


@dataclass(frozen=True, eq=False)
class DecayReweighting:
    """The weights of a sample's events i at couplings c in factored form (see
    :func:`decay_weights`),

        w_ic = s_c P_i exp(-a_i r_c),   a_i = x_i m_N / |p_N,i|,   r_c = 1 / c tau_c,
        P_i = w_prod,i m_N / (|p_N,i| q_decay(x_i)),   s_c = d_mu,c^2 / c tau_c,

    so that weights can be computed for a block of events at a time (:meth:`rows`).

    Attributes:
        decay: a_i (cm), production: P_i, inverse_ctau: r_c (cm^-1), scale: s_c.
    """

    decay: NDArray[np.float64]
    production: NDArray[np.float64]
    inverse_ctau: NDArray[np.float64]
    scale: NDArray[np.float64]

    @classmethod
    def of(
        cls,
        columns: Mapping[str, NDArray[Any]],
        m_N: float,
        d_mu: NDArray[np.float64],
        ctau: NDArray[np.float64],
    ) -> DecayReweighting:
        """The factors of sampled ``columns`` at each (d_mu [GeV^-1], c tau [cm]) pair
        (c tau = inf: a stable HNL, weight 0)."""
        inverse_ctau = 1.0 / np.asarray(ctau, dtype=float)
        per_mass = m_N / columns["hnl_momentum"]
        return cls(
            np.asarray(columns["decay_distance"] * per_mass, dtype=np.float64),
            np.asarray(columns["weight_production"] * per_mass / columns["decay_proposal"]),
            inverse_ctau,
            np.asarray(d_mu, dtype=float) ** 2 * inverse_ctau,
        )

    def rows(
        self,
        events: NDArray[np.intp] | slice | None = None,
        out: NDArray[np.float64] | None = None,
    ) -> NDArray[np.float64]:
        """Weights w_ic of ``events`` (indices; default all), events-major: shape
        (events, couplings), into ``out`` if given.

        Couplings whose exponent a_i r_c exceeds :data:`UNDERFLOW` for every event of the block
        (a decay length far below the distance to the detector) get w = 0 without evaluating
        the exponential, which is exactly 0 there; the other weights are
        ((exp(-a_i r_c) P_i) s_c), in this order of operations.
        """
        chosen = slice(None) if events is None else events
        decay, production = self.decay[chosen], self.production[chosen]
        out = np.empty((decay.size, self.inverse_ctau.size)) if out is None else out
        smallest = decay.min() if decay.size else 0.0
        keep = ~(smallest * self.inverse_ctau > UNDERFLOW)  # NaN stays NaN
        runs = np.flatnonzero(np.diff(keep)) + 1
        for lo, hi in zip([0, *runs], [*runs, keep.size], strict=True):
            part = out[:, lo:hi]
            if not keep[lo]:
                part[...] = 0.0
                continue
            np.multiply.outer(decay, -self.inverse_ctau[lo:hi], out=part)
            np.exp(part, out=part)
            part *= production[:, None]
            part *= self.scale[lo:hi]
        return out


def decay_weights(
    columns: Mapping[str, NDArray[Any]],
    m_N: float,
    d_mu: NDArray[np.float64],
    ctau: NDArray[np.float64],
) -> NDArray[np.float64]:
    """Event weights, shape (couplings, events), of sampled columns at each (d_mu [GeV^-1],
    c tau [cm]) pair (c tau = inf: a stable HNL, weight 0). With a = x m_N / |p_N| per event
    (x the decay distance, cm),

        w = w_prod d_mu^2 exp(-a / c tau) m_N / (|p_N| c tau q_decay(x)):

    the production weight times the decay density at lab decay length |p_N| c tau / m_N over
    the decay-point proposal density (exact reweighting in the couplings). The array is the
    transpose of an events-major one (the couplings of one event are contiguous):
    :meth:`DecayReweighting.rows` of all events."""
    return DecayReweighting.of(columns, m_N, d_mu, ctau).rows().T


def read_events(path: str | os.PathLike[str]) -> Events:
    """Read a sample written by :meth:`Events.to_parquet`.

    Raises:
        DataFileError: the file is missing or is not a neutrissimo event file.
    """
    path = Path(path)
    if not path.is_file():
        raise DataFileError(f"Event file {path} does not exist.")
    try:
        table = pq.read_table(path)
        meta = {k.decode(): v.decode() for k, v in (table.schema.metadata or {}).items()}
        model = DipoleModel(**json.loads(meta["neutrissimo.model"]))
        metadata = json.loads(meta["neutrissimo.metadata"])
    except (KeyError, ValueError, pa.ArrowInvalid) as exc:
        raise DataFileError(f"{path} is not a neutrissimo event file ({exc}).") from exc
    return Events(model, arrow_columns(table), metadata)


def arrow_table(columns: dict[str, NDArray[Any]]) -> pa.Table:
    """The event columns as an Arrow table (what :meth:`Events.to_parquet` stores): vectors as
    ``<name>_x``, ``_y``, ``_z``, labels dictionary-encoded, no schema metadata."""
    arrays: dict[str, pa.Array] = {}
    for name, col in columns.items():
        if name in _VECTORS:
            for i, axis in enumerate("xyz"):
                arrays[f"{name}_{axis}"] = pa.array(np.asarray(col[:, i], dtype=float))
        elif name in _LABELS:
            arrays[name] = pa.array(np.asarray(col, dtype=str)).dictionary_encode()
        else:
            arrays[name] = pa.array(np.asarray(col))
    return pa.table(arrays)


def parquet_metadata(model: DipoleModel, metadata: dict[str, Any]) -> dict[str, str]:
    """The Parquet schema metadata of a sample: model, metadata and :data:`UNITS` as JSON."""
    meta = {
        "model": json.dumps(
            {
                "m_N": model.m_N,
                "d_e": model.d_e,
                "d_mu": model.d_mu,
                "d_tau": model.d_tau,
                "nature": model.nature,
            }
        ),
        "metadata": json.dumps(metadata),
        "units": json.dumps(UNITS),
    }
    return {f"neutrissimo.{k}": v for k, v in meta.items()}


def arrow_columns(table: pa.Table) -> dict[str, NDArray[Any]]:
    """The event columns of an Arrow table written by :func:`arrow_table` (the inverse)."""
    columns: dict[str, NDArray[Any]] = {}
    names = set(table.column_names)
    for name in _VECTORS:
        if f"{name}_x" in names:
            columns[name] = np.column_stack([table[f"{name}_{a}"].to_numpy() for a in "xyz"])
    for name in _SCALARS:
        if name in names:
            columns[name] = table[name].to_numpy()
    for name in _LABELS:
        if name in names:
            columns[name] = np.asarray(table[name].to_pylist(), dtype=str)
    return columns
