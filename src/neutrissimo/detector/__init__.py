"""Detectors as data: convex shapes, materials, volumes with priorities, vectorised ray
segments (:mod:`.geometry`) and the shipped detector TOMLs (:mod:`.loader`).
"""

__all__ = ["geometry", "loader", "materials", "shapes", "volumes"]
