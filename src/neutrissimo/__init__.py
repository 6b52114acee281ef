"""neutrissimo: dipole-coupled heavy neutral leptons at accelerator neutrino experiments.

Reproduces Kamp et al., "Dipole-coupled neutrissimo explanations of the MiniBooNE excess
including constraints from MINERvA data" (arXiv:2206.07100). Units inside: GeV, cm, s.

Quick start::

    import numpy as np
    import neutrissimo as nt

    model = nt.DipoleModel(m_N=0.47, d_mu=1.25e-6)
    model.ctau                                                   # cm
    nt.total_cross_section(nt.make_target("C12"), np.array([1.0]), model.m_N, model.d_mu)
    events = nt.generate(nt.load_setup("miniboone"), model, 100_000, np.random.default_rng(1))
    events.summary(model.with_couplings(d_mu=3e-7))              # exact reweighting
"""

from __future__ import annotations

from importlib.metadata import version

from neutrissimo.analyses.scan import ScanTask, run_scan
from neutrissimo.beams.flux import Flux, available_fluxes, load_flux
from neutrissimo.detector.geometry import Detector, Volume
from neutrissimo.detector.loader import available_detectors, load_detector
from neutrissimo.detector.materials import Material
from neutrissimo.exceptions import (
    ConfigurationError,
    DataFileError,
    GeometryError,
    NeutrissimoError,
    PhysicsDomainError,
    UnknownNucleusError,
)
from neutrissimo.experiments.minerva.spectra import dedx_hists as minerva_dedx_hists
from neutrissimo.experiments.miniboone.likelihood import (
    MiniBooNECosThetaLikelihood,
    MiniBooNEEnergyLikelihood,
)
from neutrissimo.experiments.miniboone.oscillations import AppearancePredictor
from neutrissimo.experiments.miniboone.spectra import prediction_hists as miniboone_hists
from neutrissimo.experiments.miniboone.spectra import release_hists as miniboone_release_hists
from neutrissimo.experiments.response import DetectorResponse, Reconstructed
from neutrissimo.experiments.setups import SETUP_NAMES, load_setup
from neutrissimo.physics.cross_sections import (
    Target,
    dsigma_dq2,
    dsigma_dy,
    flux_averaged_cross_section,
    make_target,
    total_cross_section,
)
from neutrissimo.physics.decay import decay_photons, photon_asymmetry, sample_photon_cos
from neutrissimo.physics.form_factors import nuclear_form_factor, nucleon_form_factors
from neutrissimo.physics.model import DipoleModel
from neutrissimo.physics.nuclei import Nucleus, nucleus
from neutrissimo.simulation.cross_section_tables import CrossSectionTable, tabulate
from neutrissimo.simulation.events import Events, WeightSummary, read_events
from neutrissimo.simulation.injection import InjectionSettings, generate
from neutrissimo.simulation.setup import Setup
from neutrissimo.statistics.contours import contour_paths
from neutrissimo.statistics.hists import from_hist, to_hist, weighted_hist
from neutrissimo.statistics.limits import coupling_limit, coupling_limits
from neutrissimo.statistics.profile import signal_upper_limit
from neutrissimo.statistics.wilks import delta_chi2_threshold

__version__ = version("neutrissimo")

__all__ = [
    "SETUP_NAMES",
    "AppearancePredictor",
    "ConfigurationError",
    "CrossSectionTable",
    "DataFileError",
    "Detector",
    "DetectorResponse",
    "DipoleModel",
    "Events",
    "Flux",
    "GeometryError",
    "InjectionSettings",
    "Material",
    "MiniBooNECosThetaLikelihood",
    "MiniBooNEEnergyLikelihood",
    "NeutrissimoError",
    "Nucleus",
    "PhysicsDomainError",
    "Reconstructed",
    "ScanTask",
    "Setup",
    "Target",
    "UnknownNucleusError",
    "Volume",
    "WeightSummary",
    "__version__",
    "available_detectors",
    "available_fluxes",
    "contour_paths",
    "coupling_limit",
    "coupling_limits",
    "decay_photons",
    "delta_chi2_threshold",
    "dsigma_dq2",
    "dsigma_dy",
    "flux_averaged_cross_section",
    "from_hist",
    "generate",
    "load_detector",
    "load_flux",
    "load_setup",
    "make_target",
    "minerva_dedx_hists",
    "miniboone_hists",
    "miniboone_release_hists",
    "nuclear_form_factor",
    "nucleon_form_factors",
    "nucleus",
    "photon_asymmetry",
    "read_events",
    "run_scan",
    "sample_photon_cos",
    "signal_upper_limit",
    "tabulate",
    "to_hist",
    "total_cross_section",
    "weighted_hist",
]
