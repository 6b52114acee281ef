"""Nuclear tables: masses (AME2020), Fourier-Bessel densities, names."""

from __future__ import annotations

import numpy as np
import pytest

from neutrissimo import UnknownNucleusError, nucleus
from neutrissimo.physics.nuclei import fourier_bessel_nuclei

PAPER_TARGETS = ["C12", "O16", "Si28", "Ar40", "Fe56", "Pb208", "Al27", "Ca40"]


def test_carbon_record():
    c12 = nucleus("C12")
    assert (c12.Z, c12.A, c12.N) == (6, 12, 6)
    # 12 u exactly minus 6 electron masses (AME: C12 defines the mass unit).
    assert c12.mass == pytest.approx(12 * 0.93149410242 - 6 * 0.51099895e-3, rel=1e-12)
    assert c12.pdg_code == 1000060120
    assert nucleus("12c") == c12


def test_nitrogen14_has_no_fourier_bessel_set():
    assert nucleus("N14").fourier_bessel is None
    assert nucleus("O16").fourier_bessel is not None


@pytest.mark.parametrize("name", PAPER_TARGETS)
def test_fourier_bessel_density_integrates_to_z(name):
    # Q = 4 pi int r^2 rho dr = 4 pi R^3 sum_v (-1)^(v+1) a_v / (v pi)^2 must equal Z (0.5%).
    nuc = nucleus(name)
    fb = nuc.fourier_bessel
    v = np.arange(1, len(fb.coefficients) + 1)
    charge = (
        4
        * np.pi
        * fb.radius_fm**3
        * np.sum((-1.0) ** (v + 1) * np.array(fb.coefficients) / (v * np.pi) ** 2)
    )
    assert charge == pytest.approx(nuc.Z, rel=5e-3)


def test_table_lists_paper_targets():
    assert set(PAPER_TARGETS) <= set(fourier_bessel_nuclei())


@pytest.mark.parametrize("bad", ["Cx12", "C99", "carbon", ""])
def test_unknown_nucleus_is_named(bad):
    with pytest.raises(UnknownNucleusError, match="Unknown nucleus"):
        nucleus(bad)
