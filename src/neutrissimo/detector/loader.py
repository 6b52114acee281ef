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

Every problem raises :class:`~neutrissimo.exceptions.GeometryError` naming the file, the volume
(or material, with the volumes that use it) and the problem: TOML syntax, a missing or unknown
key, an unknown shape or material, a missing density, mass fractions not summing to 1, an unknown
nucleus, a non-positive size, a non-convex polygon, or two overlapping volumes of equal priority.
"""

from __future__ import annotations

import difflib
import math
import os
import tomllib
from importlib import resources
from pathlib import Path
from typing import Any

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

__all__ = ["SHAPE_KEYS", "available_detectors", "load_detector", "parse_detector"]

#: Shape name -> its parameter keys in a detector file.
#: Shipped detector files are ``<name>-detector.toml`` beside this module.
_SUFFIX = "-detector.toml"

SHAPE_KEYS: dict[str, tuple[str, ...]] = {
    "sphere": ("center", "radius"),
    "box": ("center", "half_size"),
    "cylinder": ("center", "radius", "half_length"),
    "extruded_polygon": ("vertices", "z_min", "z_max"),
}
_SHAPE_TYPES: dict[str, type[Shape]] = {
    "sphere": Sphere,
    "box": Box,
    "cylinder": Cylinder,
    "extruded_polygon": ExtrudedPolygon,
}
_TOP_KEYS = ("name", "description", "materials", "volumes", "fiducial")
_VOLUME_KEYS = ("name", "material", "priority", "group", "shape")
_MATERIAL_KEYS = ("density", "composition")


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
        return parse_detector(resource.read_text(), source=f"neutrissimo/detector/{resource.name}")
    path = Path(name_or_path).expanduser()
    if not path.is_file():
        raise GeometryError(
            f"Unknown detector {key!r}: not one of the shipped detectors "
            f"{available_detectors()} and no file at {str(path)!r}. Fix: pass one of those names "
            "or the path to a detector TOML file."
        )
    try:
        text = path.read_text()
    except (OSError, UnicodeDecodeError) as exc:
        raise GeometryError(f"Detector file '{path}': cannot be read: {exc}.") from exc
    return parse_detector(text, source=str(path))


def _sentence(text: str) -> str:
    return text if text.endswith((".", "?", "!")) else text + "."


class _Reader:
    """Builds GeometryErrors that name the file and the place in it."""

    def __init__(self, source: str) -> None:
        self.source = source

    def error(self, where: str, problem: str, fix: str = "") -> GeometryError:
        message = _sentence(f"Detector file '{self.source}': {where}: {problem}")
        return GeometryError(message + (" " + _sentence(f"Fix: {fix}") if fix else ""))

    def check_keys(self, table: dict[str, Any], where: str, allowed: tuple[str, ...]) -> None:
        for key in table:
            if key not in allowed:
                close = difflib.get_close_matches(key, allowed, n=1)
                hint = f"did you mean '{close[0]}'?" if close else f"allowed keys: {allowed}"
                raise self.error(where, f"unknown key '{key}'", hint)

    def require(self, table: dict[str, Any], key: str, where: str, what: str) -> Any:
        if key not in table:
            raise self.error(where, f"missing key '{key}' ({what})", f"add `{key} = ...`")
        return table[key]

    def number(self, value: Any, where: str, key: str) -> float:
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
        ):
            raise self.error(where, f"'{key}' must be a finite number, got {value!r}")
        return float(value)

    def string(self, value: Any, where: str, key: str) -> str:
        if not isinstance(value, str) or not value:
            raise self.error(where, f"'{key}' must be a non-empty string, got {value!r}")
        return value


def _shape(reader: _Reader, table: dict[str, Any], where: str, base_keys: tuple[str, ...]) -> Shape:
    kind = reader.require(table, "shape", where, f"one of {tuple(SHAPE_KEYS)}")
    if kind not in SHAPE_KEYS:
        close = difflib.get_close_matches(str(kind), SHAPE_KEYS, n=1)
        raise reader.error(
            where,
            f"unknown shape {kind!r}",
            (f"did you mean '{close[0]}'? " if close else "") + f"shapes are {tuple(SHAPE_KEYS)}",
        )
    keys = SHAPE_KEYS[kind]
    reader.check_keys(table, where, base_keys + keys)
    params: dict[str, Any] = {}
    for key in keys:
        value = reader.require(table, key, where, f"parameter of a {kind}, cm")
        if key in ("center", "half_size"):
            if not isinstance(value, list) or len(value) != 3:
                raise reader.error(where, f"'{key}' must be a list [x, y, z] in cm, got {value!r}")
            params[key] = tuple(reader.number(x, where, key) for x in value)
        elif key == "vertices":
            if not isinstance(value, list) or not all(
                isinstance(v, list) and len(v) == 2 for v in value
            ):
                raise reader.error(
                    where, f"'vertices' must be a list of [x, y] pairs in cm, got {value!r}"
                )
            params[key] = tuple(
                (reader.number(x, where, key), reader.number(y, where, key)) for x, y in value
            )
        else:
            params[key] = reader.number(value, where, key)
    try:
        return _SHAPE_TYPES[kind](**params)
    except ConfigurationError as exc:
        raise reader.error(where, str(exc)) from None


def _material(reader: _Reader, name: str, table: Any, users: list[str]) -> Material:
    used = f" (used by volume {', '.join(repr(u) for u in users)})" if users else " (unused)"
    where = f"material '{name}'{used}"
    if not isinstance(table, dict):
        raise reader.error(where, "must be a table with keys density and composition")
    reader.check_keys(table, where, _MATERIAL_KEYS)
    density = reader.number(reader.require(table, "density", where, "g/cm^3"), where, "density")
    composition = reader.require(
        table, "composition", where, "mass fractions, e.g. { H1 = 0.1119, O16 = 0.8881 }"
    )
    if not isinstance(composition, dict) or not composition:
        raise reader.error(where, "'composition' must be a table {nucleus = mass fraction, ...}")
    fractions = {k: reader.number(v, where, f"composition.{k}") for k, v in composition.items()}
    try:
        return Material(name, density, tuple(fractions.items()))
    except (ConfigurationError, UnknownNucleusError) as exc:
        raise reader.error(where, str(exc).removeprefix(f"Material '{name}': ")) from None


def parse_detector(text: str, *, source: str = "<string>") -> Detector:
    """Build a :class:`Detector` from the text of a detector TOML file (see module docstring).

    Args:
        text: the TOML document.
        source: file name used in error messages.
    """
    reader = _Reader(source)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise reader.error("file", f"not valid TOML ({exc})", "correct the syntax there") from None
    reader.check_keys(data, "top level", _TOP_KEYS)
    name = reader.string(
        reader.require(data, "name", "top level", "detector name"), "top level", "name"
    )
    description = str(data.get("description", ""))

    raw_volumes = reader.require(data, "volumes", "top level", "[[volumes]] tables")
    if not isinstance(raw_volumes, list) or not raw_volumes:
        raise reader.error("top level", "'volumes' must be one or more [[volumes]] tables")
    raw_materials = reader.require(data, "materials", "top level", "[materials.NAME] tables")
    if not isinstance(raw_materials, dict):
        raise reader.error("top level", "'materials' must be [materials.NAME] tables")

    # names and material references first, so that material errors can name their volumes
    headers: list[tuple[str, str, dict[str, Any]]] = []
    for number, table in enumerate(raw_volumes, start=1):
        where = f"volume #{number}"
        if not isinstance(table, dict):
            raise reader.error(where, "must be a [[volumes]] table")
        vname = reader.string(reader.require(table, "name", where, "volume name"), where, "name")
        where = f"volume '{vname}'"
        mname = reader.string(
            reader.require(table, "material", where, "a [materials.NAME] of this file"),
            where,
            "material",
        )
        if mname not in raw_materials:
            close = difflib.get_close_matches(mname, list(raw_materials), n=1)
            raise reader.error(
                where,
                f"unknown material '{mname}'",
                (f"did you mean '{close[0]}'? " if close else "")
                + f"materials defined in this file: {tuple(raw_materials)}",
            )
        headers.append((vname, mname, table))

    materials = {
        mname: _material(reader, mname, table, [v for v, m, _ in headers if m == mname])
        for mname, table in raw_materials.items()
    }

    volumes = []
    for vname, mname, table in headers:
        where = f"volume '{vname}'"
        priority = table.get("priority", 0)
        if isinstance(priority, bool) or not isinstance(priority, int):
            raise reader.error(where, f"'priority' must be an integer, got {priority!r}")
        group = reader.string(table.get("group", "detector"), where, "group")
        shape = _shape(reader, table, where, _VOLUME_KEYS)
        volumes.append(Volume(vname, shape, materials[mname], priority, group))

    raw_fiducial = reader.require(data, "fiducial", "top level", "[fiducial] table with a shape")
    if not isinstance(raw_fiducial, dict):
        raise reader.error("fiducial volume", "must be a [fiducial] table with a shape")
    fiducial = _shape(reader, raw_fiducial, "fiducial volume", ("shape",))

    try:
        return Detector(name, tuple(volumes), fiducial, description=description, source=source)
    except GeometryError as exc:
        raise GeometryError(f"Detector file '{source}': {exc}") from None
