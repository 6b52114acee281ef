"""Fluxes of user-defined experiments: a shipped flux rescaled, or a two-column file.

A user experiment (:mod:`neutrissimo.experiments.user_setup`) names its flux either as a shipped
one (:func:`neutrissimo.beams.flux.load_flux`) times a stated normalisation factor -- e.g. the
BNB flux at MiniBooNE (541 m) moved to another baseline L by the point-source factor
(541 m / L)^2 -- or as a text file of two columns, E [GeV] and dPhi/dE, with the factor that
turns its units into nu / cm^2 / POT / GeV. The file is read as a piecewise-linear curve.
"""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

import numpy as np

from neutrissimo.beams.flux import Flux
from neutrissimo.beams.spectra import HistogramSpectrum, PiecewiseLinearSpectrum
from neutrissimo.exceptions import ConfigurationError, DataFileError

__all__ = ["read_flux_file", "scaled_flux"]


def scaled_flux(flux: Flux, factor: float, note: str = "") -> Flux:
    """``flux`` times ``factor`` (> 0), its name and source recording the factor and ``note``.

    Raises:
        ConfigurationError: a factor that is not a finite positive number.
    """
    if not (np.isfinite(factor) and factor > 0):
        raise ConfigurationError(f"Flux scale factor must be a finite number > 0; got {factor!r}.")
    spectrum = flux.spectrum
    scaled: HistogramSpectrum | PiecewiseLinearSpectrum
    if isinstance(spectrum, HistogramSpectrum):
        scaled = HistogramSpectrum(spectrum.edges, spectrum.density * factor)
    else:
        scaled = PiecewiseLinearSpectrum(spectrum.energies, spectrum.density * factor)
    why = f" ({note})" if note else ""
    return replace(
        flux,
        name=f"{flux.name} x {factor:.6g}",
        spectrum=scaled,
        source=f"{flux.source}; scaled by {factor:.6g}{why}",
    )


def read_flux_file(
    path: str | os.PathLike[str],
    *,
    normalisation: float,
    beam: str = "user",
    mode: str = "fhc",
    flavour: str = "numu",
) -> Flux:
    """A flux from a text file of two columns, E [GeV] and dPhi/dE (``#`` comments allowed),
    multiplied by ``normalisation`` to give nu / cm^2 / POT / GeV; piecewise linear in E.

    Raises:
        DataFileError: missing or unreadable file, not two numeric columns, energies not
            increasing, negative flux.
        ConfigurationError: a normalisation that is not a finite positive number.
    """
    file = Path(path)
    if not file.is_file():
        raise DataFileError(f"Flux file {str(file)!r}: no such file. Fix: check the path.")
    try:
        table = np.loadtxt(file, ndmin=2, comments="#")
    except ValueError as exc:
        raise DataFileError(f"Flux file {str(file)!r} is not a numeric table: {exc}") from None
    if table.shape[1] != 2 or table.shape[0] < 2:
        raise DataFileError(
            f"Flux file {str(file)!r} has shape {table.shape}; expected >= 2 rows of two "
            "columns, E [GeV] and dPhi/dE."
        )
    if not (np.isfinite(normalisation) and normalisation > 0):
        raise ConfigurationError(
            f"Flux normalisation must be a finite number > 0; got {normalisation!r}."
        )
    try:
        spectrum = PiecewiseLinearSpectrum(table[:, 0], table[:, 1] * normalisation)
    except ConfigurationError as exc:
        raise DataFileError(f"Flux file {str(file)!r} does not hold a valid flux: {exc}") from None
    return Flux(
        name=f"{file.name} x {normalisation:.6g}",
        beam=beam,
        mode=mode,
        flavour=flavour,
        spectrum=spectrum,
        source=f"{file} (two columns, times {normalisation:.6g}); piecewise linear",
    )
