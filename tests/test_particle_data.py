"""The hand-kept particle data against the PDG tables of the ``particle`` package.

The masses in ``physics/constants.py`` (CODATA 2018 / PDG 2022) are the values the reference
numbers of the tests were made with; ``particle`` carries newer PDG tables. They must agree to
the precision that matters here (the 2024 proton mass moved by 1.4e-9 relative, the tau by 4e-5).
"""

from __future__ import annotations

import pytest
from particle import Particle
from particle.particle import InvalidParticle, ParticleNotFound
from particle.pdgid import A, Z, is_nucleus

from neutrissimo.physics import constants
from neutrissimo.physics.nuclei import nucleus
from neutrissimo.simulation.hepmc import HNL_PDG, PAIR_PDG, pdg_ids


@pytest.mark.parametrize(
    ("constant", "name", "rel"),
    [
        ("M_ELECTRON", "e-", 1e-8),
        ("M_MUON", "mu-", 1e-8),
        ("M_TAU", "tau-", 1e-4),
        ("M_PROTON", "p", 1e-8),
        ("M_NEUTRON", "n", 1e-8),
    ],
)
def test_masses_agree_with_the_pdg_tables(constant, name, rel):
    assert getattr(constants, constant) * 1e3 == pytest.approx(
        Particle.from_name(name).mass, rel=rel
    )


@pytest.mark.parametrize("name", ["H1", "C12", "O16", "Si28", "Pb208"])
def test_nuclear_pdg_codes_follow_the_scheme(name):
    nuc = nucleus(name)
    assert is_nucleus(nuc.pdg_code)
    assert (Z(nuc.pdg_code), A(nuc.pdg_code)) == (nuc.Z, nuc.A)


def test_event_record_ids():
    ids = pdg_ids()
    assert (ids["numu"], ids["numubar"], ids["gamma"], ids["proton"]) == (14, -14, 22, 2212)
    assert ids["tau"] == 16
    for code in (HNL_PDG, PAIR_PDG):  # declared as non-standard in the NuHepMC run info
        with pytest.raises((ParticleNotFound, InvalidParticle), match=str(code)):
            Particle.from_pdgid(code)
