"""The public surface of ``neutrissimo`` is pinned: removing or renaming a name is deliberate."""

from __future__ import annotations

import neutrissimo

PUBLIC = {
    "SETUP_NAMES",
    "AppearancePredictor",
    "ConfigurationError",
    "CrossSectionTable",
    "DataFileError",
    "DetectorResponse",
    "Detector",
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
}


def test_public_api_is_pinned():
    assert set(neutrissimo.__all__) == PUBLIC
    for name in PUBLIC:
        assert hasattr(neutrissimo, name), name


def test_every_error_is_a_neutrissimo_error():
    for name in (
        "ConfigurationError",
        "DataFileError",
        "GeometryError",
        "PhysicsDomainError",
        "UnknownNucleusError",
    ):
        assert issubclass(getattr(neutrissimo, name), neutrissimo.NeutrissimoError)
