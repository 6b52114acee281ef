"""Neutrino beams: fluxes per beam, mode and flavour (:mod:`.flux`) on exact spectra
(:mod:`.spectra`), with integrals and sampling.
"""

__all__ = ["flux", "spectra"]
