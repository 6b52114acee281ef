"""NuHepMC export of a weighted sample, for detector simulations and other generators' tools.

The file follows NuHepMC 1.0.0 (S. Gardiner, J. Isaacson, L. Pickering, SciPost Phys. Codebases
(2025), arXiv:2310.13211; https://github.com/NuHepMC/Spec) on top of HepMC3 (A. Buckley et al.,
Comput. Phys. Commun. 260 (2021) 107310), written with pyhepmc in the HepMC3 ASCII format.
Units are set in every event: momenta in MeV, positions in mm (the package's GeV and cm are
converted here); vertex times are stored as c t in mm, measured from the production vertex.

**Run information** (``GenRunInfo``): the tool ``neutrissimo`` with its version (G.R.3);
``NuHepMC.Version.{Major,Minor,Patch}`` = 1.0.0 (G.R.2); ``NuHepMC.Conventions`` (G.R.4);
the weight ``CV`` (G.R.7); process, vertex-status and particle-status ids with names and
descriptions (G.R.8-10); the non-standard particle numbers (G.R.11); the exposure
``NuHepMC.Exposure.POT`` (G.C.1); cross-section units (G.R.6). The CV weight is **absolute**: the
expected number of events at ``NuHepMC.Exposure.POT`` for the couplings in
``neutrissimo.Model.*``, decay and photon-conversion probabilities included
(``neutrissimo.CV.Meaning``); no flux-averaged cross section is needed, or meaningful, to
normalise it, so G.R.5 (written for cross-section generators) is not implemented.

**Reweighting** (``neutrissimo.Reweighting``): per event the attributes
``neutrissimo.weight_production`` (expected events per generated event at d_mu = 1 GeV^-1),
``neutrissimo.decay_distance_mm`` x and ``neutrissimo.decay_proposal_per_mm`` q(x) give the
weight for any couplings (d_e, d_mu, d_tau), with |p_N| and m_N from the HNL particle:

    w = weight_production * (d_mu / GeV^-1)^2 * exp(-x / L) / (L q(x)),
    L = |p_N| / m_N * c tau,   c tau = hbar c / Gamma,   Gamma = sum_a |d_a|^2 m_N^3 / (4 pi)

(x2 for a Majorana N; paper eq. 5, :class:`neutrissimo.simulation.events.Events`).

**Event graph** (per event; status codes of NuHepMC P.R.1 and V.R.1):

- primary vertex (status 1) at the interaction point, t = 0: the incoming nu_mu (or nubar_mu)
  along the beam axis +z (status 4), the target (status 20) at rest, the HNL (status 2, PDG
  +-5914 as in DarkNews) and the recoiling nucleus or proton (status 1). For a proton bound in
  a nucleus the target is the nucleus; a separation vertex (status 21, V.C.1) splits it into
  the struck proton (status 21, P.C.1, at rest) and a remnant (2009900000, P.C.2, status 1);
- HNL decay vertex (status 31) at the decay point, c t = x E_N / |p_N|: the photon (status 2)
  and the neutrino (status 1, four-momentum p_N - p_gamma; flavour of the largest coupling,
  lepton number of the incoming neutrino);
- conversion vertex (status 32) where the weight forces the photon to convert,
  c t = c t_decay + |conversion - decay point|. HepMC3 needs an outgoing particle, and the
  e+e- pair is not simulated: the vertex emits one pseudoparticle 2009900022 (status 1,
  declared in ``NuHepMC.AdditionalParticleNumbers``) carrying the photon's four-momentum. A
  detector simulation should start the photon's shower there instead of tracking the photon
  (the CV weight already contains the conversion probability).

Events whose production weight is zero (their photon misses the fiducial volume) have zero
weight for every coupling and are not written unless asked; the weights keep their
per-*generated*-event normalisation (``NuHepMC.Provenance.NEvents`` generated events).
Writing costs about 0.1 ms per event (a Python loop over events through pyhepmc).
"""

from __future__ import annotations

import functools
import math
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from neutrissimo.exceptions import ConfigurationError
from neutrissimo.io.atomic import atomic_path
from neutrissimo.physics.constants import M_PROTON
from neutrissimo.physics.model import FLAVOURS, DipoleModel
from neutrissimo.physics.nuclei import nucleus

if TYPE_CHECKING:
    from neutrissimo.simulation.events import Events

__all__ = [
    "HNL_PDG",
    "PAIR_PDG",
    "PARTICLE_STATUS",
    "PROCESS_IDS",
    "REMNANT_PDG",
    "VERTEX_STATUS",
    "pdg_ids",
    "write_hepmc3",
    "write_hepmc3_parts",
]

#: PDG number of the HNL (DarkNews' convention; not in the PDG scheme, so declared per G.R.11).
HNL_PDG = 5914
#: NuHepMC P.C.2 nuclear-remnant pseudoparticle.
REMNANT_PDG = 2009900000
#: Pseudoparticle standing for the e+e- pair of a forced photon conversion (not simulated).
PAIR_PDG = 2009900022
MEV_PER_GEV = 1e3
MM_PER_CM = 10.0

#: process id -> (name, description), NuHepMC E.C.1 ranges (NC: X50-X99).
PROCESS_IDS: dict[int, tuple[str, str]] = {
    150: ("coherent-flip", "nu A -> N A, coherent dipole upscattering, helicity flip"),
    151: ("coherent-conserve", "nu A -> N A, coherent dipole upscattering, helicity conserving"),
    250: ("proton-flip", "nu p -> N p, elastic dipole upscattering, helicity flip"),
    251: ("proton-conserve", "nu p -> N p, elastic dipole upscattering, helicity conserving"),
}
#: vertex status -> (name, description).
VERTEX_STATUS: dict[int, tuple[str, str]] = {
    1: ("primary", "dipole upscattering nu T -> N T' (Kamp et al., arXiv:2206.07100)"),
    21: ("nucleon-separation", "target nucleus -> struck bound proton + remnant (V.C.1)"),
    31: ("hnl-decay", "N -> nu gamma at the sampled decay point"),
    32: ("photon-conversion", "forced conversion point in the fiducial volume (pair not made)"),
}
#: particle status -> (name, description).
PARTICLE_STATUS: dict[int, tuple[str, str]] = {
    1: ("final-state", "undecayed physical particle"),
    2: ("decayed", "decayed (HNL) or converted (photon) particle"),
    4: ("beam", "incoming neutrino"),
    20: ("target", "target nucleus or free proton"),
    21: ("struck-nucleon", "bound proton struck by the neutrino (P.C.1)"),
}
_CITATION = "Kamp et al., arXiv:2206.07100"
#: particle (PDG table) names of the standard particles in the event graph.
_NAMES = {
    "numu": "nu(mu)",
    "numubar": "nu(mu)~",
    "nue": "nu(e)",
    "nuebar": "nu(e)~",
    "e": "nu(e)",
    "mu": "nu(mu)",
    "tau": "nu(tau)",
    "gamma": "gamma",
    "proton": "p",
}


@functools.cache
def pdg_ids() -> dict[str, int]:
    """PDG Monte Carlo numbers of the standard particles, from the ``particle`` package."""
    from particle import Particle

    return {key: int(Particle.from_name(name).pdgid) for key, name in _NAMES.items()}


@dataclass(frozen=True)
class _Kinematics:
    """Per-event four-vectors (E, px, py, pz) in MeV and vertex four-positions (x, y, z, ct)
    in mm, all of shape (n, 4)."""

    neutrino: NDArray[np.float64]
    hnl: NDArray[np.float64]
    photon: NDArray[np.float64]
    decay_neutrino: NDArray[np.float64]
    production: NDArray[np.float64]
    decay: NDArray[np.float64]
    conversion: NDArray[np.float64]


def _kinematics(events: Events, m_n: float) -> _Kinematics:
    col = events.columns
    n = len(events)
    e_nu = col["energy_nu"] * MEV_PER_GEV
    neutrino = np.column_stack([e_nu, np.zeros(n), np.zeros(n), e_nu])  # beam along +z
    p_n = col["hnl_momentum"][:, None] * col["hnl_direction"]
    e_n = np.sqrt(col["hnl_momentum"] ** 2 + m_n**2)
    hnl = np.column_stack([e_n, p_n]) * MEV_PER_GEV
    e_g = col["photon_energy"]
    photon = np.column_stack([e_g, e_g[:, None] * col["photon_direction"]]) * MEV_PER_GEV
    vertex = col["vertex"] * MM_PER_CM
    decay = col["decay_point"] * MM_PER_CM
    conversion = col["conversion_point"] * MM_PER_CM
    ct_decay = col["decay_distance"] * MM_PER_CM * e_n / col["hnl_momentum"]
    ct_conversion = ct_decay + np.linalg.norm(conversion - decay, axis=1)
    return _Kinematics(
        neutrino=neutrino,
        hnl=hnl,
        photon=photon,
        decay_neutrino=hnl - photon,
        production=np.column_stack([vertex, np.zeros(n)]),
        decay=np.column_stack([decay, ct_decay]),
        conversion=np.column_stack([conversion, ct_conversion]),
    )


def _beam_pdg(events: Events) -> int:
    """The incoming neutrino, from the flux name in the metadata (nu_mu if not stated)."""
    words = str(events.metadata.get("flux", "numu")).lower().split()
    found = [w for w in words if w in ("numu", "numubar", "nue", "nuebar")]
    return pdg_ids()[found[0] if found else "numu"]


def _run_info(events: Events, model: DipoleModel) -> Any:
    import pyhepmc

    info = pyhepmc.GenRunInfo()
    info.tools = [
        ("neutrissimo", version("neutrissimo"), "dipole-coupled HNL weighted Monte Carlo")
    ]
    info.weight_names = ["CV"]
    attrs: dict[str, Any] = {
        "NuHepMC.Version.Major": 1,
        "NuHepMC.Version.Minor": 0,
        "NuHepMC.Version.Patch": 0,
        "NuHepMC.Conventions": ["G.C.1", "E.C.1", "E.C.5", "V.C.1", "P.C.1", "P.C.2"],
        "NuHepMC.Exposure.POT": float(events.metadata["pot"]),
        "NuHepMC.Units.CrossSection.Unit": "pb",
        "NuHepMC.Units.CrossSection.TargetScale": "PerAtom",
        "NuHepMC.ProcessIDs": list(PROCESS_IDS),
        "NuHepMC.VertexStatusIDs": list(VERTEX_STATUS),
        "NuHepMC.ParticleStatusIDs": list(PARTICLE_STATUS),
        "NuHepMC.AdditionalParticleNumbers": [HNL_PDG, -HNL_PDG, PAIR_PDG],
        f"NuHepMC.AdditionalParticleNumber[{HNL_PDG}].Name": "N (dipole-coupled HNL)",
        f"NuHepMC.AdditionalParticleNumber[{-HNL_PDG}].Name": "Nbar (dipole-coupled HNL)",
        f"NuHepMC.AdditionalParticleNumber[{PAIR_PDG}].Name": "converted photon (e+e- pair)",
        "NuHepMC.Provenance.NEvents": int(events.metadata.get("n_generated", len(events))),
        "NuHepMC.Provenance.RNGState": str(events.metadata.get("seed")),
        "neutrissimo.Experiment": str(events.metadata.get("experiment", "unknown")),
        "neutrissimo.Citation": _CITATION,
        "neutrissimo.CV.Meaning": "expected events at NuHepMC.Exposure.POT for neutrissimo.Model",
        "neutrissimo.Reweighting": (
            "w = weight_production * (d_mu*GeV)^2 * exp(-x/L) / (L*q), L = |p_N|/m_N * hbar c"
            " / Gamma, Gamma = (d_e^2 + d_mu^2 + d_tau^2) m_N^3 / (4 pi) (x2 majorana)"
        ),
        "neutrissimo.Model.m_N_GeV": model.m_N,
        "neutrissimo.Model.nature": model.nature,
    }
    for flavour in FLAVOURS:
        attrs[f"neutrissimo.Model.d_{flavour}_GeVinv"] = model.coupling(flavour)
    for table, kind in (
        (PROCESS_IDS, "ProcessInfo"),
        (VERTEX_STATUS, "VertexStatusInfo"),
        (PARTICLE_STATUS, "ParticleStatusInfo"),
    ):
        for code, (name, description) in table.items():
            attrs[f"NuHepMC.{kind}[{code}].Name"] = name
            attrs[f"NuHepMC.{kind}[{code}].Description"] = description
    for key, value in attrs.items():
        info.attributes[key] = value
    return info


def _particle(pyhepmc: Any, p4: NDArray[np.float64], pdg: int, status: int, mass: float) -> Any:
    particle = pyhepmc.GenParticle((p4[1], p4[2], p4[3], p4[0]), pdg, status)
    particle.generated_mass = mass
    return particle


def _vertex(pyhepmc: Any, x4: NDArray[np.float64], status: int, ins: list[Any]) -> Any:
    vertex = pyhepmc.GenVertex((x4[0], x4[1], x4[2], x4[3]))
    vertex.status = status
    for particle in ins:
        vertex.add_particle_in(particle)
    return vertex


def _events(
    events: Events, model: DipoleModel, info: Any, keep: NDArray[np.intp], first: int = 0
) -> Iterator[Any]:
    import pyhepmc

    col = events.columns
    kin = _kinematics(events, model.m_N)
    weights = events.weights(model)
    beam = _beam_pdg(events)
    lepton = 1 if beam > 0 else -1
    decay_flavour = max(FLAVOURS, key=model.coupling)
    m_n = model.m_N * MEV_PER_GEV
    m_p = M_PROTON * MEV_PER_GEV
    ids = pdg_ids()
    for i in keep:
        label = str(col["target"][i])  # "C12" (coherent) or "proton@C12" / "proton@H1"
        proton, host = "@" in label, label.partition("@")[2] or label
        bound = proton and nucleus(host).A > 1
        if proton and not bound:  # free proton (hydrogen)
            target_pdg, m_t = ids["proton"], m_p
        else:
            target_pdg, m_t = nucleus(host).pdg_code, nucleus(host).mass * MEV_PER_GEV
        event = pyhepmc.GenEvent(pyhepmc.Units.MEV, pyhepmc.Units.MM)
        event.run_info = info
        event.event_number = first + int(i)
        event.weights = [float(weights[i])]
        process = (250 if proton else 150) + (0 if col["helicity"][i] == "flip" else 1)
        nu_in = _particle(pyhepmc, kin.neutrino[i], beam, 4, 0.0)
        target = _particle(pyhepmc, np.array([m_t, 0.0, 0.0, 0.0]), target_pdg, 20, m_t)
        ins = [nu_in, target]
        if bound:
            p_struck = np.array([m_p, 0.0, 0.0, 0.0])
            separation = _vertex(pyhepmc, kin.production[i], 21, [target])
            ins = [nu_in, _particle(pyhepmc, p_struck, ids["proton"], 21, m_p)]
            separation.add_particle_out(ins[1])
            remnant = np.array([m_t - m_p, 0.0, 0.0, 0.0])
            separation.add_particle_out(_particle(pyhepmc, remnant, REMNANT_PDG, 1, m_t - m_p))
            event.add_vertex(separation)
        recoil_mass = m_p if proton else m_t
        recoil_pdg = ids["proton"] if proton else target_pdg
        recoil_p4 = kin.neutrino[i] + np.array([recoil_mass, 0, 0, 0]) - kin.hnl[i]
        primary = _vertex(pyhepmc, kin.production[i], 1, ins)
        hnl = _particle(pyhepmc, kin.hnl[i], lepton * HNL_PDG, 2, m_n)
        primary.add_particle_out(hnl)
        primary.add_particle_out(_particle(pyhepmc, recoil_p4, recoil_pdg, 1, recoil_mass))
        decay = _vertex(pyhepmc, kin.decay[i], 31, [hnl])
        photon = _particle(pyhepmc, kin.photon[i], ids["gamma"], 2, 0.0)
        decay.add_particle_out(photon)
        nu_pdg = lepton * ids[decay_flavour]
        decay.add_particle_out(_particle(pyhepmc, kin.decay_neutrino[i], nu_pdg, 1, 0.0))
        conversion = _vertex(pyhepmc, kin.conversion[i], 32, [photon])
        conversion.add_particle_out(_particle(pyhepmc, kin.photon[i], PAIR_PDG, 1, 0.0))
        for vertex in (primary, decay, conversion):
            event.add_vertex(vertex)
        attributes: dict[str, Any] = {
            "signal_process_id": process,
            "lab_pos": [float(v) for v in kin.production[i, :3]],
            "neutrissimo.weight_production": float(col["weight_production"][i]),
            "neutrissimo.decay_distance_mm": float(col["decay_distance"][i] * MM_PER_CM),
            "neutrissimo.decay_proposal_per_mm": float(col["decay_proposal"][i] / MM_PER_CM),
            "neutrissimo.q2_GeV2": float(col["q2"][i]),
            "neutrissimo.cos_theta_star": float(col["cos_theta_star"][i]),
            "neutrissimo.target": label,
            "neutrissimo.region": str(col["region"][i]),
        }
        for key, value in attributes.items():
            event.attributes[key] = value
        yield event


def write_hepmc3(
    events: Events,
    path: str | os.PathLike[str],
    model: DipoleModel | None = None,
    *,
    include_zero_weight: bool = False,
) -> Path:
    """Write ``events`` as a NuHepMC file (HepMC3 ASCII; see the module docstring).

    Args:
        events: the sample.
        path: output file (written atomically), conventionally ``*.hepmc3``.
        model: couplings of the CV weight (default: the sample's model); same m_N and nature.
        include_zero_weight: also write the events with zero production weight.

    Returns:
        ``path``.

    Raises:
        ConfigurationError: ``model`` has another mass or nature than the sample, or the
            sample lacks a column the file needs.
    """
    return write_hepmc3_parts([events], path, model, include_zero_weight=include_zero_weight)


def write_hepmc3_parts(
    parts: Iterable[Events],
    path: str | os.PathLike[str],
    model: DipoleModel | None = None,
    *,
    include_zero_weight: bool = False,
) -> Path:
    """:func:`write_hepmc3` of one sample given as consecutive parts (e.g. the row groups of a
    streamed Parquet file, so that only one part is in memory): the run information comes from
    the first part's metadata, event numbers continue across the parts. ``model`` defaults to
    the first part's; raises as :func:`write_hepmc3`."""
    import pyhepmc

    path = Path(path)
    info = None
    first = 0
    with atomic_path(path) as tmp, pyhepmc.open(tmp, "w") as writer:
        for events in parts:
            model = events.model if model is None else model
            if info is None:
                _check(events, model)
                info = _run_info(events, model)
            mask = np.ones(len(events), bool)
            if not include_zero_weight:
                mask = events.columns["weight_production"] > 0
            for event in _events(events, model, info, np.flatnonzero(mask), first):
                writer.write(event)
            first += len(events)
    return path


def _check(events: Events, model: DipoleModel) -> None:
    """Raise ConfigurationError unless ``events`` can be written at ``model``."""
    events.weights(model)  # validates mass and nature
    needed = (
        "energy_nu",
        "vertex",
        "target",
        "helicity",
        "hnl_momentum",
        "hnl_direction",
        "decay_distance",
        "decay_proposal",
        "decay_point",
        "photon_energy",
        "photon_direction",
        "conversion_point",
        "q2",
        "cos_theta_star",
        "region",
    )
    missing = [name for name in needed if name not in events.columns]
    if missing:
        raise ConfigurationError(f"The sample lacks columns {missing} needed for NuHepMC.")
    if not math.isfinite(float(events.metadata.get("pot", float("nan")))):
        raise ConfigurationError("The sample's metadata has no POT; NuHepMC needs the exposure.")
