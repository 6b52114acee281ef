"""Physical constants, particle masses and unit conversions.

Internal units are GeV (energy, momentum, mass), cm (length) and s (time); cross sections are
returned in cm^2. Everything else is converted at the edges with the factors below.
Values: CODATA 2018 and PDG 2022 (R.L. Workman et al., PTEP 2022, 083C01).
"""

from __future__ import annotations

import math

__all__ = [
    "ALPHA_EM",
    "AMU_GEV",
    "AVOGADRO",
    "C_CM_PER_S",
    "FM_IN_INV_GEV",
    "GEV2_TO_CM2",
    "HBARC_GEV_CM",
    "HBAR_GEV_S",
    "MU_NEUTRON",
    "MU_PROTON",
    "M_ELECTRON",
    "M_MUON",
    "M_NEUTRON",
    "M_PROTON",
    "M_TAU",
    "NUCLEON_DIPOLE_MASS2",
]

#: Fine-structure constant at Q^2 = 0 (Thomson limit).
ALPHA_EM: float = 1.0 / 137.035999084
#: hbar * c in GeV cm.
HBARC_GEV_CM: float = 1.973269804e-14
#: hbar in GeV s.
HBAR_GEV_S: float = 6.582119569e-25
#: Speed of light in cm/s.
C_CM_PER_S: float = 2.99792458e10
#: (hbar c)^2 in GeV^2 cm^2: a cross section in GeV^-2 times this is in cm^2.
GEV2_TO_CM2: float = HBARC_GEV_CM**2
#: One femtometre expressed in GeV^-1 (1 fm = 1e-13 cm).
FM_IN_INV_GEV: float = 1e-13 / HBARC_GEV_CM
#: Avogadro's number in mol^-1.
AVOGADRO: float = 6.02214076e23
#: Atomic mass unit in GeV.
AMU_GEV: float = 0.93149410242

M_ELECTRON: float = 0.51099895000e-3
M_MUON: float = 0.1056583755
M_TAU: float = 1.77686
M_PROTON: float = 0.93827208816
M_NEUTRON: float = 0.93956542052

#: Nucleon magnetic moments in nuclear magnetons (G_M(0)).
MU_PROTON: float = 2.792847344
MU_NEUTRON: float = -1.91304273
#: Squared vector dipole mass of the nucleon form factors, GeV^2 (G_D = (1 + Q^2/0.71)^-2).
NUCLEON_DIPOLE_MASS2: float = 0.71

assert math.isclose(GEV2_TO_CM2, 0.3893793721e-27, rel_tol=1e-8)
