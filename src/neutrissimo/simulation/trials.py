"""The outer loop of the weighted Monte Carlo: batches of trials until a sample is complete.

One loop serves both ways a sample is used (DESIGN.md section 2, "generation streams in
batches"): :func:`neutrissimo.simulation.injection.generate` joins the batches in memory (the
scans need the arrays), and :func:`neutrissimo.simulation.streaming.simulate_to_file` writes
each batch to disk as it is made, so that memory stays bounded for any number of events.

The normalisation of the weights is known only when the loop ends (the number of trials N it
took), so the batches carry *unnormalised* production weights; :meth:`TrialStream.normalise`
applies the exact factor afterwards, element by element, which gives the same floating-point
numbers whichever way the batches are joined.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
from numpy.typing import NDArray

from neutrissimo.exceptions import ConfigurationError

__all__ = ["BATCH_SIZE", "TrialStream", "next_batch_size"]

#: Most trials per vectorised batch (:func:`next_batch_size`; the sizes follow from the seed, so
#: that a seed defines the sample). A batch's
#: kept columns take about 16 MB (some 40 float64 values per event); the working arrays of one
#: batch inside the sampler a few times that.
BATCH_SIZE = 50_000


def next_batch_size(remaining: int, kept: int, drawn: int) -> int:
    """Trials in the next batch of a :class:`TrialStream` that keeps only weighted trials, when
    ``remaining`` events are still needed and ``kept`` of the ``drawn`` trials so far were kept:
    min(BATCH_SIZE, max(4 remaining, 10^4)) at first (or while none was kept), then the trials
    the kept fraction p = kept/drawn predicts, 1.25 remaining / p + 1000, at most BATCH_SIZE,
    so that the last batch does not draw up to a whole BATCH_SIZE of trials past the sample's
    end. The sizes depend only on earlier trials, so the trials stay independent draws of the
    proposal and the sample a function of the seed."""
    if kept == 0:
        return min(BATCH_SIZE, max(4 * remaining, 10_000))
    return min(BATCH_SIZE, math.ceil(1.25 * remaining * drawn / kept) + 1000)


class TrialStream:
    """Batches of kept events from ``draw(size)`` (columns with a per-batch ``trial`` index).

    Two rules (``keep_all``):

    - ``keep_all=True`` (``legacy`` proposal): ``n_events`` trials in batches of
      min(BATCH_SIZE, remaining), every trial kept; weights / N with N = ``n_events``.
    - ``keep_all=False`` (``mixture`` proposal): trials in batches (:func:`next_batch_size`)
      until ``n_events`` of them have a non-zero weight
      (or 1000 n_events trials). With N the trial that gave the n-th kept event, (n - 1)/(N - 1)
      is an unbiased estimate of the probability p that a trial is kept (negative binomial,
      independent of the kept events' values), so the kept weights w_i become
      w_i (n - 1) / (n (N - 1)): the sum estimates E_q[w] = p E_q[w | kept] exactly, for every
      coupling (n = 1 or too few kept: w_i / N).

    ``describe(stream)`` gives the sample's metadata (:meth:`metadata`) once the loop ended.
    Iterating yields each batch's columns (``trial`` made global, the last batch cut at the
    ``n_events``-th kept event, weights not yet normalised); afterwards :attr:`trials` is N,
    :attr:`kept` the number of events and :meth:`normalise` the exact weight factor. A stream is
    iterated once.
    """

    def __init__(
        self,
        draw: Callable[[int], dict[str, Any]],
        n_events: int,
        progress: Callable[[int], None] | None = None,
        keep_all: bool = False,
        describe: Callable[[TrialStream], dict[str, Any]] | None = None,
    ) -> None:
        if n_events < 1:
            raise ConfigurationError(f"n_events must be >= 1, got {n_events}.")
        self._draw = draw
        self._describe = describe
        self.n_events = n_events
        self._progress = progress
        self.keep_all = keep_all
        self.trials = 0
        self.kept = 0
        self.finished = False

    def __iter__(self) -> Iterator[dict[str, Any]]:
        if self.finished or self.trials:
            raise RuntimeError("A TrialStream is iterated once.")
        n = self.n_events
        if self.keep_all:
            while self.trials < n:
                size = min(BATCH_SIZE, n - self.trials)
                batch = self._draw(size)
                batch["trial"] = batch["trial"] + self.trials
                self.trials += size
                self.kept += len(batch["trial"])
                self._report(self.trials)
                yield batch
            self.finished = True
            return
        drawn = 0
        while self.kept < n and drawn < 1000 * n:
            size = next_batch_size(n - self.kept, self.kept, drawn)
            batch = self._draw(size)
            batch["trial"] = batch["trial"] + drawn
            drawn += size
            room = n - self.kept
            if len(batch["trial"]) >= room:  # the n-th kept event is in this batch
                batch = {key: col[:room] for key, col in batch.items()}
                self.trials = int(batch["trial"][-1]) + 1
            else:
                self.trials = drawn
            self.kept += len(batch["trial"])
            self._report(self.kept)
            yield batch
        self.finished = True

    def _report(self, done: int) -> None:
        if self._progress is not None:
            self._progress(min(done, self.n_events))

    def metadata(self) -> dict[str, Any]:
        """The sample's metadata from ``describe(self)`` (after the iteration ended); ``{}``
        without ``describe``."""
        if not self.finished:
            raise RuntimeError("The sample's metadata is known only after the last batch.")
        return {} if self._describe is None else self._describe(self)

    def normalise(self, weights: NDArray[np.float64]) -> NDArray[np.float64]:
        """The production weights of kept events divided by the number of trials, exactly as
        the class docstring says (call after the iteration ended)."""
        if not self.finished:
            raise RuntimeError("The weight normalisation is known only after the last batch.")
        if self.keep_all:
            return np.asarray(weights / self.n_events, dtype=np.float64)
        n = self.n_events
        complete = self.kept >= n > 1
        scale = (n - 1) / (n * (self.trials - 1)) if complete else 1.0 / self.trials
        return np.asarray(weights * scale, dtype=np.float64)

    def collect(self) -> tuple[dict[str, Any], int]:
        """Run the loop and join the batches in memory: (columns with normalised weights and
        no ``trial`` column, N)."""
        batches = list(self)
        columns = {key: np.concatenate([b[key] for b in batches]) for key in batches[0]}
        columns.pop("trial")
        columns["weight_production"] = self.normalise(columns["weight_production"])
        return columns, self.trials
