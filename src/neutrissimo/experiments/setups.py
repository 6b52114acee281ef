"""Named simulation setups: ``miniboone`` and ``minerva-{le-fhc,me-fhc,me-rhc}``.

A setup joins a detector geometry (:mod:`neutrissimo.detectors`), a flux
(:func:`neutrissimo.flux.load_flux`), the exposure, the upscattering channels and the proposal
settings of the Monte Carlo (``simulation.toml`` beside this module). POT and the MINERvA fluxes
are read from the analysis configs, so each number lives in one file.
"""

from __future__ import annotations

import functools
import tomllib
from importlib import resources
from typing import Any

from neutrissimo.detectors import load_detector
from neutrissimo.exceptions import ConfigurationError
from neutrissimo.experiments import minerva, miniboone
from neutrissimo.flux import load_flux
from neutrissimo.injection import InjectionSettings, Setup
from neutrissimo.shapes import Sphere

__all__ = ["SETUP_NAMES", "load_setup"]

SETUP_NAMES: tuple[str, ...] = ("miniboone", "minerva-le-fhc", "minerva-me-fhc", "minerva-me-rhc")
_INJECTION_KEYS = {
    "start_z",
    "inner_radius",
    "outer_radius",
    "near_z",
    "reference_z",
    "log_min",
    "log_max",
    "decay_region",
}
#: Proposal settings a [*.injection] table may give (defaults: InjectionSettings).
_OPTIONAL_KEYS = {
    "proposal",
    "couplings",
    "ray_shares",
    "middle_radius",
    "vertex_shares",
    "decay_uniform_share",
    "decay_lengths_per_decade",
    "decay_shares",
    "flux_share",
    "azimuth_uniform_share",
    "photon_focus_share",
    "photon_target_radius",
    "pilot_events",
    "pilot_rounds",
    "share_floor",
}


@functools.cache
def _simulation_config() -> dict[str, Any]:
    text = resources.files(__package__).joinpath("simulation.toml").read_text()
    return tomllib.loads(text)


def _injection(table: dict[str, Any], where: str) -> InjectionSettings:
    unknown = set(table) - _INJECTION_KEYS - _OPTIONAL_KEYS
    missing = _INJECTION_KEYS - set(table)
    if unknown or missing:
        raise ConfigurationError(
            f"simulation.toml [{where}.injection]: unknown keys {sorted(unknown)}, missing keys "
            f"{sorted(missing)}."
        )
    region = table["decay_region"]
    values = {k: v for k, v in table.items() if k != "decay_region"}
    for key, value in values.items():
        if isinstance(value, list):
            values[key] = tuple(float(v) for v in value)
    return InjectionSettings(
        **values, decay_region=Sphere(tuple(region["center"]), float(region["radius"]))
    )


@functools.cache
def load_setup(name: str) -> Setup:
    """The simulation setup called ``name`` (one of :data:`SETUP_NAMES`).

    Raises:
        ConfigurationError: an unknown name (the message lists the valid ones).
    """
    config = _simulation_config()
    if name == "miniboone":
        section = config["miniboone"]
        flux = load_flux(**section["flux"])
        pot = miniboone.load_config().pot
    elif name.startswith("minerva-") and name in SETUP_NAMES:
        section = config["minerva"]
        sample = minerva.load_config().sample(name.removeprefix("minerva-").replace("-", "_"))
        flux = load_flux(sample.beam, sample.mode, sample.flavour)
        pot = sample.pot
    else:
        raise ConfigurationError(
            f"Unknown experiment {name!r}; choose one of {', '.join(SETUP_NAMES)}."
        )
    return Setup(
        name=name,
        detector=load_detector(section["detector"]),
        flux=flux,
        pot=float(pot),
        channels=tuple(section["channels"]),
        injection=_injection(section["injection"], section["detector"]),
    )
