"""neutrissimo: dipole-coupled heavy neutral leptons at accelerator neutrino experiments.

Reproduces Kamp et al., "Dipole-coupled neutrissimo explanations of the MiniBooNE excess
including constraints from MINERvA data" (arXiv:2206.07100). Units inside: GeV, cm, s.

Quick start::

    import numpy as np
    import neutrissimo as nt

    model = nt.DipoleModel(m_N=0.47, d_mu=1.25e-6)
    model.ctau                                    # cm
    carbon = nt.make_target("C12")
    nt.total_cross_section(carbon, np.array([1.0]), model.m_N, model.d_mu)   # cm^2
"""

from __future__ import annotations

from importlib.metadata import version

from neutrissimo.cross_section_tables import CrossSectionTable, tabulate
from neutrissimo.cross_sections import (
    Target,
    dsigma_dq2,
    dsigma_dy,
    flux_averaged_cross_section,
    make_target,
    total_cross_section,
)
from neutrissimo.decay import decay_photons, photon_asymmetry, sample_photon_cos
from neutrissimo.exceptions import (
    ConfigurationError,
    DataFileError,
    GeometryError,
    LowStatisticsWarning,
    NeutrissimoError,
    NeutrissimoWarning,
    PhysicsDomainError,
    UnknownNucleusError,
)
from neutrissimo.flux import Flux, available_fluxes, load_flux
from neutrissimo.form_factors import nuclear_form_factor, nucleon_form_factors
from neutrissimo.model import DipoleModel
from neutrissimo.nuclei import Nucleus, nucleus

__version__ = version("neutrissimo")

__all__ = [
    "ConfigurationError",
    "CrossSectionTable",
    "DataFileError",
    "DipoleModel",
    "Flux",
    "GeometryError",
    "LowStatisticsWarning",
    "NeutrissimoError",
    "NeutrissimoWarning",
    "Nucleus",
    "PhysicsDomainError",
    "Target",
    "UnknownNucleusError",
    "__version__",
    "available_fluxes",
    "decay_photons",
    "dsigma_dq2",
    "dsigma_dy",
    "flux_averaged_cross_section",
    "load_flux",
    "make_target",
    "nuclear_form_factor",
    "nucleon_form_factors",
    "nucleus",
    "photon_asymmetry",
    "sample_photon_cos",
    "tabulate",
    "total_cross_section",
]
