"""The physics of the dipole portal, from the paper: constants and units, the model
(:class:`~neutrissimo.physics.model.DipoleModel`), kinematics, nuclei, nuclear and nucleon form
factors, upscattering cross sections per helicity and the N -> nu gamma decay.
"""

__all__ = ["constants", "cross_sections", "decay", "form_factors", "kinematics", "model", "nuclei"]
