"""MiniBooNE predictions and data as ``hist.Hist`` (``Weight()`` storage): E_QE and cos(theta).

:func:`prediction_hists` runs the MiniBooNE response (:func:`~neutrissimo.experiments.miniboone.
response.detector_response`) on a simulated sample's photons and histograms the reconstructed
showers in the binnings of the 2020 release (paper Sec. IV.A): E_QE in the official 11 bins
(GeV) and cos(theta) in 20 bins for 200 < E_QE < 1250 MeV. Contents are expected events at the
sample's POT for the chosen couplings (exact reweighting); ``sum w^2`` per bin is their Monte
Carlo variance. :func:`release_hists` gives the observed counts (``sum w^2`` = counts) and the
release's background predictions (no Monte Carlo error: ``sum w^2`` = 0) in the same binnings.
A scan point's arrays (``MiniBooNEPoint.eqe[k]``, ``eqe_w2[k]``) convert with
:func:`neutrissimo.statistics.hists.weighted_hist`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from neutrissimo.experiments.miniboone.config import MiniBooNEConfig, _config
from neutrissimo.experiments.miniboone.reconstruction import histogram_cos_theta, histogram_eqe
from neutrissimo.experiments.miniboone.release import load_cos_theta_data, load_numode_release
from neutrissimo.experiments.miniboone.response import detector_response
from neutrissimo.physics.model import DipoleModel
from neutrissimo.simulation.events import Events
from neutrissimo.statistics.hists import counts_hist, to_hist, weighted_hist

if TYPE_CHECKING:
    import hist

__all__ = ["COS_LABEL", "EQE_LABEL", "prediction_hists", "release_hists"]

EQE_LABEL = r"$E_\nu^{\rm QE}$ [GeV]"
COS_LABEL = r"$\cos\theta$"


def prediction_hists(
    events: Events,
    rng: np.random.Generator,
    model: DipoleModel | None = None,
    config: MiniBooNEConfig | None = None,
) -> tuple[hist.Hist[Any], hist.Hist[Any]]:
    """(E_QE, cos(theta)) predictions of a MiniBooNE sample at ``model``'s couplings.

    Args:
        events: a sample of the ``miniboone`` setup.
        rng: random generator of the detector smearing.
        model: couplings of the weights (default: the sample's model).
        config: MiniBooNE configuration (default: the packaged TOML).

    Returns:
        Two 1-D ``hist.Hist`` with ``Weight()`` storage: axis ``eqe`` (GeV) and axis ``cos``.
    """
    cfg = _config(config)
    kept = events.select(events["weight_production"] > 0)
    reco = detector_response(kept["photon_energy"], kept["photon_direction"], rng, cfg)
    weights = kept.weights(model)
    return (
        to_hist(histogram_eqe(reco, weights, cfg), name="eqe", label=EQE_LABEL),
        to_hist(histogram_cos_theta(reco, weights, cfg), name="cos", label=COS_LABEL),
    )


def release_hists() -> dict[str, hist.Hist[Any]]:
    """The 2020 release as histograms: ``eqe_data``, ``eqe_background`` (unconstrained
    prediction, 18.75e20 POT), ``cos_data``, ``cos_background`` (digitized)."""
    release = load_numode_release()
    cos = load_cos_theta_data()
    edges = release.eqe_edges_gev
    return {
        "eqe_data": counts_hist(edges, release.nue_data, name="eqe", label=EQE_LABEL),
        "eqe_background": weighted_hist(edges, release.nue_background, name="eqe", label=EQE_LABEL),
        "cos_data": counts_hist(cos.edges, cos.data, name="cos", label=COS_LABEL),
        "cos_background": weighted_hist(cos.edges, cos.background, name="cos", label=COS_LABEL),
    }
