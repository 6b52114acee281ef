"""MINERvA dE/dx spectra as ``hist.Hist`` (``Weight()`` storage): data, background and signal.

:func:`dedx_hists` gives a sample's dE/dx distributions before the dE/dx cut (paper Fig. 9) in
events per bin: the observed ``data`` (unit weights: ``sum w^2`` = counts), the digitized SM
``background`` (no Monte Carlo error stated: ``sum w^2`` = 0) and, from a simulated sample, the
HNL ``signal``: the weighted events passing cuts 1-3 after the MINERvA response, N_sel = sum w,
spread over the bins with the pi0 shape of :func:`~neutrissimo.experiments.minerva.likelihood.
dedx_signal_counts` (fraction f_b per bin), so that sum w = N_sel f_b and
sum w^2 = f_b^2 sum_i w_i^2 over the selected events.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from neutrissimo.exceptions import ConfigurationError
from neutrissimo.experiments.minerva.config import MinervaConfig, _config
from neutrissimo.experiments.minerva.likelihood import dedx_signal_counts
from neutrissimo.experiments.minerva.release import dedx_histogram
from neutrissimo.experiments.minerva.selection import analyse_events
from neutrissimo.physics.model import DipoleModel
from neutrissimo.simulation.events import Events
from neutrissimo.statistics.hists import counts_hist, weighted_hist

if TYPE_CHECKING:
    import hist

__all__ = ["DEDX_LABEL", "dedx_hists"]

DEDX_LABEL = "dE/dx [MeV/1.7cm]"


def dedx_hists(
    sample: str,
    events: Events | None = None,
    rng: np.random.Generator | None = None,
    model: DipoleModel | None = None,
    *,
    background: Literal["sm_total", "without_nue"] = "sm_total",
    config: MinervaConfig | None = None,
) -> dict[str, hist.Hist[Any]]:
    """dE/dx histograms of a MINERvA sample (axis ``dedx``, MeV/1.7cm).

    Args:
        sample: ``le_fhc``, ``me_fhc`` (public data and background) or ``me_rhc`` (signal only).
        events: a simulated sample of that sample's setup, for the ``signal`` histogram.
        rng: random generator of the detector response (required with ``events``).
        model: couplings of the signal weights (default: the sample's model).
        background: ``"sm_total"`` or ``"without_nue"`` (see
            :func:`~neutrissimo.experiments.minerva.release.dedx_histogram`).
        config: MINERvA configuration (default: the packaged TOML).

    Returns:
        ``{"data", "background"}`` for samples with public histograms, plus ``"signal"`` when
        ``events`` are given.

    Raises:
        ConfigurationError: ``events`` without ``rng``, or an unknown sample.
    """
    cfg = _config(config)
    edges = cfg.dedx.bin_edges
    out: dict[str, hist.Hist[Any]] = {}
    if sample in cfg.samples_with_public_dedx:
        release = dedx_histogram(sample, background=background, config=cfg)
        out["data"] = counts_hist(edges, release.data, name="dedx", label=DEDX_LABEL)
        out["background"] = weighted_hist(edges, release.background, name="dedx", label=DEDX_LABEL)
    else:
        cfg.sample(sample)  # validates the name
    if events is not None:
        if rng is None:
            raise ConfigurationError("dedx_hists needs rng= (detector smearing) with events=.")
        kept = events.select(events["weight_production"] > 0)
        weights = kept.weights(model)
        reco, selection = analyse_events(
            kept["photon_energy"], kept["photon_direction"], weights, sample, rng, config=cfg
        )
        selected = (weights * reco.efficiency)[selection.passed]
        fraction = dedx_signal_counts(1.0, sample, config=cfg)
        out["signal"] = weighted_hist(
            edges,
            fraction * selected.sum(),
            fraction**2 * np.sum(selected**2),
            name="dedx",
            label=DEDX_LABEL,
        )
    return out
