"""Volumes of a detector: a shape, a material and a priority (the higher wins where volumes
overlap), with a check that same-priority volumes do not overlap.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from neutrissimo.detector.materials import Material
from neutrissimo.detector.shapes import (
    Box,
    Shape,
    Sphere,
)
from neutrissimo.exceptions import GeometryError

__all__ = ["MAX_VOLUMES", "Volume", "check_overlaps"]

FloatArray = NDArray[np.float64]


#: Largest number of volumes of a :class:`Detector` (bits of an exactly representable integer).
MAX_VOLUMES: int = 52


_OVERLAP_SAMPLES = 20_000


_OVERLAP_SEED = 20230303


@dataclass(frozen=True)
class Volume:
    """A region of the detector filled with one material.

    Attributes:
        name: unique label (``"tracker"``, ``"Pb4"``).
        shape: its convex shape, cm.
        material: its material.
        priority: where volumes overlap, the highest priority wins.
        group: free label used to stratify the Monte Carlo, e.g. ``"dirt"``, ``"hall"``,
            ``"detector"``.
    """

    name: str
    shape: Shape
    material: Material
    priority: int = 0
    group: str = "detector"

    @property
    def mass_g(self) -> float:
        """Nominal mass, shape volume x density (g), ignoring volumes of higher priority."""
        return self.shape.volume_cm3 * self.material.density


def _boxes_overlap(a: Shape, b: Shape) -> tuple[FloatArray, FloatArray] | None:
    """Common bounding box of a and b if it has a positive volume, else None."""
    lo_a, hi_a = a.bounding_box()
    lo_b, hi_b = b.bounding_box()
    lo, hi = np.maximum(lo_a, lo_b), np.minimum(hi_a, hi_b)
    scale = max(1.0, float(np.max(np.abs(np.concatenate([lo, hi])))))
    if np.any(hi - lo <= 1e-9 * scale):
        return None
    return lo, hi


def _overlap_point(a: Shape, b: Shape) -> FloatArray | None:
    """A point inside both a and b (None if none found): analytic or fixed-seed sampling."""
    common = _boxes_overlap(a, b)
    if common is None:
        return None
    lo, hi = common
    if isinstance(a, Box) and isinstance(b, Box):
        return 0.5 * (lo + hi)
    if isinstance(a, Sphere) and isinstance(b, Sphere):
        ca, cb = np.array(a.center), np.array(b.center)
        dist = float(np.linalg.norm(cb - ca))
        if dist >= a.radius + b.radius:
            return None
        if dist == 0.0:
            return ca
        # midpoint of the overlapping chord of the centre line
        s = 0.5 * (max(-a.radius, dist - b.radius) + min(a.radius, dist + b.radius))
        return ca + s * (cb - ca) / dist
    rng = np.random.default_rng(_OVERLAP_SEED)
    points = lo + (hi - lo) * rng.random((_OVERLAP_SAMPLES, 3))
    both = a.contains(points) & b.contains(points)
    return points[np.argmax(both)] if both.any() else None


def check_overlaps(volumes: tuple[Volume, ...]) -> None:
    """Raise :class:`GeometryError` if two volumes of equal priority overlap."""
    for i, first in enumerate(volumes):
        for second in volumes[i + 1 :]:
            if first.priority != second.priority:
                continue
            point = _overlap_point(first.shape, second.shape)
            if point is not None:
                where = ", ".join(f"{x:.6g}" for x in point)
                raise GeometryError(
                    f"volume '{second.name}': overlaps volume '{first.name}' (both priority "
                    f"{first.priority}; e.g. at ({where}) cm). Fix: give the inner volume a "
                    "higher priority, or correct the sizes so that they do not overlap."
                )
