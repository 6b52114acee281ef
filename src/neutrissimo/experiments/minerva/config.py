"""The MINERvA analysis configuration (paper Sec. V), read from ``minerva-analysis.toml``.

Samples (``minerva-analysis.toml`` beside this module, numbers cite the paper):

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
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Annotated, Any

import numpy as np
from pydantic import Field, PositiveFloat, field_validator, model_validator

from neutrissimo.exceptions import ConfigurationError
from neutrissimo.io.config import ConfigModel, FloatArray, Fraction, choice, load_toml

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


class Response(ConfigModel):
    """Detector response (Sec. V.A): sigma_E/E = stochastic/sqrt(E/GeV) + constant; sigma_theta.

    ``energy_stochastic`` and ``energy_constant`` are fractions (0.059 = 5.9 %).
    """

    energy_stochastic: Fraction
    energy_constant: Fraction
    angle_sigma_deg: float = Field(ge=0.0, le=90.0)

    @property
    def angle_sigma(self) -> float:
        """sigma_theta in rad."""
        return math.radians(self.angle_sigma_deg)


class Cuts(ConfigModel):
    """Selection cuts (Sec. V.B): GeV, GeV^2, GeV rad^2 and MeV/1.7cm."""

    shower_energy_min: PositiveFloat
    q2_qe_max: PositiveFloat
    e_theta2_max: PositiveFloat
    dedx_min: PositiveFloat


class DedxSettings(ConfigModel):
    """dE/dx binning (MeV/1.7cm) and the data file of the signal (pi0-like) shape."""

    bin_edges: FloatArray
    signal_shape: str = Field(min_length=1)

    @field_validator("bin_edges")
    @classmethod
    def _increasing(cls, edges: Any) -> Any:
        if edges.size < 2 or np.any(np.diff(edges) <= 0) or edges[0] < 0:
            raise ValueError("must be at least two increasing non-negative numbers")
        return edges


DataFiles = tuple[Annotated[str, Field(min_length=1)], ...]


class Sample(ConfigModel):
    """One MINERvA nu-e analysis sample (a ``[samples.<name>]`` table).

    Attributes:
        name: the table's name (``le_fhc``, ``me_fhc``, ``me_rhc``); not a key of the table.
        label, reference: for plots and reports.
        pot: exposure in protons on target.
        beam, mode, flavour: flux selection by name (``numi-le``/``numi-me``, ``fhc``/``rhc``,
            ``numu``/``numubar``).
        dedx_cut_acceptance: HNL-photon acceptance of dE/dx > 4.5 (Sec. V.B), a fraction.
        dedx_data, dedx_background, dedx_background_without_nue: digitized files (data-folder
            relative paths or file paths); empty when no public histogram exists.
    """

    name: str = Field(exclude=True)  # the table's name, not a key
    label: str
    reference: str
    pot: PositiveFloat
    beam: Annotated[str, choice(BEAMS)]
    mode: Annotated[str, choice(MODES)]
    flavour: Annotated[str, choice(FLAVOURS)]
    dedx_cut_acceptance: Fraction
    dedx_data: DataFiles = ()
    dedx_background: DataFiles = ()
    dedx_background_without_nue: DataFiles = ()

    @property
    def has_public_dedx(self) -> bool:
        """Whether public dE/dx data and background files are configured for this sample."""
        return bool(self.dedx_data) and bool(self.dedx_background)


class MinervaConfig(ConfigModel):
    """The whole MINERvA analysis configuration (``minerva-analysis.toml``)."""

    response: Response
    cuts: Cuts
    dedx: DedxSettings
    samples_by_name: dict[str, Sample] = Field(alias="samples", min_length=1)

    @model_validator(mode="before")
    @classmethod
    def _name_samples(cls, raw: Any) -> Any:
        """Each sample takes the name of its table."""
        tables = raw.get("samples") if isinstance(raw, Mapping) else None
        if not isinstance(tables, Mapping):
            return raw
        named = {k: {"name": k, **v} if isinstance(v, Mapping) else v for k, v in tables.items()}
        return {**raw, "samples": named}

    @field_validator("samples_by_name")
    @classmethod
    def _named_by_table(cls, samples: dict[str, Sample]) -> dict[str, Sample]:
        for key, sample in samples.items():
            if sample.name != key:
                raise ValueError(f"[samples.{key}] takes its name from the table: remove 'name'")
        return samples

    @model_validator(mode="after")
    def _dedx_cut_on_a_bin_edge(self) -> MinervaConfig:
        if not np.any(np.isclose(self.dedx.bin_edges, self.cuts.dedx_min)):
            raise ValueError(
                f"[cuts] dedx_min = {self.cuts.dedx_min} must be one of the [dedx] bin_edges "
                f"{self.dedx.bin_edges.tolist()} so that the photon-like region is a set of "
                "whole bins"
            )
        return self

    @property
    def samples(self) -> tuple[Sample, ...]:
        """The samples in the order of the file."""
        return tuple(self.samples_by_name.values())

    @property
    def sample_names(self) -> tuple[str, ...]:
        """The samples' names in the order of the file."""
        return tuple(self.samples_by_name)

    def sample(self, name: str) -> Sample:
        """The sample called ``name``; a misspelt name raises with the valid ones."""
        if name in self.samples_by_name:
            return self.samples_by_name[name]
        close = difflib.get_close_matches(name, self.sample_names, n=1)
        hint = f" Did you mean {close[0]!r}?" if close else ""
        raise ConfigurationError(
            f"Unknown MINERvA sample {name!r}.{hint} Known samples: {', '.join(self.sample_names)}."
        )

    @property
    def samples_with_public_dedx(self) -> tuple[str, ...]:
        """Names of the samples whose dE/dx data and background are public."""
        return tuple(s.name for s in self.samples if s.has_public_dedx)


@functools.cache
def _default_config() -> MinervaConfig:
    text = resources.files(__package__).joinpath(_CONFIG_FILE).read_text(encoding="utf-8")
    return load_toml(text, MinervaConfig, source=f"neutrissimo/experiments/minerva/{_CONFIG_FILE}")


def load_config(path: str | Path | None = None) -> MinervaConfig:
    """Read a MINERvA configuration; ``None`` gives the packaged ``minerva-analysis.toml``.

    Raises:
        ConfigurationError: the file is missing, not UTF-8 or not valid TOML, a key is unknown
            (named, with the closest valid key) or missing, or a value has the wrong type or is
            out of range (named with the value). One line.
    """
    if path is None:
        return _default_config()
    return load_toml(Path(path), MinervaConfig)


def _config(config: MinervaConfig | None) -> MinervaConfig:
    return load_config() if config is None else config
