"""Detector geometries as data: TOML files and their validating loader.

``load_detector("miniboone")`` and ``load_detector("minerva")`` read the files shipped beside this
module (``miniboone.toml``, ``minerva.toml``; every number there cites the paper section, Table I
or the authors' SIREN geometry file it comes from); ``load_detector("my_detector.toml")`` reads a
user file of the same format::

    name = "Toy"
    description = "free text"

    [materials.WATER]
    density = 1.0                                   # g/cm^3
    composition = { H1 = 0.1119, O16 = 0.8881 }     # mass fractions of nuclei, sum 1 (1e-3)

    [[volumes]]                                     # one table per volume
    name = "tank"
    material = "WATER"
    priority = 1                                    # higher wins where volumes overlap
    group = "detector"                              # optional label ("dirt", "hall", ...)
    shape = "cylinder"                              # + the parameters of the shape, in cm:
    center = [0.0, 0.0, 0.0]
    radius = 100.0
    half_length = 50.0

    [fiducial]
    shape = "sphere"
    center = [0.0, 0.0, 0.0]
    radius = 40.0

Shapes and their keys: ``sphere`` (center, radius), ``box`` (center, half_size),
``cylinder`` (center, radius, half_length; axis along z), ``extruded_polygon`` (vertices =
[[x, y], ...] of a convex polygon, z_min, z_max). Lengths in cm, densities in g/cm^3.

Every problem raises :class:`~neutrissimo.exceptions.GeometryError`, one line naming the file, the
volume (or material, with the volumes that use it) and the problem: an unreadable or non-UTF-8
file, TOML syntax, a missing or unknown key (with the closest valid one), a wrong type, an
unknown shape or material, a non-positive size or density, mass fractions not summing to 1, an
unknown nucleus, a non-convex polygon, or two overlapping volumes of equal priority. The schema
is the pydantic model :class:`DetectorFile` (via :mod:`neutrissimo.io.config`).
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import Field, NonNegativeFloat, PositiveFloat

from neutrissimo.detector.geometry import (
    Box,
    Cylinder,
    Detector,
    ExtrudedPolygon,
    Shape,
    Sphere,
    Volume,
)
from neutrissimo.detector.materials import Material
from neutrissimo.exceptions import ConfigurationError, GeometryError, UnknownNucleusError
from neutrissimo.io.config import ConfigModel, load_toml

__all__ = ["SHAPE_KEYS", "DetectorFile", "available_detectors", "load_detector", "parse_detector"]

#: Shipped detector files are ``<name>-detector.toml`` beside this module.
_SUFFIX = "-detector.toml"

Vector = tuple[float, float, float]
Name = Annotated[str, Field(min_length=1)]


class SphereSpec(ConfigModel):
    """``shape = "sphere"``: centre and radius, cm."""

    shape: Literal["sphere"]
    center: Vector
    radius: PositiveFloat

    def build(self) -> Shape:
        """The geometry shape."""
        return Sphere(self.center, self.radius)


class BoxSpec(ConfigModel):
    """``shape = "box"``: centre and half widths along x, y, z, cm."""

    shape: Literal["box"]
    center: Vector
    half_size: tuple[PositiveFloat, PositiveFloat, PositiveFloat]

    def build(self) -> Shape:
        """The geometry shape."""
        return Box(self.center, self.half_size)


class CylinderSpec(ConfigModel):
    """``shape = "cylinder"`` (axis along z): centre, radius and half length, cm."""

    shape: Literal["cylinder"]
    center: Vector
    radius: PositiveFloat
    half_length: PositiveFloat

    def build(self) -> Shape:
        """The geometry shape."""
        return Cylinder(self.center, self.radius, self.half_length)


class ExtrudedPolygonSpec(ConfigModel):
    """``shape = "extruded_polygon"``: convex polygon [[x, y], ...] from z_min to z_max, cm."""

    shape: Literal["extruded_polygon"]
    vertices: tuple[tuple[float, float], ...]
    z_min: float
    z_max: float

    def build(self) -> Shape:
        """The geometry shape."""
        return ExtrudedPolygon(self.vertices, self.z_min, self.z_max)


_SHAPES = (SphereSpec, BoxSpec, CylinderSpec, ExtrudedPolygonSpec)

#: Shape name -> its parameter keys in a detector file.
SHAPE_KEYS: dict[str, tuple[str, ...]] = {
    "sphere": tuple(SphereSpec.model_fields)[1:],
    "box": tuple(BoxSpec.model_fields)[1:],
    "cylinder": tuple(CylinderSpec.model_fields)[1:],
    "extruded_polygon": tuple(ExtrudedPolygonSpec.model_fields)[1:],
}

ShapeSpec = Annotated[
    SphereSpec | BoxSpec | CylinderSpec | ExtrudedPolygonSpec, Field(discriminator="shape")
]


class _VolumeKeys(ConfigModel):
    """The keys of a ``[[volumes]]`` table besides its shape's."""

    name: Name
    material: Name
    priority: int = 0  # higher wins where volumes overlap
    group: Name = "detector"


class SphereVolume(_VolumeKeys, SphereSpec):
    """A spherical volume."""


class BoxVolume(_VolumeKeys, BoxSpec):
    """A box volume."""


class CylinderVolume(_VolumeKeys, CylinderSpec):
    """A cylindrical volume."""


class ExtrudedPolygonVolume(_VolumeKeys, ExtrudedPolygonSpec):
    """A prism volume."""


VolumeSpec = Annotated[
    SphereVolume | BoxVolume | CylinderVolume | ExtrudedPolygonVolume,
    Field(discriminator="shape"),
]


class MaterialSpec(ConfigModel):
    """``[materials.NAME]``: density in g/cm^3 and mass fractions of nuclei (sum 1)."""

    density: PositiveFloat
    composition: dict[str, NonNegativeFloat] = Field(min_length=1)


class DetectorFile(ConfigModel):
    """The schema of a detector TOML file (see the module docstring)."""

    name: Name
    description: str = ""
    materials: dict[str, MaterialSpec] = Field(min_length=1)
    volumes: tuple[VolumeSpec, ...] = Field(min_length=1)
    fiducial: ShapeSpec


def available_detectors() -> tuple[str, ...]:
    """Names of the detector files shipped with neutrissimo (``"miniboone"``, ``"minerva"``)."""
    folder = resources.files(__package__)
    return tuple(
        sorted(p.name.removesuffix(_SUFFIX) for p in folder.iterdir() if p.name.endswith(_SUFFIX))
    )


def load_detector(name_or_path: str | os.PathLike[str]) -> Detector:
    """Load a shipped detector by name (``"miniboone"``, ``"minerva"``) or a TOML file by path.

    Raises:
        GeometryError: unknown name, unreadable file, or a malformed geometry (the message names
            the file, the volume and the problem).
    """
    key = str(name_or_path)
    if key.lower() in available_detectors():
        resource = resources.files(__package__).joinpath(f"{key.lower()}{_SUFFIX}")
        return parse_detector(
            resource.read_text(encoding="utf-8"), source=f"neutrissimo/detector/{resource.name}"
        )
    path = Path(name_or_path).expanduser()
    if not path.is_file():
        raise GeometryError(
            f"Unknown detector {key!r}: not one of the shipped detectors "
            f"{available_detectors()} and no file at {str(path)!r}. Fix: pass one of those names "
            "or the path to a detector TOML file."
        )
    spec = load_toml(path, DetectorFile, error=GeometryError, locate=_locate)
    return _build(spec, str(path))


def _locate(loc: tuple[int | str, ...], raw: Mapping[str, Any]) -> tuple[str, str]:
    """Name an error location as a volume, a material (with its users) or the fiducial volume."""
    volumes = raw.get("volumes")
    tables = [v for v in volumes if isinstance(v, Mapping)] if isinstance(volumes, list) else []
    if loc[:1] == ("volumes",) and len(loc) > 1 and isinstance(loc[1], int):
        table = tables[loc[1]] if loc[1] < len(tables) else {}
        name = table.get("name")
        where = f"volume '{name}'" if isinstance(name, str) else f"volume #{loc[1] + 1}"
        rest = loc[3:] if len(loc) > 3 and loc[2] in SHAPE_KEYS else loc[2:]
    elif loc[:1] == ("materials",) and len(loc) > 1:
        users = [str(v.get("name")) for v in tables if v.get("material") == loc[1]]
        where, rest = _material_where(str(loc[1]), users), loc[2:]
    elif loc[:1] == ("fiducial",) and len(loc) > 1:
        where = "fiducial volume"
        rest = loc[2:] if len(loc) > 2 and loc[1] in SHAPE_KEYS else loc[1:]
    else:
        where, rest = "top level", loc
    return where, "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in rest).lstrip(".")


def _material_where(name: str, users: list[str]) -> str:
    used = f"used by volume {', '.join(repr(u) for u in users)}" if users else "unused"
    return f"material '{name}' ({used})"


def _error(source: str, where: str, problem: str, fix: str = "") -> GeometryError:
    text = problem if problem.endswith((".", "?", "!")) else problem + "."
    return GeometryError(f"{source}: {where}: {text}" + (f" Fix: {fix}." if fix else ""))


def _material(source: str, name: str, spec: MaterialSpec, users: list[str]) -> Material:
    where = _material_where(name, users)
    try:
        return Material(name, spec.density, tuple(spec.composition.items()))
    except (ConfigurationError, UnknownNucleusError) as exc:
        raise _error(source, where, str(exc).removeprefix(f"Material '{name}': ")) from None


def _shape(source: str, where: str, spec: ShapeSpec) -> Shape:
    try:
        return spec.build()
    except ConfigurationError as exc:
        raise _error(source, where, str(exc)) from None


def parse_detector(text: str, *, source: str = "<string>") -> Detector:
    """Build a :class:`Detector` from the text of a detector TOML file (see module docstring).

    Args:
        text: the TOML document.
        source: file name used in error messages.

    Raises:
        GeometryError: one line naming the file, the volume or material and the problem.
    """
    spec = load_toml(text, DetectorFile, source=source, error=GeometryError, locate=_locate)
    return _build(spec, source)


def _build(spec: DetectorFile, source: str) -> Detector:
    """The detector of a validated file: materials, shapes and overlaps checked here."""
    for volume in spec.volumes:
        if volume.material not in spec.materials:
            close = difflib.get_close_matches(volume.material, list(spec.materials), n=1)
            raise _error(
                source,
                f"volume '{volume.name}'",
                f"unknown material '{volume.material}'",
                (f"did you mean '{close[0]}'? " if close else "")
                + f"materials defined in this file: {', '.join(spec.materials)}",
            )
    materials = {
        name: _material(source, name, m, [v.name for v in spec.volumes if v.material == name])
        for name, m in spec.materials.items()
    }
    volumes = tuple(
        Volume(
            v.name,
            _shape(source, f"volume '{v.name}'", v),
            materials[v.material],
            v.priority,
            v.group,
        )
        for v in spec.volumes
    )
    fiducial = _shape(source, "fiducial volume", spec.fiducial)
    try:
        detector = Detector(
            spec.name, volumes, fiducial, description=spec.description, source=source
        )
    except GeometryError as exc:
        raise GeometryError(f"{source}: {exc}") from None
    _check_fiducial_inside(detector, source)
    return detector


#: Points of the fiducial volume checked to lie inside the detector (fixed seed).
_FIDUCIAL_SAMPLES = 4096


def _check_fiducial_inside(detector: Detector, source: str) -> None:
    """The fiducial volume must lie inside the detector's volumes: its bounding box inside
    theirs, and a fixed-seed sample of its points each inside some volume.

    Raises:
        GeometryError: a fiducial volume reaching outside the detector.
    """
    low, high = detector.fiducial.bounding_box()
    d_low, d_high = detector.bounding_box()
    rng = np.random.default_rng(20230303)
    points = rng.uniform(low, high, size=(_FIDUCIAL_SAMPLES, 3))
    points = points[detector.fiducial.contains(points)]
    outside = np.any(low < d_low - 1e-9) or np.any(high > d_high + 1e-9)
    if outside or np.any(detector.locate(points) < 0):
        raise GeometryError(
            f"{source}: the fiducial volume (bounding box {low.tolist()} - {high.tolist()} cm) "
            f"reaches outside the detector's volumes (bounding box {d_low.tolist()} - "
            f"{d_high.tolist()} cm). Fix: make the fiducial volume smaller than the detector."
        )
