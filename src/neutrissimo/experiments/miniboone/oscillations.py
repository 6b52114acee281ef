"""3+1 short-baseline nu_mu -> nu_e appearance prediction for MiniBooNE (neutrino mode).

Two-flavour appearance probability (e.g. PDG review "Neutrino mixing", Eq. for two flavours):

    P(nu_mu -> nu_e) = sin^2(2 theta_mue) * sin^2(1.26693 * dm^2[eV^2] * L[km] / E[GeV]),

where 1.26693 comes from dm^2 L/(4 E hbar c) with dm^2 in eV^2 = 1e-18 GeV^2, L in km = 1e5 cm
and hbar c in GeV cm.
L[km]/E[GeV] = L[m]/E[MeV]; here L arrives in cm and E in GeV (package units) and is converted.

The E_QE prediction uses the official full-transmutation ntuple of the 2020 release (17,204
events; :func:`neutrissimo.experiments.miniboone.release.load_fullosc_ntuple`): predicted events in
E_QE bin k at 18.75e20 POT are sum_{i in k} (w_i / 17204) P(E_true_i, L_i). Since P is linear in
sin^2 2theta, :class:`AppearancePredictor` precomputes per-event L/E and bin indices once and
evaluates sin^2 once per dm^2; a grid of 190 dm^2 values over all events takes ~0.1 s.

cos(theta): there is no angular ntuple in any release. We approximate the angular distribution
of oscillation nu_e events by the shape of the intrinsic beam-nu_e background of the 2020 paper
(digitized cos(theta) figure with radius cut, beam-nu_e stack layer; see
:class:`~neutrissimo.experiments.miniboone.release.CosThetaData`), normalised to the oscillation
prediction with 200 < E_QE < 1250 MeV. Intrinsic beam nu_e are CC nu_e events of similar
energies reconstructed by the same selection, so their electron angular distribution is the
closest available proxy; it ignores the (dm^2-dependent) energy dependence of the shape.

Named scenarios (:data:`SCENARIOS`): ``"global-no-mb"`` (dm^2 = 1.3 eV^2, sin^2 2theta =
6.9e-4, paper Sec. IV.C, ref. [23]), ``"mb-microboone"`` (0.2 eV^2, 0.03, ref. [40]),
``"none"`` (no oscillation).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike, NDArray

from neutrissimo.exceptions import ConfigurationError, PhysicsDomainError
from neutrissimo.experiments.miniboone.config import MiniBooNEConfig, load_config
from neutrissimo.experiments.miniboone.release import (
    FullOscNtuple,
    load_cos_theta_data,
    load_fullosc_ntuple,
)
from neutrissimo.physics.constants import HBARC_GEV_CM
from neutrissimo.statistics.histogram import bin_index

__all__ = [
    "OSC_PHASE_COEFF",
    "SCENARIOS",
    "AppearancePredictor",
    "OscillationScenario",
    "appearance_probability",
    "scenario",
]

#: 1.26693... = (1e-18 GeV^2/eV^2)(1e5 cm/km) / (4 hbar c [GeV cm]):
#: phase = coeff * dm2[eV^2] * L[km] / E[GeV].
OSC_PHASE_COEFF: float = 1e-18 * 1e5 / (4.0 * HBARC_GEV_CM)


@dataclass(frozen=True)
class OscillationScenario:
    """A 3+1 appearance hypothesis: dm^2 (eV^2), sin^2(2 theta_mue), and where it comes from."""

    name: str
    dm2_ev2: float
    sin2_2theta: float
    reference: str


#: The oscillation components used by the paper (Sec. IV.C).
SCENARIOS: dict[str, OscillationScenario] = {
    "global-no-mb": OscillationScenario(
        "global-no-mb",
        1.3,
        6.9e-4,
        "3+1 global fit without MiniBooNE, Vergani et al. PRD 104, 095005 (2021) [paper ref. 23]; "
        "paper Sec. IV.C",
    ),
    "mb-microboone": OscillationScenario(
        "mb-microboone",
        0.2,
        0.03,
        "MiniBooNE + MicroBooNE CCQE-like 3+1 fit, arXiv:2201.01724 [paper ref. 40]; "
        "paper Sec. IV.C",
    ),
    "none": OscillationScenario("none", 0.0, 0.0, "no oscillation"),
}


def scenario(name: str) -> OscillationScenario:
    """The named oscillation scenario; raises ConfigurationError listing the valid names."""
    try:
        return SCENARIOS[name]
    except KeyError:
        raise ConfigurationError(
            f"Unknown oscillation scenario {name!r}; choose one of {sorted(SCENARIOS)}."
        ) from None


def appearance_probability(
    e_true_gev: ArrayLike, baseline_cm: ArrayLike, dm2_ev2: float, sin2_2theta: float
) -> NDArray[np.float64]:
    """P(nu_mu -> nu_e) = sin^2 2theta sin^2(1.26693 dm^2 L[km]/E[GeV]) (two flavours).

    Raises:
        PhysicsDomainError: E <= 0, L < 0, dm^2 < 0 or sin^2 2theta outside [0, 1].
    """
    e = np.asarray(e_true_gev, dtype=float)
    length = np.asarray(baseline_cm, dtype=float)
    if np.any(e <= 0) or np.any(length < 0):
        raise PhysicsDomainError("Oscillation needs E_true > 0 (GeV) and L >= 0 (cm).")
    if dm2_ev2 < 0 or not 0.0 <= sin2_2theta <= 1.0:
        raise PhysicsDomainError(
            f"Need dm^2 >= 0 and 0 <= sin^2 2theta <= 1; got {dm2_ev2}, {sin2_2theta}."
        )
    phase = OSC_PHASE_COEFF * dm2_ev2 * (length * 1e-5) / e
    return sin2_2theta * np.sin(phase) ** 2


@dataclass(frozen=True)
class AppearancePredictor:
    """Fast E_QE and cos(theta) predictions of nu_mu -> nu_e appearance at MiniBooNE.

    Build with :meth:`from_release`. Only ntuple events inside the official E_QE range are kept;
    ``l_over_e`` is L[km]/E[GeV] per event.
    """

    eqe_edges_gev: NDArray[np.float64] = field(repr=False)
    bin_index: NDArray[np.intp] = field(repr=False)
    weight: NDArray[np.float64] = field(repr=False)
    l_over_e: NDArray[np.float64] = field(repr=False)
    cos_fraction_bins: NDArray[np.bool_] = field(repr=False)
    cos_template: NDArray[np.float64] = field(repr=False)

    @classmethod
    def from_release(
        cls, ntuple: FullOscNtuple | None = None, config: MiniBooNEConfig | None = None
    ) -> AppearancePredictor:
        """Predictor from the 2020 full-transmutation ntuple and the cos(theta) template."""
        cfg = load_config() if config is None else config
        nt = load_fullosc_ntuple() if ntuple is None else ntuple
        edges = cfg.eqe_edges_gev
        idx = bin_index(nt.eqe_gev, edges)
        keep = idx >= 0
        lo, hi = cfg.cos_eqe_window_gev
        window = (edges[:-1] >= lo - 1e-9) & (edges[1:] <= hi + 1e-9)
        template = load_cos_theta_data().beam_nue_template
        return cls(
            eqe_edges_gev=edges,
            bin_index=idx[keep],
            weight=nt.weight[keep],
            l_over_e=(nt.baseline_cm[keep] * 1e-5) / nt.etrue_gev[keep],
            cos_fraction_bins=window,
            cos_template=template / template.sum(),
        )

    @property
    def n_bins(self) -> int:
        """Number of E_QE bins."""
        return self.eqe_edges_gev.size - 1

    def full_transmutation(self) -> NDArray[np.float64]:
        """Events per E_QE bin for P = 1 (100% transmutation), 18.75e20 POT."""
        counts = np.bincount(self.bin_index, weights=self.weight, minlength=self.n_bins)
        return np.asarray(counts, dtype=np.float64)

    def eqe_unit_mixing(self, dm2_ev2: ArrayLike) -> NDArray[np.float64]:
        """Events per E_QE bin for sin^2 2theta = 1, for each dm^2: shape (*dm2.shape, n_bins).

        The prediction for any sin^2 2theta is this times sin^2 2theta (linear).
        """
        dm2 = np.asarray(dm2_ev2, dtype=float)
        if np.any(dm2 < 0):
            raise PhysicsDomainError("dm^2 must be >= 0.")
        flat = dm2.ravel()
        out = np.empty((flat.size, self.n_bins))
        for k, m in enumerate(flat):  # one pass over the events per dm^2 (~0.5 ms each)
            p = np.sin(OSC_PHASE_COEFF * m * self.l_over_e) ** 2
            out[k] = np.bincount(self.bin_index, weights=self.weight * p, minlength=self.n_bins)
        return out.reshape(*dm2.shape, self.n_bins)

    def eqe(self, dm2_ev2: float, sin2_2theta: float) -> NDArray[np.float64]:
        """Predicted nu_e appearance events per official E_QE bin (18.75e20 POT)."""
        if not 0.0 <= sin2_2theta <= 1.0:
            raise PhysicsDomainError(f"sin^2 2theta = {sin2_2theta} is outside [0, 1].")
        return sin2_2theta * self.eqe_unit_mixing(dm2_ev2)

    def cos_theta(self, dm2_ev2: float, sin2_2theta: float) -> NDArray[np.float64]:
        """Predicted events per cos(theta) bin (20 bins), template approximation (module doc).

        Normalised to the E_QE prediction summed over 200 < E_QE < 1250 MeV.
        """
        total = self.eqe(dm2_ev2, sin2_2theta)[self.cos_fraction_bins].sum()
        return total * self.cos_template

    def scenario_eqe(self, name: str) -> NDArray[np.float64]:
        """E_QE prediction of a named scenario (:data:`SCENARIOS`)."""
        s = scenario(name)
        return self.eqe(s.dm2_ev2, s.sin2_2theta)

    def scenario_cos_theta(self, name: str) -> NDArray[np.float64]:
        """cos(theta) prediction of a named scenario (:data:`SCENARIOS`)."""
        s = scenario(name)
        return self.cos_theta(s.dm2_ev2, s.sin2_2theta)
