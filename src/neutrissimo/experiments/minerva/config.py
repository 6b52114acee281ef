"""The MINERvA analysis configuration (paper Sec. V), read from ``minerva-analysis.toml``.

Samples (``minerva.toml`` beside this module, numbers cite the paper):

=========  =========  ====================  ======================================  =========
sample     POT        beam, mode, flavour   dE/dx data and background               reference
=========  =========  ====================  ======================================  =========
le_fhc     3.43e20    numi-le fhc numu      public (digitized, Park et al. 2016)    [25]
me_fhc     1.16e21    numi-me fhc numu      public (digitized, Valencia et al.)     [26]
me_rhc     1.22e21    numi-me rhc numubar   NONE public: supply your own files      [27]
=========  =========  ====================  ======================================  =========

Flux selection is by name only (``Sample.beam``, ``.mode``, ``.flavour``), for ``load_flux``.
"""

from __future__ import annotations

import difflib
import functools
import math
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from neutrissimo.exceptions import ConfigurationError

__all__ = [
    "BEAMS",
    "CUT_NAMES",
    "FLAVOURS",
    "MODES",
    "Cuts",
    "DedxSettings",
    "MinervaConfig",
    "Response",
    "Sample",
    "load_config",
]


BEAMS = ("numi-le", "numi-me")


MODES = ("fhc", "rhc")


FLAVOURS = ("numu", "numubar")


#: The kinematic cuts in the paper's order (Sec. V.B); dE/dx enters as an acceptance.
CUT_NAMES = ("shower_energy", "q2_qe", "e_theta2")


_CONFIG_FILE = "minerva-analysis.toml"


@dataclass(frozen=True)
class Response:
    """Detector response (Sec. V.A): sigma_E/E = stochastic/sqrt(E/GeV) + constant; sigma_theta."""

    energy_stochastic: float
    energy_constant: float
    angle_sigma_deg: float

    @property
    def angle_sigma(self) -> float:
        """sigma_theta in rad."""
        return math.radians(self.angle_sigma_deg)


@dataclass(frozen=True)
class Cuts:
    """Selection cuts (Sec. V.B): GeV, GeV^2, GeV rad^2 and MeV/1.7cm."""

    shower_energy_min: float
    q2_qe_max: float
    e_theta2_max: float
    dedx_min: float


@dataclass(frozen=True, eq=False)
class DedxSettings:
    """dE/dx binning (MeV/1.7cm) and the data file of the signal (pi0-like) shape."""

    bin_edges: NDArray[np.float64]
    signal_shape: str


@dataclass(frozen=True)
class Sample:
    """One MINERvA nu-e analysis sample.

    Attributes:
        name: key in the config (``le_fhc``, ``me_fhc``, ``me_rhc``).
        label, reference: for plots and reports.
        pot: exposure in protons on target.
        beam, mode, flavour: flux selection by name (``numi-le``/``numi-me``, ``fhc``/``rhc``,
            ``numu``/``numubar``).
        dedx_cut_acceptance: HNL-photon acceptance of dE/dx > 4.5 (Sec. V.B).
        dedx_data, dedx_background, dedx_background_without_nue: digitized files (data-folder
            relative paths or file paths); empty when no public histogram exists.
    """

    name: str
    label: str
    reference: str
    pot: float
    beam: str
    mode: str
    flavour: str
    dedx_cut_acceptance: float
    dedx_data: tuple[str, ...] = ()
    dedx_background: tuple[str, ...] = ()
    dedx_background_without_nue: tuple[str, ...] = ()

    @property
    def has_public_dedx(self) -> bool:
        """Whether public dE/dx data and background files are configured for this sample."""
        return bool(self.dedx_data) and bool(self.dedx_background)


@dataclass(frozen=True)
class MinervaConfig:
    """The whole MINERvA analysis configuration (``minerva.toml``)."""

    response: Response
    cuts: Cuts
    dedx: DedxSettings
    samples: tuple[Sample, ...]
    source: str = field(default="")

    @property
    def sample_names(self) -> tuple[str, ...]:
        return tuple(s.name for s in self.samples)

    def sample(self, name: str) -> Sample:
        """The sample called ``name``; a misspelt name raises with the valid ones."""
        for s in self.samples:
            if s.name == name:
                return s
        close = difflib.get_close_matches(name, self.sample_names, n=1)
        hint = f" Did you mean {close[0]!r}?" if close else ""
        raise ConfigurationError(
            f"Unknown MINERvA sample {name!r}.{hint} Known samples: {', '.join(self.sample_names)}."
        )

    @property
    def samples_with_public_dedx(self) -> tuple[str, ...]:
        """Names of the samples whose dE/dx data and background are public."""
        return tuple(s.name for s in self.samples if s.has_public_dedx)


def _check_keys(table: Mapping[str, Any], allowed: Sequence[str], where: str, src: str) -> None:
    if not isinstance(table, Mapping):
        raise ConfigurationError(f"{src}: [{where}] must be a table, got {table!r}.")
    for key in table:
        if key not in allowed:
            close = difflib.get_close_matches(key, allowed, n=1)
            hint = f" Did you mean {close[0]!r}?" if close else ""
            raise ConfigurationError(
                f"{src}: unknown key {key!r} in [{where}].{hint} Allowed keys: "
                f"{', '.join(allowed)}."
            )
    missing = [key for key in allowed if key not in table]
    if missing:
        raise ConfigurationError(f"{src}: [{where}] is missing the key(s) {', '.join(missing)}.")


def _number(
    table: Mapping[str, Any], key: str, where: str, src: str, *, low: float, high: float = math.inf
) -> float:
    value = table[key]
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float))
        or not math.isfinite(value)
        or not (low < value <= high)
    ):
        raise ConfigurationError(
            f"{src}: [{where}] {key} must be a number in ({low}, {high}], got {value!r}."
        )
    return float(value)


def _choice(
    table: Mapping[str, Any], key: str, options: Sequence[str], where: str, src: str
) -> str:
    value = table[key]
    if value not in options:
        raise ConfigurationError(
            f"{src}: [{where}] {key} = {value!r} is not one of {', '.join(options)}."
        )
    return str(value)


def _files(table: Mapping[str, Any], key: str, where: str, src: str) -> tuple[str, ...]:
    value = table[key]
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise ConfigurationError(
            f"{src}: [{where}] {key} must be a list of data-file paths, got {value!r}."
        )
    return tuple(value)


def _parse_config(raw: Mapping[str, Any], src: str) -> MinervaConfig:
    _check_keys(raw, ("response", "cuts", "dedx", "samples"), "top level", src)

    r = raw["response"]
    _check_keys(r, [f.name for f in fields(Response)], "response", src)
    response = Response(
        energy_stochastic=_number(r, "energy_stochastic", "response", src, low=-1e-300, high=1),
        energy_constant=_number(r, "energy_constant", "response", src, low=-1e-300, high=1),
        angle_sigma_deg=_number(r, "angle_sigma_deg", "response", src, low=-1e-300, high=90),
    )

    c = raw["cuts"]
    _check_keys(c, [f.name for f in fields(Cuts)], "cuts", src)
    cuts = Cuts(**{key: _number(c, key, "cuts", src, low=0.0) for key in c})

    d = raw["dedx"]
    _check_keys(d, ("bin_edges", "signal_shape"), "dedx", src)
    edges = np.asarray(d["bin_edges"], dtype=float)
    if edges.ndim != 1 or edges.size < 2 or np.any(np.diff(edges) <= 0) or edges[0] < 0:
        raise ConfigurationError(
            f"{src}: [dedx] bin_edges must be increasing non-negative numbers, got {edges!r}."
        )
    if not np.any(np.isclose(edges, cuts.dedx_min)):
        raise ConfigurationError(
            f"{src}: [cuts] dedx_min = {cuts.dedx_min} must be one of the [dedx] bin_edges "
            f"{edges.tolist()} so that the photon-like region is a set of whole bins."
        )
    dedx = DedxSettings(bin_edges=edges, signal_shape=_files(d, "signal_shape", "dedx", src)[0])

    samples_raw = raw["samples"]
    if not isinstance(samples_raw, Mapping) or not samples_raw:
        raise ConfigurationError(f"{src}: [samples] must hold at least one [samples.<name>] table.")
    samples = []
    sample_keys = [f.name for f in fields(Sample) if f.name != "name"]
    for name, s in samples_raw.items():
        where = f"samples.{name}"
        _check_keys(s, sample_keys, where, src)
        for key in ("label", "reference"):
            if not isinstance(s[key], str):
                raise ConfigurationError(f"{src}: [{where}] {key} must be a string.")
        samples.append(
            Sample(
                name=name,
                label=s["label"],
                reference=s["reference"],
                pot=_number(s, "pot", where, src, low=0.0),
                beam=_choice(s, "beam", BEAMS, where, src),
                mode=_choice(s, "mode", MODES, where, src),
                flavour=_choice(s, "flavour", FLAVOURS, where, src),
                dedx_cut_acceptance=_number(s, "dedx_cut_acceptance", where, src, low=0, high=1),
                dedx_data=_files(s, "dedx_data", where, src),
                dedx_background=_files(s, "dedx_background", where, src),
                dedx_background_without_nue=_files(s, "dedx_background_without_nue", where, src),
            )
        )
    return MinervaConfig(response, cuts, dedx, tuple(samples), source=src)


@functools.cache
def _default_config() -> MinervaConfig:
    text = resources.files(__package__).joinpath(_CONFIG_FILE).read_text()
    return _parse_config(tomllib.loads(text), f"neutrissimo/experiments/{_CONFIG_FILE}")


def load_config(path: str | Path | None = None) -> MinervaConfig:
    """Read a MINERvA configuration; ``None`` gives the packaged ``minerva.toml``.

    Raises:
        ConfigurationError: the file is not valid TOML, a key is unknown (misspelt keys are
            named, with the closest valid key) or missing, or a value is out of range.
    """
    if path is None:
        return _default_config()
    path = Path(path)
    try:
        raw = tomllib.loads(path.read_text())
    except OSError as exc:
        raise ConfigurationError(f"Cannot read MINERvA configuration {path}: {exc}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigurationError(f"{path} is not valid TOML: {exc}") from exc
    return _parse_config(raw, str(path))


def _config(config: MinervaConfig | None) -> MinervaConfig:
    return load_config() if config is None else config
