"""Named simulation setups: ``miniboone`` and ``minerva-{le-fhc,me-fhc,me-rhc}``.

A setup joins a detector geometry (:mod:`neutrissimo.detector.loader`), a flux
(:func:`neutrissimo.beams.flux.load_flux`), the exposure, the upscattering channels and the proposal
settings of the Monte Carlo (``simulation.toml`` beside this module). POT and the MINERvA fluxes
are read from the analysis configs, so each number lives in one file.
"""

from __future__ import annotations

import dataclasses
import functools
import typing
from importlib import resources
from typing import Any

from pydantic import Field, PositiveFloat, create_model, model_validator

from neutrissimo.beams.flux import load_flux
from neutrissimo.detector.loader import load_detector
from neutrissimo.detector.shapes import Sphere
from neutrissimo.exceptions import ConfigurationError
from neutrissimo.experiments import minerva, miniboone
from neutrissimo.io.config import ConfigModel, load_toml
from neutrissimo.simulation.injection import InjectionSettings
from neutrissimo.simulation.setup import Setup

__all__ = ["SETUP_NAMES", "load_setup"]

SETUP_NAMES: tuple[str, ...] = ("miniboone", "minerva-le-fhc", "minerva-me-fhc", "minerva-me-rhc")
_FILE = "setups.toml"
_SOURCE = f"neutrissimo/experiments/{_FILE}"


class _SphereTable(ConfigModel):
    """``{ center = [x, y, z], radius = r }`` in cm."""

    center: tuple[float, float, float]
    radius: PositiveFloat


class _InjectionBase(ConfigModel):
    """An ``[*.injection]`` table; its keys are the fields of :class:`InjectionSettings`."""

    def settings(self) -> InjectionSettings:
        """The :class:`InjectionSettings` of this table."""
        values = {f.name: getattr(self, f.name) for f in dataclasses.fields(InjectionSettings)}
        region = values["decay_region"]
        values["decay_region"] = Sphere(region.center, region.radius)
        return InjectionSettings(**values)

    @model_validator(mode="after")
    def _consistent(self) -> _InjectionBase:
        try:
            self.settings()
        except ConfigurationError as exc:
            raise ValueError(str(exc)) from None
        return self


def _injection_model() -> type[_InjectionBase]:
    """The schema of an ``[*.injection]`` table, derived from the fields of
    :class:`InjectionSettings` (required where the dataclass has no default; its checks run on
    the table; a sphere is an inline table ``{ center, radius }``)."""
    hints = typing.get_type_hints(InjectionSettings)
    fields: dict[str, Any] = {}
    for field in dataclasses.fields(InjectionSettings):
        kind = _SphereTable if hints[field.name] is Sphere else hints[field.name]
        default = ... if field.default is dataclasses.MISSING else field.default
        fields[field.name] = (kind, default)
    return create_model("InjectionTable", __base__=_InjectionBase, **fields)


if typing.TYPE_CHECKING:  # the generated model is an _InjectionBase
    _InjectionTable = _InjectionBase
else:
    _InjectionTable = _injection_model()


class _Flux(ConfigModel):
    """Flux selection by name (:func:`neutrissimo.beams.flux.load_flux`)."""

    beam: str
    mode: str
    flavour: str


class _SetupTable(ConfigModel):
    """``[miniboone]`` / ``[minerva]``: detector, flux (MiniBooNE only; MINERvA's comes from
    the analysis samples), upscattering channels and proposal settings."""

    detector: str
    flux: _Flux | None = None
    channels: tuple[str, ...] = Field(min_length=1)
    injection: _InjectionTable


class SetupsFile(ConfigModel):
    """The schema of ``setups.toml``."""

    miniboone: _SetupTable
    minerva: _SetupTable


@functools.cache
def _setups() -> SetupsFile:
    text = resources.files(__package__).joinpath(_FILE).read_text(encoding="utf-8")
    return load_toml(text, SetupsFile, source=_SOURCE)


@functools.cache
def load_setup(name: str) -> Setup:
    """The simulation setup called ``name`` (one of :data:`SETUP_NAMES`).

    Raises:
        ConfigurationError: an unknown name (the message lists the valid ones), or an invalid
            ``setups.toml`` (one line naming the table, the key and the value).
    """
    config = _setups()
    if name == "miniboone":
        section = config.miniboone
        if section.flux is None:
            raise ConfigurationError(f"{_SOURCE}: [miniboone]: missing key 'flux'.")
        flux = load_flux(section.flux.beam, section.flux.mode, section.flux.flavour)
        pot = miniboone.load_config().pot
    elif name.startswith("minerva-") and name in SETUP_NAMES:
        section = config.minerva
        sample = minerva.load_config().sample(name.removeprefix("minerva-").replace("-", "_"))
        flux = load_flux(sample.beam, sample.mode, sample.flavour)
        pot = sample.pot
    else:
        raise ConfigurationError(
            f"Unknown experiment {name!r}; choose one of {', '.join(SETUP_NAMES)}."
        )
    return Setup(
        name=name,
        detector=load_detector(section.detector),
        flux=flux,
        pot=float(pot),
        channels=section.channels,
        injection=section.injection.settings(),
    )
