"""Rays cut into segments of the detector's volumes, and integrals of rates along them.

:meth:`neutrissimo.detector.geometry.Detector.segments` cuts n rays into K ordered segments each;
a :class:`Segments` holds their boundaries b_0 = 0 <= b_1 <= ... <= b_K (cm) and volume labels.
A rate r (per cm) constant on each segment, e.g. an interaction rate sum_i n_i sigma_i or the
inverse pair-production length, has the running integral (a :class:`Column`)

    C(t) = sum_{j < k} r_j (b_{j+1} - b_j) + r_k (t - b_k),   b_k <= t < b_{k+1},

stored at the boundaries after one cumulative sum per ray. Every partial integral is then a
difference, int_{t_1}^{t_2} r dt = C(t_2) - C(t_1), and the inverse C(t) = c is exact: t lies in
the segment where C crosses c, at the fraction (c - C(b_k)) / (r_k (b_{k+1} - b_k)) of it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from neutrissimo.exceptions import ConfigurationError

__all__ = ["Column", "Segments"]

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class Segments:
    """Ordered segments of n rays through a detector, t >= 0.

    Segment k of ray j runs from ``boundaries[j, k]`` to ``boundaries[j, k + 1]`` (cm, with
    ``boundaries[:, 0] == 0``) inside volume ``volume[j, k]`` (int16; -1: outside every
    volume). K <= 2V segments per ray; unused ones have zero length and volume -1, and the last
    boundary is the exit from the last volume crossed (0 if the ray crosses none). Memory:
    (K + 1) x 8 + K x 2 bytes per ray (at most ~330 MB for 1e6 rays through MINERvA's 16
    volumes).

    A ``rate`` argument below is a per-segment density per unit length, shape (n, K), e.g.
    ``segments.per_volume(rate_per_volume)`` with sum_i n_i sigma_i per volume (1/cm).
    """

    boundaries: FloatArray
    volume: NDArray[np.int16]
    n_volumes: int

    @property
    def n_rays(self) -> int:
        return self.volume.shape[0]

    @property
    def n_segments(self) -> int:
        """K, the number of segments per ray."""
        return self.volume.shape[1]

    @property
    def start(self) -> FloatArray:
        """Segment starts (n, K), cm."""
        return self.boundaries[:, :-1]

    @property
    def end(self) -> FloatArray:
        """Segment ends (n, K), cm."""
        return self.boundaries[:, 1:]

    @property
    def length(self) -> FloatArray:
        """Segment lengths (n, K), cm."""
        return np.diff(self.boundaries, axis=1)

    def per_volume(self, values: ArrayLike) -> FloatArray:
        """Map per-volume values, shape (V,) or (n, V), onto the segments: (n, K), 0 outside."""
        vals = np.asarray(values, dtype=float)
        if vals.shape == (self.n_volumes,):
            table = np.concatenate([[0.0], vals])
            return table[self.volume + 1]
        if vals.shape == (self.n_rays, self.n_volumes):
            padded = np.concatenate([np.zeros((self.n_rays, 1)), vals], axis=1)
            return np.take_along_axis(padded, self.volume + 1, axis=1)
        raise ConfigurationError(
            f"per-volume values must have shape ({self.n_volumes},) or "
            f"({self.n_rays}, {self.n_volumes}), got {vals.shape}."
        )

    def path_lengths(self) -> FloatArray:
        """Length of each ray inside each volume (n, V), cm (after priorities)."""
        n, v = self.n_rays, self.n_volumes
        inside = self.volume >= 0
        rows = np.broadcast_to(np.arange(n)[:, None], self.volume.shape)
        index = (rows * v + self.volume)[inside]
        summed = np.bincount(index, weights=self.length[inside], minlength=n * v)
        return np.asarray(summed.reshape(n, v), dtype=np.float64)

    def column(self, rate: ArrayLike) -> Column:
        """The running integral of ``rate`` (n, K) along each ray (module docstring).

        Raises:
            ConfigurationError: ``rate`` not of the segments' shape, negative, NaN or infinite.
        """
        r = np.asarray(rate, dtype=float)
        if r.shape != self.volume.shape:
            raise ConfigurationError(
                f"rate must have the segments' shape {self.volume.shape}, got {r.shape}; map "
                "per-volume values with Segments.per_volume first."
            )
        cumulative = np.empty((self.n_rays, self.n_segments + 1))
        cumulative[:, 0] = 0.0
        np.cumsum(r * self.length, axis=1, out=cumulative[:, 1:])
        # NaN fails r >= 0; an infinite rate makes the total infinite (or NaN)
        if not (np.all(r >= 0) and np.all(np.isfinite(cumulative[:, -1]))):
            raise ConfigurationError("rate must be finite and >= 0 on every segment.")
        return Column(self, r, cumulative)

    def integral(
        self,
        rate: ArrayLike,
        t_min: ArrayLike | None = None,
        t_max: ArrayLike | None = None,
    ) -> FloatArray:
        """Integral of ``rate`` dt along each ray between t_min and t_max (default: all), (n,)."""
        return self.column(rate).between(t_min, t_max)

    def invert(self, rate: ArrayLike, depth: ArrayLike) -> tuple[FloatArray, NDArray[np.intp]]:
        """Distance t (cm) where the integral of ``rate`` from 0 reaches ``depth``, and its
        segment (:meth:`Column.invert`)."""
        return self.column(rate).invert(depth)

    def sample(
        self, rate: ArrayLike, rng: np.random.Generator
    ) -> tuple[FloatArray, NDArray[np.intp], FloatArray]:
        """Draw one point per ray with density proportional to ``rate`` along it.

        Returns:
            t (cm), the segment index (-1 where the integral is 0, then t = 0), and the integral
            of the rate along the ray (the normalisation: pdf(t) = rate(t) / integral).
        """
        column = self.column(rate)
        t, k = column.invert(rng.random(self.n_rays) * column.total)
        return t, k, column.total

    def volume_at(self, t: ArrayLike) -> NDArray[np.int16]:
        """Volume index at distance t (n,) along each ray (-1 outside or beyond the last)."""
        tt = np.asarray(t, dtype=float).reshape(-1, 1)
        inside = (self.start <= tt) & (tt < self.end)
        k = np.argmax(inside, axis=1)
        found = inside[np.arange(self.n_rays), k]
        return np.where(found, self.volume[np.arange(self.n_rays), k], -1).astype(np.int16)


@dataclass(frozen=True)
class Column:
    """The running integral C(t) of a rate along the rays of ``segments`` (module docstring).

    Attributes:
        segments: the rays' segments.
        rate: the rate on each segment (n, K), per cm.
        cumulative: C at the boundaries (n, K + 1): C(b_0) = 0, C(b_K) = the total.
    """

    segments: Segments
    rate: FloatArray
    cumulative: FloatArray

    @property
    def total(self) -> FloatArray:
        """Integral along the whole ray (n,)."""
        return self.cumulative[:, -1]

    def at(self, t: ArrayLike) -> FloatArray:
        """C(t) per ray (n,) for distances t (cm; (n,) or a scalar): 0 for t <= 0, the total
        beyond the last boundary."""
        b = self.segments.boundaries
        n, k_max = self.rate.shape
        tt = np.broadcast_to(np.asarray(t, dtype=float), (n,))
        tt = np.minimum(np.maximum(tt, 0.0), b[:, -1])
        k = np.minimum(_count_at_or_below(b[:, 1:-1], tt), k_max - 1)
        at_k = k + np.arange(n) * (k_max + 1)  # flat index of boundary k of each row
        start = b.ravel()[at_k]
        return self.cumulative.ravel()[at_k] + self.rate.ravel()[at_k - np.arange(n)] * (tt - start)

    def between(self, t_min: ArrayLike | None = None, t_max: ArrayLike | None = None) -> FloatArray:
        """Integral from t_min to t_max (cm; default: the whole ray), 0 where t_max <= t_min."""
        upper = self.total if t_max is None else self.at(t_max)
        lower = 0.0 if t_min is None else self.at(t_min)
        return np.maximum(upper - lower, 0.0)

    def invert(self, depth: ArrayLike) -> tuple[FloatArray, NDArray[np.intp]]:
        """Distance t (cm) where C(t) = ``depth`` (n,), and its segment.

        The rate is constant on each segment, so t is exact, and it always lies in a segment of
        positive rate. A depth at or beyond the total gives the end of the last segment with
        positive rate; rays with zero total return t = 0 and segment -1.
        """
        n, k_max = self.rate.shape
        target = np.asarray(depth, dtype=float).reshape(-1)
        if target.shape != (n,):
            raise ConfigurationError(f"depth must have shape ({n},), got {target.shape}.")
        total = self.total
        depth_c = np.minimum(target, total)
        k = np.minimum(_count_at_or_below(self.cumulative[:, 1:], depth_c), k_max - 1)
        beyond = np.flatnonzero(depth_c >= total)  # the last segment with positive weight
        increases = np.diff(self.cumulative[beyond], axis=1) > 0
        k[beyond] = k_max - 1 - np.argmax(increases[:, ::-1], axis=1)
        rows = np.arange(n)
        before = self.cumulative[rows, k]
        w_k = self.cumulative[rows, k + 1] - before
        with np.errstate(divide="ignore", invalid="ignore"):
            frac = np.where(w_k > 0, (depth_c - before) / w_k, 0.0)
        b = self.segments.boundaries
        t = b[rows, k] + np.clip(frac, 0.0, 1.0) * (b[rows, k + 1] - b[rows, k])
        empty = total <= 0
        t[empty] = 0.0
        k[empty] = -1
        return t, k


def _count_at_or_below(rows: FloatArray, values: FloatArray) -> NDArray[np.intp]:
    """Per row of ``rows`` (n, m), how many entries are <= its value (n,)."""
    return np.add.reduce(rows <= values[:, None], axis=1, dtype=np.intp)
