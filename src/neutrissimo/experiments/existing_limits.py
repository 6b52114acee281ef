"""Other constraints in the (m_N, d_mu) plane, converted to GeV and GeV^-1 (paper Sec. VI).

The digitized curves of ``existing_limits/`` (data/PROVENANCE.md sec. 6) come in mixed units;
every conversion is applied here, once, and returns m_N in GeV and d in GeV^-1:

============  ==========================  ===========================  =====================
name          file units                   conversion                   excluded region
============  ==========================  ===========================  =====================
nomad         m MeV, d GeV^-1              m x 1e-3; d x sqrt(2)        above the curve
charm_ii      m GeV, "Bohr-magneton" units d x 93.4376                  above the curve
sn1987a       m MeV, d GeV^-1              m x 1e-3                     BELOW the curve
borexino      m GeV, d MeV^-1              d x 1e3                      above/left of curve
super_k       m GeV, d MeV^-1              d x 1e3; two branches        inside (closed)
lsnd          m MeV, d GeV^-1              m x 1e-3                     above the curve
icecube       m GeV, as charm_ii           d x 93.4376                  inside (projection)
t2k_nd280     m MeV, d GeV^-1              m x 1e-3; drop (0, 0) row    above (post-dates)
============  ==========================  ===========================  =====================

Choices:

* NOMAD x sqrt(2): the paper (Sec. VI) rescales the NOMAD recast of Magill et al.
  (arXiv:1803.03262) by an overall sqrt(2) "to reflect the decay rate we derived in eq. (5)";
  both later plotting codes of the same group multiply d by sqrt(2).
* CHARM-II x 93.4376: the file's couplings (~3e-9 at low mass) are in magnetic-moment units
  of the original recast (Coloma et al., ref. [71] of the paper). The plotting code of the
  same authors (T2K dipole study, github.com/mingshauliu/Dipole-HNL-T2K,
  ``bohr_magneton = 93.4376``) converts with 93.4376 GeV^-1 per unit; that is what the
  paper's figures show, so it is used here. A derivation-based alternative,
  e^2/(2 m_e) = 89.7 GeV^-1 (MINT code), is 4% lower -- below the digitization accuracy of
  the plot. ``IceCube.txt`` has the same magnitudes and mass column as ``CHARM.txt`` and is
  taken to come from the same reference in the same units (a projection, not a limit; the
  paper quotes d ~ 1e-7 GeV^-1 below 1 GeV for it, consistent with this reading; unverified).
* Borexino and Super-K (Plestid; Gustafson, Plestid, Shoemaker) are in GeV and MeV^-1: x1e3
  on the coupling. The Super-K file is a closed region stored as two branches: the first 20
  points (lower edge, ordered by mass) and the rest (ordered here by coupling, which walks the
  upper edge back to the start), as in the authors' plotting code.
* Rows with a non-positive entry are dropped (the T2K file ends with a spurious "0 0").
* ``NOMAD_BOTTOM.txt`` (a single point of unclear meaning) is not used.

Which curves the paper draws: Figs. 10-12 show NOMAD and CHARM-II; Fig. 10 (d_tau = 0) also
Super-K, Borexino and SN1987A, which "no longer apply" for nonzero d_tau (Sec. VI) because the
HNL is then too short-lived (:func:`paper_existing_limits`).

The published MINERvA ME RHC limit curves (for comparison with ours) are loaded by
:func:`load_published_minerva_limit`: the exact curve of the Heavy-Neutrino-Limits compilation
(30% background uncertainty, 95% CL, d_tau = 0) and two digitizations.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from neutrissimo.exceptions import ConfigurationError, DataFileError
from neutrissimo.io.data import load_table

__all__ = [
    "CHARM_UNIT_IN_INV_GEV",
    "EXISTING_LIMITS",
    "NOMAD_RESCALING",
    "PUBLISHED_MINERVA_LIMITS",
    "ExistingLimit",
    "LimitSource",
    "load_existing_limit",
    "load_published_minerva_limit",
    "paper_existing_limits",
]

Excludes = Literal["above", "below", "inside"]

#: Paper Sec. VI: NOMAD couplings x sqrt(2) for the decay rate of eq. (5).
NOMAD_RESCALING: float = math.sqrt(2.0)
#: GeV^-1 per unit of the CHARM-II (and IceCube) files; the authors' plotting constant.
CHARM_UNIT_IN_INV_GEV: float = 93.4376
_PER_MEV_TO_PER_GEV = 1e3
_MEV_TO_GEV = 1e-3


@dataclass(frozen=True)
class LimitSource:
    """Where a curve lives and how to convert it.

    Attributes:
        name, label: key and plot label.
        file: path in the data registry.
        mass_to_gev, coupling_to_inv_gev: factors applied to the two columns.
        excludes: ``"above"``, ``"below"`` or ``"inside"`` (closed region) the curve.
        reference, note: provenance and caveats.
        applies_with_dtau: whether it still applies when d_tau != 0 (paper Sec. VI).
        projection: a future sensitivity rather than a limit.
        branch_split: for a closed region stored as two branches: the first ``branch_split``
            points are sorted by mass, the rest by coupling.
    """

    name: str
    label: str
    file: str
    mass_to_gev: float
    coupling_to_inv_gev: float
    excludes: Excludes
    reference: str
    note: str = ""
    applies_with_dtau: bool = True
    projection: bool = False
    branch_split: int | None = None


@dataclass(frozen=True, eq=False)
class ExistingLimit:
    """A converted curve: m_N in GeV, d in GeV^-1, and which side is excluded."""

    name: str
    label: str
    m_N: NDArray[np.float64]
    d: NDArray[np.float64]
    excludes: Excludes
    reference: str
    note: str
    applies_with_dtau: bool
    projection: bool


_DIR = "existing_limits/"
_MAGILL = "Magill, Plestid, Pospelov, Tsai, PRD 98, 115015 (2018), arXiv:1803.03262"

EXISTING_LIMITS: Mapping[str, LimitSource] = MappingProxyType(
    {
        "nomad": LimitSource(
            "nomad",
            "NOMAD",
            _DIR + "NOMAD.txt",
            _MEV_TO_GEV,
            NOMAD_RESCALING,
            "above",
            f"NOMAD single photon (PLB 706, 268 (2012)) recast in {_MAGILL}",
            "x sqrt(2) as in the paper, Sec. VI",
        ),
        "charm_ii": LimitSource(
            "charm_ii",
            "CHARM-II",
            _DIR + "CHARM.txt",
            1.0,
            CHARM_UNIT_IN_INV_GEV,
            "above",
            "CHARM-II nu-e scattering, as derived in ref. [71] of the paper",
            "x 93.4376 GeV^-1 (authors' plotting constant); e^2/(2 m_e) = 89.7 would be 4% lower",
        ),
        "sn1987a": LimitSource(
            "sn1987a",
            "SN1987A",
            _DIR + "SN1987A.txt",
            _MEV_TO_GEV,
            1.0,
            "below",
            f"SN1987A cooling, {_MAGILL}",
            "excludes couplings below the curve (HNLs escaping the supernova)",
            applies_with_dtau=False,
        ),
        "borexino": LimitSource(
            "borexino",
            "Borexino",
            _DIR + "Plestid_borexino.dat",
            1.0,
            _PER_MEV_TO_PER_GEV,
            "above",
            "R. Plestid, PRD 104, 075027 (2021), arXiv:2010.04193",
            "right edge of the excluded region: excluded above and to the left",
            applies_with_dtau=False,
        ),
        "super_k": LimitSource(
            "super_k",
            "Super-K",
            _DIR + "Gustafson_SK.dat",
            1.0,
            _PER_MEV_TO_PER_GEV,
            "inside",
            "Gustafson, Plestid, Shoemaker, arXiv:2205.02234",
            "closed region, two branches (first 20 points by mass, the rest by coupling)",
            applies_with_dtau=False,
            branch_split=20,
        ),
        "lsnd": LimitSource(
            "lsnd",
            "LSND",
            _DIR + "LSND.txt",
            _MEV_TO_GEV,
            1.0,
            "above",
            f"LSND nu-e scattering, {_MAGILL}",
            "not drawn in the paper (less sensitive than CHARM-II, Sec. VI)",
        ),
        "icecube": LimitSource(
            "icecube",
            "IceCube (proj.)",
            _DIR + "IceCube.txt",
            1.0,
            CHARM_UNIT_IN_INV_GEV,
            "inside",
            "IceCube double-bang sensitivity, presumably ref. [71] of the paper",
            "projection; units inferred from CHARM.txt (same source), unverified",
            projection=True,
        ),
        "t2k_nd280": LimitSource(
            "t2k_nd280",
            "T2K ND280",
            _DIR + "later_results/T2K_ND280_2019_recast_Liu2024.txt",
            _MEV_TO_GEV,
            1.0,
            "above",
            "Liu, Kamp, Arguelles, arXiv:2412.15051 (post-dates the paper)",
            "95% CL; the spurious final (0, 0) row is dropped",
        ),
    }
)

_RHC = "minerva_nue/ME_RHC_Zazueta2023/published_limit_curves/"
PUBLISHED_MINERVA_LIMITS: Mapping[str, LimitSource] = MappingProxyType(
    {
        "me_rhc_nominal": LimitSource(
            "me_rhc_nominal",
            "MINERvA ME RHC (published)",
            _RHC + "HNLimits_exact/MINERvA_RHC_nominal_d_tauN_0.dat",
            _MEV_TO_GEV,
            1.0,
            "above",
            "Kamp et al. arXiv:2206.07100 Fig. 10, as tabulated in Heavy-Neutrino-Limits",
            "exact curve: 30% background uncertainty, 95% CL, d_tau = 0",
        ),
        "me_rhc_digitized": LimitSource(
            "me_rhc_digitized",
            "MINERvA ME RHC (digitized)",
            _RHC + "T2Krepo_digitized/MINERvA.txt",
            _MEV_TO_GEV,
            1.0,
            "above",
            "Kamp et al. arXiv:2206.07100 Fig. 10, digitized (T2K dipole study)",
            "digitization of the d_tau = 0 nominal curve",
        ),
        "me_rhc_dtau_digitized": LimitSource(
            "me_rhc_dtau_digitized",
            "MINERvA ME RHC, d_tau != 0 (digitized)",
            _RHC + "T2Krepo_digitized/MINERvA_dtau.txt",
            _MEV_TO_GEV,
            1.0,
            "above",
            "Kamp et al. arXiv:2206.07100 Fig. 11 or 12, digitized (T2K dipole study)",
            "which nonzero-d_tau case (Fig. 11 or 12) is not documented",
        ),
    }
)


def _load(source: LimitSource) -> ExistingLimit:
    table = load_table(source.file)
    if table.shape[1] < 2:
        raise DataFileError(f"Limit file '{source.file}' needs two columns (mass, coupling).")
    table = table[np.all(table[:, :2] > 0, axis=1), :2]
    if source.branch_split is not None:
        k = source.branch_split
        first = table[:k][np.argsort(table[:k, 0], kind="stable")]
        rest = table[k:][np.argsort(table[k:, 1], kind="stable")]
        table = np.concatenate([first, rest])
    return ExistingLimit(
        name=source.name,
        label=source.label,
        m_N=table[:, 0] * source.mass_to_gev,
        d=table[:, 1] * source.coupling_to_inv_gev,
        excludes=source.excludes,
        reference=source.reference,
        note=source.note,
        applies_with_dtau=source.applies_with_dtau,
        projection=source.projection,
    )


def _lookup(name: str, table: Mapping[str, LimitSource], what: str) -> LimitSource:
    if name not in table:
        raise ConfigurationError(f"Unknown {what} {name!r}; known: {', '.join(sorted(table))}.")
    return table[name]


def load_existing_limit(name: str) -> ExistingLimit:
    """One of :data:`EXISTING_LIMITS`, converted to (m_N [GeV], d [GeV^-1])."""
    return _load(_lookup(name, EXISTING_LIMITS, "existing limit"))


def load_published_minerva_limit(name: str = "me_rhc_nominal") -> ExistingLimit:
    """A published MINERvA ME RHC limit curve of the paper (:data:`PUBLISHED_MINERVA_LIMITS`)."""
    return _load(_lookup(name, PUBLISHED_MINERVA_LIMITS, "published MINERvA limit"))


def paper_existing_limits(*, d_tau_nonzero: bool = False) -> tuple[ExistingLimit, ...]:
    """The other limits drawn in the paper: Fig. 10 (d_tau = 0) or Figs. 11-12 (d_tau != 0).

    Super-K, Borexino and SN1987A need a long-lived HNL and are dropped for d_tau != 0
    (Sec. VI).
    """
    names = ("nomad", "charm_ii", "super_k", "borexino", "sn1987a")
    limits = tuple(load_existing_limit(name) for name in names)
    return tuple(lim for lim in limits if lim.applies_with_dtau or not d_tau_nonzero)
