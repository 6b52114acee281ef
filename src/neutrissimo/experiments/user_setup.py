"""Your own experiment as data: one setup TOML, no Python code.

An experiment is a detector file, a flux and its normalisation, an exposure, upscattering
channels, a simple photon response and the proposal settings of the Monte Carlo. A file of
this form (the shipped example ``examples/microboone-setup.toml`` beside this module) is all
that ``neutrissimo simulate --setup FILE`` and ``neutrissimo sensitivity --setup FILE`` need::

    name = "MyExperiment"
    description = "free text: what the numbers are and where they come from"
    detector = "my-detector.toml"      # path relative to this file, or "miniboone" / "minerva"
    pot = 1e20                         # protons on target
    channels = ["coherent"]            # and/or "proton"
    form_factor = "fourier-bessel"     # nuclear form factor: fourier-bessel | woods-saxon
                                       #   (symmetrized Fermi) | helm | dipole

    [flux]                             # a shipped flux ...
    beam = "bnb"
    mode = "fhc"
    flavour = "numu"
    scale = 1.0                        # multiplies the flux (e.g. (L_ref / L)^2)
    note = "why the scale"
    # ... or a file of two columns, E [GeV] and dPhi/dE, relative to this file:
    # file = "my-flux.txt"
    # scale = 1e-4                     # its units -> nu / cm^2 / POT / GeV (here per m^2 -> cm^2)

    [response]                         # photons counted as signal
    efficiency = 1.0                   # flat efficiency
    energy_threshold_gev = 0.0         # photon energy threshold

    [injection]                        # the keys of setups.toml [*.injection]
    start_z = -50000.0
    ...

The fiducial volume is the detector file's ``[fiducial]`` table. Every problem raises
:class:`~neutrissimo.exceptions.ConfigurationError` (the detector file's own problems
:class:`~neutrissimo.exceptions.GeometryError`, flux files
:class:`~neutrissimo.exceptions.DataFileError`): one line naming the file, the table and the key,
as for the shipped setups.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Annotated

from pydantic import Field, PositiveFloat, model_validator

from neutrissimo.beams.flux import Flux, load_flux
from neutrissimo.beams.user_flux import read_flux_file, scaled_flux
from neutrissimo.detector.loader import available_detectors, load_detector, parse_detector
from neutrissimo.exceptions import ConfigurationError
from neutrissimo.experiments.setups import _InjectionTable
from neutrissimo.io.config import ConfigModel, Fraction, choice, load_toml
from neutrissimo.physics.form_factors import FORM_FACTOR_KINDS
from neutrissimo.simulation.setup import Setup

__all__ = [
    "EXAMPLE_SETUPS",
    "PhotonResponse",
    "UserSetup",
    "UserSetupFile",
    "load_user_setup",
]

#: Shipped example experiments: name -> file in ``examples/`` beside this module.
EXAMPLE_SETUPS: dict[str, str] = {"microboone": "microboone-setup.toml"}
_EXAMPLES = "examples"


class _FluxTable(ConfigModel):
    """``[flux]``: a shipped flux by name, or a two-column file; times ``scale``."""

    beam: str | None = None
    mode: str | None = None
    flavour: str | None = None
    file: str | None = None
    scale: PositiveFloat = 1.0
    note: str = ""

    @model_validator(mode="after")
    def _one_source(self) -> _FluxTable:
        named = (self.beam, self.mode, self.flavour)
        if self.file is None and None in named:
            raise ValueError("give either beam, mode and flavour (a shipped flux) or file")
        if self.file is not None and any(v is not None for v in named):
            raise ValueError("give either beam/mode/flavour or file, not both")
        return self


class _ResponseTable(ConfigModel):
    """``[response]``: flat efficiency and photon energy threshold (GeV)."""

    efficiency: Fraction = 1.0
    energy_threshold_gev: Annotated[float, Field(ge=0.0)] = 0.0


class UserSetupFile(ConfigModel):
    """The schema of a user setup TOML (module docstring)."""

    name: Annotated[str, Field(min_length=1)]
    description: str = ""
    detector: Annotated[str, Field(min_length=1)]
    pot: PositiveFloat
    channels: tuple[Annotated[str, choice(("coherent", "proton"))], ...] = Field(min_length=1)
    form_factor: Annotated[str, choice(FORM_FACTOR_KINDS)] = "fourier-bessel"
    flux: _FluxTable
    response: _ResponseTable = _ResponseTable()
    injection: _InjectionTable


@dataclass(frozen=True)
class PhotonResponse:
    """The simple response of a user experiment: a photon converting in the fiducial volume
    counts with probability ``efficiency`` if its energy exceeds ``energy_threshold_gev``."""

    efficiency: float = 1.0
    energy_threshold_gev: float = 0.0


@dataclass(frozen=True)
class UserSetup:
    """A loaded user experiment.

    Attributes:
        setup: the simulation setup (detector, flux, POT, channels, form factor, proposal).
        response: the photon response.
        description: the file's description.
        source: the file (path, or ``examples/<file>`` for a shipped example).
        sha256: hash of the file's text (part of a scan's provenance).
    """

    setup: Setup
    response: PhotonResponse
    description: str
    source: str
    sha256: str


def _locate(reference: str) -> tuple[Traversable | Path, str]:
    """The setup file of ``reference`` (an example name or a path) and its name in messages."""
    if reference.lower() in EXAMPLE_SETUPS:
        name = EXAMPLE_SETUPS[reference.lower()]
        resource = resources.files(__package__).joinpath(_EXAMPLES).joinpath(name)
        return resource, f"neutrissimo/experiments/{_EXAMPLES}/{name}"
    path = Path(reference).expanduser()
    if not path.is_file():
        raise ConfigurationError(
            f"Unknown setup {reference!r}: not a shipped example ({', '.join(EXAMPLE_SETUPS)}) "
            f"and no file at {str(path)!r}. Fix: pass an example name or a setup TOML path."
        )
    return path, str(path)


def _flux(table: _FluxTable, folder: Traversable | Path, source: str) -> Flux:
    if table.file is not None:
        path = Path(str(folder.joinpath(table.file)))
        return read_flux_file(path, normalisation=table.scale)
    try:
        flux = load_flux(str(table.beam), str(table.mode), str(table.flavour))
    except ConfigurationError as exc:
        raise ConfigurationError(f"{source}: [flux]: {exc}") from None
    return flux if table.scale == 1.0 else scaled_flux(flux, table.scale, table.note)


def load_user_setup(reference: str | os.PathLike[str]) -> UserSetup:
    """The experiment of a setup TOML (a path) or of a shipped example (``"microboone"``).

    Raises:
        ConfigurationError: unknown name, missing file, or an invalid setup (one line naming
            the file, the table, the key and the value).
        GeometryError: an invalid detector file.
        DataFileError: an invalid flux file.
    """
    located, source = _locate(str(reference))
    text = located.read_text(encoding="utf-8")
    spec = load_toml(text, UserSetupFile, source=source)
    folder: Traversable | Path = (
        located.parent
        if isinstance(located, Path)
        else resources.files(__package__).joinpath(_EXAMPLES)
    )
    if spec.detector.lower() in available_detectors():
        detector = load_detector(spec.detector)
    elif isinstance(folder, Path):
        detector = load_detector(folder / spec.detector)
    else:
        resource = folder.joinpath(spec.detector)
        if not resource.is_file():
            raise ConfigurationError(f"{source}: detector file {spec.detector!r} not found.")
        detector = parse_detector(
            resource.read_text(encoding="utf-8"),
            source=f"neutrissimo/experiments/{_EXAMPLES}/{spec.detector}",
        )
    setup = Setup(
        name=spec.name,
        detector=detector,
        flux=_flux(spec.flux, folder, source),
        pot=float(spec.pot),
        channels=tuple(spec.channels),
        injection=spec.injection.settings(),
        form_factor=spec.form_factor,
    )
    response = PhotonResponse(spec.response.efficiency, spec.response.energy_threshold_gev)
    digest = hashlib.sha256(text.encode()).hexdigest()
    return UserSetup(setup, response, spec.description, source, digest)
