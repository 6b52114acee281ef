"""Detector geometry: volumes with priorities, and vectorised ray tracing through them.

Conventions: lengths in cm, the beam along +z, right-handed (x, y, z). A ray is an origin o and
a unit direction d; a distance t along it is the point o + t d. The convex shapes
(:class:`Sphere`, :class:`Box`, :class:`Cylinder`, :class:`ExtrudedPolygon`) live in
:mod:`neutrissimo.detector.shapes` and are re-exported here; materials in
:mod:`neutrissimo.detector.materials`; the detector files and their loader in
:mod:`neutrissimo.detector.loader`.

A :class:`Detector` is a list of :class:`Volume` (shape, material, priority) plus a fiducial shape.
Where volumes overlap the higher priority wins (an inner volume has a higher priority than the one
containing it; SIREN instead lets the later line of its file win). Overlapping volumes of equal
priority are rejected: analytically for two spheres or two boxes, otherwise by a bounding-box
test followed by a fixed-seed sample of points in the common bounding box (an overlap smaller
than ~1e-4 of that box can escape the sampled check).

The core operation, :meth:`Detector.segments`, cuts n rays (t >= 0) into K <= 2V ordered segments
(V volumes) labelled by the winning volume (-1 outside everything), without a loop over rays:

1. intersect every volume with every ray (loop over the V volumes);
2. the 2V entry/exit distances of each ray (those of missed volumes moved to the last exit) are
   sorted as int64 bit patterns with the event index stored in their lowest 7 mantissa bits
   (distances are >= 0, whose IEEE-754 patterns sort like the numbers; the distances lose
   < 2^-45 relative precision, ~1e-9 cm at 500 m);
3. entering the volume of priority rank r adds 2^r and leaving it subtracts 2^r, so the running
   sum along the sorted events (exact integers in float64) encodes the set of volumes containing
   each segment, and its binary exponent is the rank of the winning volume. Hence at most 52
   volumes;
4. the trailing segments of zero length on every ray (the events of volumes no ray of the batch
   crosses) are cut off: every integral, inverse and look-up along the rays then costs K, not
   2V (MINERvA's beam rays: 22 of 32).

:class:`Segments` (boundaries, volume labels; :mod:`neutrissimo.detector.segments`) carry the
running integrals of rates along the rays, their inverse and the sampling of points; on
:class:`Detector` live the physics views: path length and column density (nuclei/cm^2) per
volume and nucleus, depth in pair-production lengths, ``locate``, fiducial entry and exit.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from neutrissimo.detector.segments import Column, Segments
from neutrissimo.detector.shapes import (
    Box,
    Cylinder,
    ExtrudedPolygon,
    Shape,
    Sphere,
    _as_points,
    _empty_where,
    _make_rays,
    _Rays,
)
from neutrissimo.detector.volumes import MAX_VOLUMES, Volume, check_overlaps
from neutrissimo.exceptions import ConfigurationError, GeometryError

__all__ = [
    "Box",
    "Cylinder",
    "Detector",
    "ExtrudedPolygon",
    "Segments",
    "Shape",
    "Sphere",
]

_EVENT_BITS = 7  # 2 * MAX_VOLUMES = 104 < 2^7 event indices stored in the mantissa
_EVENT_MASK = np.int64((1 << _EVENT_BITS) - 1)

FloatArray = NDArray[np.float64]


# --------------------------------------------------------------------------------------------
# detector


@dataclass(frozen=True)
class Detector:
    """Volumes of a detector and its fiducial volume.

    Attributes:
        name: e.g. ``"MiniBooNE"``.
        volumes: the volumes (index = position in this tuple).
        fiducial: the fiducial volume.
        description: free text (provenance).
        source: file it was read from, if any (used in error messages).

    Raises:
        GeometryError: no volumes, repeated names, more than :data:`MAX_VOLUMES` volumes, or
            overlapping volumes of equal priority.
    """

    name: str
    volumes: tuple[Volume, ...]
    fiducial: Shape
    description: str = ""
    source: str = ""

    def __post_init__(self) -> None:
        volumes = tuple(self.volumes)
        object.__setattr__(self, "volumes", volumes)
        if not volumes:
            raise GeometryError(f"detector '{self.name}': it has no volumes.")
        if len(volumes) > MAX_VOLUMES:
            raise GeometryError(
                f"detector '{self.name}': {len(volumes)} volumes, at most {MAX_VOLUMES} allowed."
            )
        names = [v.name for v in volumes]
        for name in names:
            if names.count(name) > 1:
                raise GeometryError(
                    f"volume '{name}': the name is used twice; volume names must be unique."
                )
        check_overlaps(volumes)

    # ---- bookkeeping ------------------------------------------------------------------------

    @property
    def n_volumes(self) -> int:
        return len(self.volumes)

    @property
    def volume_names(self) -> tuple[str, ...]:
        return tuple(v.name for v in self.volumes)

    def volume_index(self, name: str) -> int:
        """Index of the volume called ``name``."""
        try:
            return self.volume_names.index(name)
        except ValueError:
            raise ConfigurationError(
                f"detector '{self.name}' has no volume '{name}'; it has {self.volume_names}."
            ) from None

    def group_indices(self, group: str) -> NDArray[np.intp]:
        """Indices of the volumes whose group is ``group`` (e.g. ``"dirt"``)."""
        return np.array([i for i, v in enumerate(self.volumes) if v.group == group], dtype=np.intp)

    @functools.cached_property
    def _order(self) -> NDArray[np.intp]:
        """Volume indices sorted by increasing (priority, index): bit rank -> volume."""
        return np.array(
            sorted(range(self.n_volumes), key=lambda i: (self.volumes[i].priority, i)),
            dtype=np.intp,
        )

    @functools.cached_property
    def _event_values(self) -> FloatArray:
        """Event 2r (entry) adds 2^r, event 2r+1 (exit) subtracts it; r = priority rank."""
        events = np.arange(2 * self.n_volumes)
        return np.ldexp(1.0, events // 2) * np.where(events % 2 == 0, 1.0, -1.0)

    @functools.cached_property
    def _exponent_to_volume(self) -> NDArray[np.int16]:
        """Exponent field of the float64 running sum -> winning volume (1023 + r -> rank r)."""
        table = np.full(1024 + MAX_VOLUMES, -1, dtype=np.int16)
        table[1023 : 1023 + self.n_volumes] = self._order
        return table

    @functools.cached_property
    def _event_ids(self) -> dict[int, NDArray[np.int64]]:
        return {}

    def _ids(self, n: int) -> NDArray[np.int64]:
        if n not in self._event_ids:
            self._event_ids.clear()
            self._event_ids[n] = np.tile(np.arange(2 * self.n_volumes, dtype=np.int64), (n, 1))
        return self._event_ids[n]

    @functools.cached_property
    def nuclei(self) -> tuple[str, ...]:
        """All nuclei of the detector's materials, in order of first appearance."""
        seen: dict[str, None] = {}
        for vol in self.volumes:
            for name in vol.material.nuclei:
                seen.setdefault(name, None)
        return tuple(seen)

    @functools.cached_property
    def number_density(self) -> FloatArray:
        """Number density of each nucleus in each volume, (V, I) in cm^-3 (I = len(nuclei))."""
        table = np.zeros((self.n_volumes, len(self.nuclei)))
        for v, vol in enumerate(self.volumes):
            for name, n in zip(vol.material.nuclei, vol.material.number_densities, strict=True):
                table[v, self.nuclei.index(name)] = n
        return table

    @functools.cached_property
    def density(self) -> FloatArray:
        """Mass density of each volume (V,), g/cm^3."""
        return np.array([v.material.density for v in self.volumes])

    @functools.cached_property
    def inverse_pair_length(self) -> FloatArray:
        """1 / lambda_pair = 7 rho / (9 X0) of each volume (V,), 1/cm."""
        return np.array([1.0 / v.material.pair_length for v in self.volumes])

    @functools.cached_property
    def fiducial_host(self) -> int:
        """Index of the volume that holds the fiducial volume, or -1: the volume at the centre
        of the fiducial bounding box, provided no volume of higher priority reaches into that
        box. Every shape is convex, so a chord of the fiducial volume whose two ends lie in the
        host's shape lies wholly in the host volume (one material along it)."""
        low, high = self.fiducial.bounding_box()
        host = int(self.locate(0.5 * (low + high)[None, :])[0])
        if host < 0:
            return -1
        for volume in self.volumes:
            lo, hi = volume.shape.bounding_box()
            near = bool(np.all(lo <= high) and np.all(hi >= low))
            if near and volume.priority > self.volumes[host].priority:
                return -1
        return host

    def bounding_box(self) -> tuple[FloatArray, FloatArray]:
        """Bounding box of all volumes (lower, upper corners), cm."""
        boxes = [v.shape.bounding_box() for v in self.volumes]
        return np.min([b[0] for b in boxes], axis=0), np.max([b[1] for b in boxes], axis=0)

    # ---- points and rays --------------------------------------------------------------------

    def locate(self, points: ArrayLike) -> NDArray[np.int16]:
        """Index of the volume containing each point (n,) after priorities; -1 outside all."""
        p = _as_points(points)
        x, y, z = p[:, 0], p[:, 1], p[:, 2]
        result = np.full(len(p), -1, dtype=np.int16)
        for v in self._order:  # increasing priority: later assignments win
            result[self.volumes[v].shape._contains(x, y, z)] = v
        return result

    def segments(
        self, origins: ArrayLike, directions: ArrayLike, *, chunk_size: int = 8192
    ) -> Segments:
        """Cut the rays o + t d (t >= 0, d unit) into ordered segments of the winning volumes.

        Args:
            origins: (n, 3) cm.
            directions: (n, 3) unit vectors.
            chunk_size: rays processed together (memory/cache trade-off only).

        Returns:
            :class:`Segments` with K <= 2V segments per ray: the 2V of the volumes' entries and
            exits without the trailing ones that have zero length on every ray.
        """
        o = _as_points(origins, "origins")
        d = _as_points(directions, "directions")
        if o.shape != d.shape:
            raise ConfigurationError(
                f"origins {o.shape} and directions {d.shape} must have the same shape (n, 3)."
            )
        n, k = len(o), 2 * self.n_volumes
        boundaries = np.empty((n, k + 1))
        volume = np.empty((n, k), dtype=np.int16)
        k_used = 1  # segments up to the last one of positive length on any ray
        for first in range(0, n, chunk_size):
            chunk = slice(first, min(first + chunk_size, n))
            k_used = max(
                k_used,
                self._segments_chunk(
                    _make_rays(o[chunk], d[chunk]), boundaries[chunk], volume[chunk]
                ),
            )
        return Segments(
            np.ascontiguousarray(boundaries[:, : k_used + 1]),
            np.ascontiguousarray(volume[:, :k_used]),
            self.n_volumes,
        )

    def _segments_chunk(
        self, rays: _Rays, boundaries: FloatArray, volume: NDArray[np.int16]
    ) -> int:
        """Fill ``boundaries`` (n, 2V+1) and ``volume`` (n, 2V) for one block of rays; returns
        the number of segments up to the last one of positive length on any of its rays."""
        n, n_events = rays.n, 2 * self.n_volumes
        intervals = []
        t_last = np.zeros(n)  # last exit along the ray: where the events of missed volumes go
        for v in self._order:
            t_enter, t_exit = self.volumes[v].shape._interval(rays)
            t_enter = np.maximum(t_enter, 0.0) + 0.0  # forward part only; -0.0 -> +0.0
            ahead = t_exit > t_enter
            np.maximum(t_last, np.where(ahead, t_exit, 0.0), out=t_last)
            intervals.append((t_enter, t_exit, ahead))
        times = np.empty((n, n_events))  # column 2r / 2r+1: entry / exit of the rank-r volume
        for rank, (t_enter, t_exit, ahead) in enumerate(intervals):
            times[:, 2 * rank] = np.where(ahead, t_enter, t_last)
            times[:, 2 * rank + 1] = np.where(ahead, t_exit, t_last)
        # sort (distance, event) pairs packed in one int64: non-negative doubles sort as ints
        packed = times.view(np.int64)
        packed &= ~_EVENT_MASK
        packed |= self._ids(n)
        packed.sort(axis=1)
        event = packed & _EVENT_MASK
        packed &= ~_EVENT_MASK
        # running sum of +2^r (entry) / -2^r (exit) over the events before each segment: exact
        # integers in float64 encoding the set of volumes containing the segment; its binary
        # exponent is the top priority rank (sum 0 -> exponent field 0 -> outside)
        value = np.take(self._event_values, event)
        inside = np.empty_like(value)
        inside[:, 0] = 0.0  # segment 0 = [0, first event]: outside (zero length if o is inside)
        for column in range(1, n_events):
            np.add(inside[:, column - 1], value[:, column - 1], out=inside[:, column])
        np.take(self._exponent_to_volume, inside.view(np.int64) >> 52, out=volume)
        boundaries[:, 0] = 0.0
        boundaries[:, 1:] = packed.view(np.float64)
        empty = boundaries[:, 1:] <= boundaries[:, :-1]
        np.putmask(volume, empty, -1)
        used = np.flatnonzero(~np.all(empty, axis=0))
        return int(used[-1]) + 1 if used.size else 1

    def fiducial_interval(
        self, origins: ArrayLike, directions: ArrayLike
    ) -> tuple[FloatArray, FloatArray]:
        """Entry and exit distance (cm, t >= 0) of each ray in the fiducial volume.

        Rays that do not reach it give t_enter >= t_exit (t_enter = +inf, t_exit = -inf).
        """
        t_enter, t_exit = self.fiducial.intersect(origins, directions)
        t_enter = np.maximum(t_enter, 0.0)
        _empty_where(t_exit <= t_enter, t_enter, t_exit)
        return t_enter, t_exit

    # ---- material along rays ----------------------------------------------------------------

    def column_density(self, segments: Segments) -> FloatArray:
        """Column density of each nucleus in each volume along each ray, (n, V, I) nuclei/cm^2.

        Memory grows as n V I; for totals per nucleus use :meth:`column_density_by_nucleus`.
        """
        return segments.path_lengths()[:, :, None] * self.number_density[None, :, :]

    def column_density_by_nucleus(self, segments: Segments) -> FloatArray:
        """Column density of each nucleus summed over volumes, (n, I) nuclei/cm^2."""
        return segments.path_lengths() @ self.number_density

    def rate_per_volume(self, cross_sections: ArrayLike) -> FloatArray:
        """sum_i n_i sigma_i of each volume (1/cm) from cross sections per nucleus.

        Args:
            cross_sections: (I,) or (n, I) in cm^2, columns in the order of :attr:`nuclei`.

        Returns:
            (V,) or (n, V) in 1/cm; map onto segments with :meth:`Segments.per_volume`.
        """
        sigma = np.asarray(cross_sections, dtype=float)
        if sigma.shape[-1:] != (len(self.nuclei),):
            raise ConfigurationError(
                f"cross sections need one column per nucleus {self.nuclei}, got {sigma.shape}."
            )
        return sigma @ self.number_density.T

    def pair_depth(
        self,
        segments: Segments,
        t_min: ArrayLike | None = None,
        t_max: ArrayLike | None = None,
    ) -> FloatArray:
        """Material between t_min and t_max along each ray in pair-production lengths, (n,).

        sum over segments of (overlap length) / lambda_pair, lambda_pair = 9/7 X0 / rho; the
        probability that a photon converts there is 1 - exp(-depth).
        """
        return self.pair_column(segments).between(t_min, t_max)

    def pair_column(self, segments: Segments) -> Column:
        """The running depth in pair-production lengths along each ray (1 / lambda_pair per
        segment), for depths at several points and their inverse (:class:`Column`)."""
        return segments.column(segments.per_volume(self.inverse_pair_length))
