"""Streaming generation: a sample of any size written to disk with bounded memory.

:func:`simulate_to_file` draws the same batches as :func:`neutrissimo.simulation.injection.generate`
(one loop, :class:`neutrissimo.simulation.trials.TrialStream`; the same seed gives the same
events) but never holds more than one batch (``BATCH_SIZE`` = 50 000 trials, a few tens of MB):

1. **First pass.** Each batch, as it is made, is appended as one row group to a hidden scratch
   Parquet file beside the output (``.<name>.*.tmp.parquet``), its production weights not yet
   normalised; the weight sums at the requested couplings (sum w, sum w^2, count, zero count,
   sum w per production region) are accumulated on the way.
2. **Normalisation.** When the loop ends the number of trials N, hence the exact weight factor
   (:meth:`neutrissimo.simulation.trials.TrialStream.normalise`), and the metadata are known.
3. **Second pass.** The scratch file is read row group by row group, the factor applied element
   by element (the same floating-point operation as in memory, so the weights agree to the last
   bit), and written to the output through :func:`neutrissimo.io.atomic.atomic_path` (a
   temporary file renamed into place): Parquet with the metadata of
   :meth:`neutrissimo.simulation.events.Events.to_parquet`, or NuHepMC
   (:func:`neutrissimo.simulation.hepmc.write_hepmc3_parts`).

The output file therefore holds exactly what ``generate(...).to_parquet(path)`` writes (same
columns, values and metadata except ``wall_time_s``; one row group per batch). The summary
sums are added batch by batch instead of over one array, which changes them in the last digits
only (relative 1e-15); events whose unnormalised weight is within ~1e-100 of underflow
(:data:`TINY_WEIGHT`) are kept aside and their zero count redone with normalised weights, so
the zero-weight fraction is exactly the in-memory one. An interruption (Ctrl-C, an exception)
removes the scratch and temporary files; after a SIGKILL they remain, and the next successful
write of the same output removes them.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from neutrissimo.exceptions import ConfigurationError, PhysicsDomainError
from neutrissimo.io.atomic import atomic_path, scratch_path
from neutrissimo.physics.model import DipoleModel
from neutrissimo.simulation.events import (
    Events,
    WeightSummary,
    arrow_columns,
    arrow_table,
    parquet_metadata,
)
from neutrissimo.simulation.hepmc import write_hepmc3_parts
from neutrissimo.simulation.injection import InjectionSettings, stream_sample
from neutrissimo.simulation.setup import Setup
from neutrissimo.simulation.trials import TrialStream

__all__ = [
    "BYTES_PER_EVENT",
    "TINY_WEIGHT",
    "Check",
    "StreamedSample",
    "require_disk_space",
    "require_representable",
    "simulate_to_file",
    "write_stream",
]

#: Disk per event (bytes), measured (MiniBooNE, 10^6 events): Parquet 240 (the scratch file
#: too), NuHepMC ASCII about 1900 (events of non-zero weight only).
BYTES_PER_EVENT: dict[str, int] = {"parquet": 250, "hepmc3": 2000}

#: Weights (unnormalised) below which the zero count is redone after normalisation.
TINY_WEIGHT = 1e-200

#: ``check(summary, mean beta gamma)`` between the passes of :func:`write_stream`.
Check = Callable[[WeightSummary, float], None]


@dataclass(frozen=True)
class StreamedSample:
    """What a streamed sample leaves in memory: its metadata (as in the file), the weight
    summary and the rate share per production region at the requested couplings, the mean
    beta gamma = |p_N| / m_N of its events and the output path (None if nothing was
    written)."""

    model: DipoleModel
    metadata: dict[str, Any]
    summary: WeightSummary
    region_shares: dict[str, float]
    beta_gamma: float
    path: Path | None


class _Sums:
    """Running sums of the unnormalised weights at one model, batch by batch."""

    def __init__(self, model: DipoleModel) -> None:
        self.model = model
        self.total = self.squares = 0.0
        self.count = self.zeros = 0
        self.regions: dict[str, float] = {}
        self.beta_gamma = 0.0
        self.tiny: list[dict[str, Any]] = []

    def add(self, columns: dict[str, Any]) -> None:
        weights = Events(self.model, columns).weights()
        self.total += float(np.sum(weights))
        self.squares += float(np.sum(weights**2))
        self.count += len(weights)
        self.zeros += int(np.count_nonzero(weights == 0.0))
        # weights within a factor ~1e-100 of underflow may still become 0 once normalised (in
        # memory the factor multiplies weight_production first): keep those rare events
        tiny = (weights > 0.0) & (weights < TINY_WEIGHT)
        if np.any(tiny):
            self.tiny.append({key: value[tiny] for key, value in columns.items()})
        self.beta_gamma += float(np.sum(columns["hnl_momentum"])) / self.model.m_N
        labels = columns["region"]
        for label in np.unique(labels):
            share = float(np.sum(weights[labels == label]))
            self.regions[str(label)] = self.regions.get(str(label), 0.0) + share

    def mean_beta_gamma(self) -> float:
        """Mean |p_N| / m_N of the events (0 for none)."""
        return self.beta_gamma / self.count if self.count else 0.0

    def finish(self, stream: TrialStream) -> tuple[WeightSummary, dict[str, float]]:
        """The summary with the weights normalised (sum w and sum w^2 scale as the factor and
        its square); region shares as in :meth:`Events.shares` (empty if the rate is 0)."""
        zeros = self.zeros
        for columns in self.tiny:  # recount them with the weights normalised as in memory
            normalised = {
                **columns,
                "weight_production": stream.normalise(columns["weight_production"]),
            }
            zeros += int(np.count_nonzero(Events(self.model, normalised).weights() == 0.0))
        total = float(stream.normalise(np.array([self.total]))[0])
        squares = float(stream.normalise(stream.normalise(np.array([self.squares])))[0])
        summary = WeightSummary(
            total,
            float(np.sqrt(squares)),
            total**2 / squares if squares > 0 else 0.0,
            self.count,
            zeros / self.count if self.count else 0.0,
        )
        shares = (
            {k: v / self.total for k, v in sorted(self.regions.items())} if self.total > 0 else {}
        )
        return summary, shares


def write_stream(
    stream: TrialStream,
    model: DipoleModel,
    path: str | os.PathLike[str] | None,
    check: Check | None = None,
) -> StreamedSample:
    """Run ``stream`` (from :func:`neutrissimo.simulation.injection.stream_sample` for
    ``model``) and write it to ``path`` as in the module docstring: NuHepMC if the name ends in
    ``.hepmc3``, else Parquet; ``path=None``: only the summary. ``check(summary, mean beta gamma)``
    is called after the first pass, before the output is written (it may raise to refuse the
    sample; e.g. :func:`require_representable`)."""
    sums = _Sums(model)
    if path is None:
        for batch in stream:
            sums.add(batch)
        summary, shares = sums.finish(stream)
        if check is not None:
            check(summary, sums.mean_beta_gamma())
        return StreamedSample(
            model, stream.metadata(), summary, shares, sums.mean_beta_gamma(), None
        )
    path = Path(path)
    with scratch_path(path, suffix=".tmp.parquet") as scratch:
        _first_pass(stream, sums, scratch)
        summary, shares = sums.finish(stream)
        if check is not None:
            check(summary, sums.mean_beta_gamma())
        metadata = stream.metadata()
        if path.suffix == ".hepmc3":
            write_hepmc3_parts(_parts(scratch, stream, model, metadata), path, model)
        else:
            _second_pass(scratch, stream, parquet_metadata(model, metadata), path)
    return StreamedSample(model, metadata, summary, shares, sums.mean_beta_gamma(), path)


def _first_pass(stream: TrialStream, sums: _Sums, scratch: Path) -> None:
    """Every batch of ``stream`` as one row group of ``scratch`` (weights unnormalised)."""
    writer: pq.ParquetWriter | None = None
    try:
        for batch in stream:
            batch.pop("trial")
            sums.add(batch)
            table = arrow_table(batch)
            if writer is None:  # the schema of the first batch (n_events >= 1: one at least)
                writer = pq.ParquetWriter(scratch, table.schema)
            if len(table):
                writer.write_table(table)
    finally:
        if writer is not None:
            writer.close()


def _normalised(scratch: Path, stream: TrialStream) -> Iterator[pa.Table]:
    """The row groups of ``scratch`` with the production weights normalised."""
    source = pq.ParquetFile(scratch)
    for group in range(source.num_row_groups):
        table = source.read_row_group(group)
        column = table.schema.get_field_index("weight_production")
        weights = stream.normalise(table["weight_production"].to_numpy())
        yield table.set_column(column, "weight_production", pa.array(weights))


def _second_pass(scratch: Path, stream: TrialStream, meta: dict[str, str], path: Path) -> None:
    """The normalised row groups into ``path`` (atomically), with the sample's metadata."""
    schema = pq.read_schema(scratch).with_metadata(meta)
    with atomic_path(path) as tmp, pq.ParquetWriter(tmp, schema) as writer:
        for table in _normalised(scratch, stream):
            writer.write_table(table.replace_schema_metadata(meta))


def _parts(
    scratch: Path, stream: TrialStream, model: DipoleModel, metadata: dict[str, Any]
) -> Iterator[Events]:
    """The normalised row groups of ``scratch`` as :class:`Events` (for the NuHepMC writer)."""
    for table in _normalised(scratch, stream):
        yield Events(model, arrow_columns(table), metadata)


def simulate_to_file(
    setup: Setup,
    model: DipoleModel,
    n_events: int,
    rng: np.random.Generator,
    path: str | os.PathLike[str] | None,
    *,
    progress: Callable[[int], None] | None = None,
    seed: int | None = None,
    couplings: tuple[float, float] | None = None,
    settings: InjectionSettings | None = None,
    check: Check | None = None,
) -> StreamedSample:
    """:func:`neutrissimo.simulation.injection.generate` (same arguments and events) written to
    ``path`` batch by batch with bounded memory (module docstring); see :func:`write_stream`
    for ``path`` and ``check``."""
    stream = stream_sample(setup, model, n_events, rng, progress, seed, couplings, settings)
    return write_stream(stream, model, path, check)


def require_representable(model: DipoleModel, summary: WeightSummary, beta_gamma: float) -> None:
    """Refuse a sample whose every weight at ``model`` is exactly 0 although it has events.

    Every kept event has a non-zero weight for some coupling of the sample's range; all of
    them 0 at ``model`` means that exp(-x / L) underflowed for every event (x/L > 745): the
    mean lab decay length L = beta gamma c tau is far shorter than the distance from where the
    HNLs are made to where a decay is seen, and the rate, though not 0 in nature, is below
    what double precision can hold (or the couplings lie far outside the sample's range).

    Raises:
        PhysicsDomainError: naming the decay length (cm) and the reason.
    """
    if summary.n_events == 0 or summary.rate > 0 or model.d_mu == 0.0:
        return  # (d_mu = 0: no production, a rate of exactly 0 is right)
    length = beta_gamma * model.ctau
    raise PhysicsDomainError(
        f"every event has weight 0 at these couplings: the mean lab decay length "
        f"beta gamma c tau = {length:.3g} cm (c tau = {model.ctau:.3g} cm) is so short that "
        "exp(-x/L) underflows for every decay point the sample holds (the HNLs decay where "
        "they are made, far from the fiducial volume). Fix: smaller couplings."
    )


def require_disk_space(path: str | os.PathLike[str], n_events: int) -> int:
    """Check, before any work, that the folder of ``path`` has room for ``n_events`` streamed
    events (the scratch Parquet file and the output, :data:`BYTES_PER_EVENT`); returns the bytes
    needed.

    Raises:
        ConfigurationError: not enough free space (the message gives both numbers).
    """
    path = Path(path)
    output = BYTES_PER_EVENT["hepmc3" if path.suffix == ".hepmc3" else "parquet"]
    needed = n_events * (BYTES_PER_EVENT["parquet"] + output)
    free = shutil.disk_usage(path.parent if path.parent.exists() else Path.cwd()).free
    if needed > free:
        raise ConfigurationError(
            f"{n_events} events need about {needed / 1e9:.3g} GB of disk in {path.parent} (the "
            f"output and a scratch file of the same size while it is written); "
            f"{free / 1e9:.3g} GB are free. Fix: fewer --events or another folder."
        )
    return needed
