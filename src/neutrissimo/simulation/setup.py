"""What the simulation of one experiment needs (:class:`Setup`) and the scattering species of
its materials (:func:`species_of`)."""

from __future__ import annotations

from dataclasses import dataclass

from neutrissimo.beams.flux import Flux
from neutrissimo.detector.geometry import Detector
from neutrissimo.exceptions import ConfigurationError
from neutrissimo.physics.cross_sections import Target, make_target
from neutrissimo.physics.nuclei import nucleus
from neutrissimo.simulation.proposals import InjectionSettings

__all__ = ["Setup", "Species", "species_of"]


@dataclass(frozen=True)
class Setup:
    """Everything the simulation of one experiment needs.

    Attributes:
        name: e.g. ``"miniboone"``.
        detector: the geometry.
        flux: the neutrino flux (nu / cm^2 / POT / GeV) upscattering through d_mu.
        pot: exposure (protons on target).
        channels: ``("coherent",)`` or ``("coherent", "proton")`` (proton-elastic on free and
            bound protons, as DarkNews counts them: Z per nucleus, no Pauli blocking).
        injection: the proposal settings.
        form_factor: nuclear form factor of the coherent channel.
    """

    name: str
    detector: Detector
    flux: Flux
    pot: float
    channels: tuple[str, ...]
    injection: InjectionSettings
    form_factor: str = "fourier-bessel"


@dataclass(frozen=True)
class Species:
    """A scattering species: a target and how many of it each nucleus of ``nucleus`` carries."""

    target: Target
    nucleus: str
    multiplicity: float


def species_of(setup: Setup) -> list[Species]:
    """The scattering species of the setup's materials: coherent scattering on each nucleus
    (except hydrogen), and, if the proton channel is on, elastic scattering on its Z protons."""
    species = []
    for name in setup.detector.nuclei:
        nuc = nucleus(name)
        if "coherent" in setup.channels and nuc.A > 1:
            target = make_target(name, setup.form_factor)
            species.append(Species(target, name, 1.0))
        if "proton" in setup.channels:
            species.append(Species(make_target("proton"), name, float(nuc.Z)))
    unknown = set(setup.channels) - {"coherent", "proton"}
    if unknown:
        raise ConfigurationError(
            f"Unknown upscattering channels {sorted(unknown)}; use 'coherent', 'proton'."
        )
    return species
