"""MINERvA nu-e elastic-scattering analyses recast for HNL decay photons (paper Sec. V).

Kamp et al., arXiv:2206.07100, Sec. V: a photon from N -> nu gamma converts in the MINERvA
fiducial volume and looks like the single electromagnetic shower of nu e -> nu e scattering.
This module holds everything of that analysis that acts on the Monte Carlo output (photon
energy and direction per event, with weights), plus the published dE/dx distributions.

Samples (``minerva.toml`` beside this module, numbers cite the paper):

=========  =========  ====================  ======================================  =========
sample     POT        beam, mode, flavour   dE/dx data and background               reference
=========  =========  ====================  ======================================  =========
le_fhc     3.43e20    numi-le fhc numu      public (digitized, Park et al. 2016)    [25]
me_fhc     1.16e21    numi-me fhc numu      public (digitized, Valencia et al.)     [26]
me_rhc     1.22e21    numi-me rhc numubar   NONE public: supply your own files      [27]
=========  =========  ====================  ======================================  =========

Flux selection is by name only (``Sample.beam``, ``.mode``, ``.flavour``), for ``load_flux``.

Detector response (Sec. V.A), vectorised, with an explicit ``numpy.random.Generator``:

* energy: E_reco = E (1 + r sigma_E/E), r ~ N(0, 1), sigma_E/E = 5.9%/sqrt(E/GeV) + 3.4%
  evaluated at the true E; E_reco is clipped at 0 (reachable only far below the 0.8 GeV cut).
* direction: a polar angle delta ~ N(0, sigma_theta = 0.7 deg) and an azimuth phi ~ U[0, 2 pi)
  about the *true* photon direction (``kinematics.rotate_from_z(cos delta, phi, axis=true)``):
  the paper's "rotate by delta w.r.t. its momentum, assign phi, rotate back to the lab by the
  original polar angle". The sign of delta is immaterial (phi is uniform), so |delta| is
  half-normal. Draw order: energy normals, then delta, then phi.

Selection (Sec. V.B), on reconstructed quantities; theta_sh is the shower angle to the beam
(+z):

1. ``shower_energy``: E_sh > 0.8 GeV.
2. ``q2_qe``: Q^2_QE-reco = 2 m_n (E_nu^QE-reco - E_sh) < 0.02 GeV^2 with eq. (6),
   E_nu^QE-reco = (m_n E_sh - m_e^2/2) / (m_n - E_sh + p_e cos theta_sh). The shower is
   reconstructed as an electron of energy E_sh: p_e = sqrt(E_sh^2 - m_e^2), and m_n is the
   neutron mass (nu_e n -> e p hypothesis; the proton mass would change Q^2 by < 0.2%). A
   backward, energetic shower with m_n - E_sh + p_e cos theta <= 0 has no physical E_nu^QE:
   its Q^2 is set to +inf (it fails the cut).
3. ``e_theta2``: E_sh theta_sh^2 < 3.2 MeV rad^2.
4. dE/dx > 4.5 MeV/1.7cm: the MC has no dE/dx, so this cut enters as an acceptance factor.
   Default: the paper's numbers, 93% (FHC) and 91% (RHC) (Sec. V.B). Alternative: the
   fraction of the digitized coherent+diffractive pi0 dE/dx shape above 4.5,
   ``shape_acceptance(dedx_signal_shape())`` = 0.90 for ME FHC (the paper's 93% cannot be
   reproduced exactly from the digitized shape).

:func:`select` returns the per-cut masks, the weighted cumulative efficiencies (the efficiency
before the dE/dx cut is Fig. 8 bottom) and the final efficiency.

dE/dx distributions (Fig. 9). The digitized files give events per 1 MeV/1.7cm at bin centres;
the bins are [1.5, 2.5, 3, 3.5, 4, 4.5, 5, 6, 7, 8, 9, 10, 12, 14, 16, 18, 20] and counts per
bin are density x width. What "background" means: every SM event that passes the selection is
background to the HNL search, including nu-e elastic scattering itself (whose showers are
electrons but leak into the photon-like region). The default background is therefore the full
SM prediction: ME FHC ``MCtotal``; LE FHC the stack top ``MCsignal`` (nu-e + backgrounds)
where digitized (dE/dx < 10) and ``MCbkg`` above (where the two curves meet). The stacking of
the ME MC files is undocumented; their ordering (pi0 <= bkg <= nue_e <= total in every bin,
within digitization error) shows cumulative stack tops, with ``MCtotal - MCnue_e`` the nu-e
elastic layer (it integrates to ~940 events, peaked at 1 MIP). ``background="without_nue"``
drops that layer (ME: ``MCnue_e``; LE: ``MCbkg``), giving a lower background and so a weaker
(conservative) limit. The photon-like region is dE/dx > 4.5 (the last 11 bins).

Signal dE/dx shape: identical to the coherent + diffractive pi0 background (Sec. V.B),
digitized as ``Official_ME_dEdX_MCPI0.dat``. It is the lowest curve of the ME stack in every
bin, so whether the file is a stack top or a component, it is the pi0 layer itself; its shape
is used for all three samples (same detector). The signal in bins is
N_sel x [acc x shape_above / sum(shape_above), (1 - acc) x shape_below / sum(shape_below)],
N_sel being the weighted events passing cuts 1-3.
"""

from __future__ import annotations

import difflib
import functools
import math
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from neutrissimo import data as data_registry
from neutrissimo.constants import M_ELECTRON, M_NEUTRON
from neutrissimo.exceptions import ConfigurationError, DataFileError
from neutrissimo.kinematics import rotate_from_z
from neutrissimo.limits import THRESHOLD_95CL_ONE_SIDED, CouplingLimit, coupling_limit

__all__ = [
    "BEAMS",
    "CUT_NAMES",
    "FLAVOURS",
    "MODES",
    "Cuts",
    "DedxHistogram",
    "DedxSettings",
    "MinervaConfig",
    "Response",
    "Sample",
    "Selection",
    "analyse_events",
    "apply_response",
    "coupling_limit_for_sample",
    "dedx_histogram",
    "dedx_signal_counts",
    "dedx_signal_shape",
    "density_to_counts",
    "e_nu_qe_reco",
    "e_theta2",
    "energy_resolution",
    "load_config",
    "q2_qe_reco",
    "select",
    "shape_acceptance",
    "smear_direction",
    "smear_energy",
]

BEAMS = ("numi-le", "numi-me")
MODES = ("fhc", "rhc")
FLAVOURS = ("numu", "numubar")
#: The kinematic cuts in the paper's order (Sec. V.B); dE/dx enters as an acceptance.
CUT_NAMES = ("shower_energy", "q2_qe", "e_theta2")

_CONFIG_FILE = "minerva.toml"

# --------------------------------------------------------------------------------------------
# Configuration
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Response:
    """Detector response (Sec. V.A): sigma_E/E = stochastic/sqrt(E/GeV) + constant; sigma_theta."""

    energy_stochastic: float
    energy_constant: float
    angle_sigma_deg: float

    @property
    def angle_sigma(self) -> float:
        """sigma_theta in rad."""
        return math.radians(self.angle_sigma_deg)


@dataclass(frozen=True)
class Cuts:
    """Selection cuts (Sec. V.B): GeV, GeV^2, GeV rad^2 and MeV/1.7cm."""

    shower_energy_min: float
    q2_qe_max: float
    e_theta2_max: float
    dedx_min: float


@dataclass(frozen=True, eq=False)
class DedxSettings:
    """dE/dx binning (MeV/1.7cm) and the data file of the signal (pi0-like) shape."""

    bin_edges: NDArray[np.float64]
    signal_shape: str


@dataclass(frozen=True)
class Sample:
    """One MINERvA nu-e analysis sample.

    Attributes:
        name: key in the config (``le_fhc``, ``me_fhc``, ``me_rhc``).
        label, reference: for plots and reports.
        pot: exposure in protons on target.
        beam, mode, flavour: flux selection by name (``numi-le``/``numi-me``, ``fhc``/``rhc``,
            ``numu``/``numubar``).
        dedx_cut_acceptance: HNL-photon acceptance of dE/dx > 4.5 (Sec. V.B).
        dedx_data, dedx_background, dedx_background_without_nue: digitized files (data-folder
            relative paths or file paths); empty when no public histogram exists.
    """

    name: str
    label: str
    reference: str
    pot: float
    beam: str
    mode: str
    flavour: str
    dedx_cut_acceptance: float
    dedx_data: tuple[str, ...] = ()
    dedx_background: tuple[str, ...] = ()
    dedx_background_without_nue: tuple[str, ...] = ()

    @property
    def has_public_dedx(self) -> bool:
        """Whether public dE/dx data and background files are configured for this sample."""
        return bool(self.dedx_data) and bool(self.dedx_background)


@dataclass(frozen=True)
class MinervaConfig:
    """The whole MINERvA analysis configuration (``minerva.toml``)."""

    response: Response
    cuts: Cuts
    dedx: DedxSettings
    samples: tuple[Sample, ...]
    source: str = field(default="")

    @property
    def sample_names(self) -> tuple[str, ...]:
        return tuple(s.name for s in self.samples)

    def sample(self, name: str) -> Sample:
        """The sample called ``name``; a misspelt name raises with the valid ones."""
        for s in self.samples:
            if s.name == name:
                return s
        close = difflib.get_close_matches(name, self.sample_names, n=1)
        hint = f" Did you mean {close[0]!r}?" if close else ""
        raise ConfigurationError(
            f"Unknown MINERvA sample {name!r}.{hint} Known samples: {', '.join(self.sample_names)}."
        )

    @property
    def samples_with_public_dedx(self) -> tuple[str, ...]:
        """Names of the samples whose dE/dx data and background are public."""
        return tuple(s.name for s in self.samples if s.has_public_dedx)


def _check_keys(table: Mapping[str, Any], allowed: Sequence[str], where: str, src: str) -> None:
    if not isinstance(table, Mapping):
        raise ConfigurationError(f"{src}: [{where}] must be a table, got {table!r}.")
    for key in table:
        if key not in allowed:
            close = difflib.get_close_matches(key, allowed, n=1)
            hint = f" Did you mean {close[0]!r}?" if close else ""
            raise ConfigurationError(
                f"{src}: unknown key {key!r} in [{where}].{hint} Allowed keys: "
                f"{', '.join(allowed)}."
            )
    missing = [key for key in allowed if key not in table]
    if missing:
        raise ConfigurationError(f"{src}: [{where}] is missing the key(s) {', '.join(missing)}.")


def _number(
    table: Mapping[str, Any], key: str, where: str, src: str, *, low: float, high: float = math.inf
) -> float:
    value = table[key]
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float))
        or not math.isfinite(value)
        or not (low < value <= high)
    ):
        raise ConfigurationError(
            f"{src}: [{where}] {key} must be a number in ({low}, {high}], got {value!r}."
        )
    return float(value)


def _choice(
    table: Mapping[str, Any], key: str, options: Sequence[str], where: str, src: str
) -> str:
    value = table[key]
    if value not in options:
        raise ConfigurationError(
            f"{src}: [{where}] {key} = {value!r} is not one of {', '.join(options)}."
        )
    return str(value)


def _files(table: Mapping[str, Any], key: str, where: str, src: str) -> tuple[str, ...]:
    value = table[key]
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise ConfigurationError(
            f"{src}: [{where}] {key} must be a list of data-file paths, got {value!r}."
        )
    return tuple(value)


def _parse_config(raw: Mapping[str, Any], src: str) -> MinervaConfig:
    _check_keys(raw, ("response", "cuts", "dedx", "samples"), "top level", src)

    r = raw["response"]
    _check_keys(r, [f.name for f in fields(Response)], "response", src)
    response = Response(
        energy_stochastic=_number(r, "energy_stochastic", "response", src, low=-1e-300, high=1),
        energy_constant=_number(r, "energy_constant", "response", src, low=-1e-300, high=1),
        angle_sigma_deg=_number(r, "angle_sigma_deg", "response", src, low=-1e-300, high=90),
    )

    c = raw["cuts"]
    _check_keys(c, [f.name for f in fields(Cuts)], "cuts", src)
    cuts = Cuts(**{key: _number(c, key, "cuts", src, low=0.0) for key in c})

    d = raw["dedx"]
    _check_keys(d, ("bin_edges", "signal_shape"), "dedx", src)
    edges = np.asarray(d["bin_edges"], dtype=float)
    if edges.ndim != 1 or edges.size < 2 or np.any(np.diff(edges) <= 0) or edges[0] < 0:
        raise ConfigurationError(
            f"{src}: [dedx] bin_edges must be increasing non-negative numbers, got {edges!r}."
        )
    if not np.any(np.isclose(edges, cuts.dedx_min)):
        raise ConfigurationError(
            f"{src}: [cuts] dedx_min = {cuts.dedx_min} must be one of the [dedx] bin_edges "
            f"{edges.tolist()} so that the photon-like region is a set of whole bins."
        )
    dedx = DedxSettings(bin_edges=edges, signal_shape=_files(d, "signal_shape", "dedx", src)[0])

    samples_raw = raw["samples"]
    if not isinstance(samples_raw, Mapping) or not samples_raw:
        raise ConfigurationError(f"{src}: [samples] must hold at least one [samples.<name>] table.")
    samples = []
    sample_keys = [f.name for f in fields(Sample) if f.name != "name"]
    for name, s in samples_raw.items():
        where = f"samples.{name}"
        _check_keys(s, sample_keys, where, src)
        for key in ("label", "reference"):
            if not isinstance(s[key], str):
                raise ConfigurationError(f"{src}: [{where}] {key} must be a string.")
        samples.append(
            Sample(
                name=name,
                label=s["label"],
                reference=s["reference"],
                pot=_number(s, "pot", where, src, low=0.0),
                beam=_choice(s, "beam", BEAMS, where, src),
                mode=_choice(s, "mode", MODES, where, src),
                flavour=_choice(s, "flavour", FLAVOURS, where, src),
                dedx_cut_acceptance=_number(s, "dedx_cut_acceptance", where, src, low=0, high=1),
                dedx_data=_files(s, "dedx_data", where, src),
                dedx_background=_files(s, "dedx_background", where, src),
                dedx_background_without_nue=_files(s, "dedx_background_without_nue", where, src),
            )
        )
    return MinervaConfig(response, cuts, dedx, tuple(samples), source=src)


@functools.cache
def _default_config() -> MinervaConfig:
    text = resources.files("neutrissimo.experiments").joinpath(_CONFIG_FILE).read_text()
    return _parse_config(tomllib.loads(text), f"neutrissimo/experiments/{_CONFIG_FILE}")


def load_config(path: str | Path | None = None) -> MinervaConfig:
    """Read a MINERvA configuration; ``None`` gives the packaged ``minerva.toml``.

    Raises:
        ConfigurationError: the file is not valid TOML, a key is unknown (misspelt keys are
            named, with the closest valid key) or missing, or a value is out of range.
    """
    if path is None:
        return _default_config()
    path = Path(path)
    try:
        raw = tomllib.loads(path.read_text())
    except OSError as exc:
        raise ConfigurationError(f"Cannot read MINERvA configuration {path}: {exc}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigurationError(f"{path} is not valid TOML: {exc}") from exc
    return _parse_config(raw, str(path))


def _config(config: MinervaConfig | None) -> MinervaConfig:
    return load_config() if config is None else config


# --------------------------------------------------------------------------------------------
# Response
# --------------------------------------------------------------------------------------------


def _energies(energy: ArrayLike) -> NDArray[np.float64]:
    e = np.asarray(energy, dtype=float)
    if e.ndim != 1 or np.any(~np.isfinite(e)) or np.any(e < 0):
        raise ConfigurationError(
            "Photon energies must be a 1-D array of finite numbers >= 0 (GeV)"
            + (
                f"; found {np.count_nonzero(~np.isfinite(e) | (e < 0))} bad values."
                if e.ndim == 1
                else f"; got shape {e.shape}."
            )
        )
    return e


def _directions(direction: ArrayLike, n: int | None = None) -> NDArray[np.float64]:
    u = np.asarray(direction, dtype=float)
    if u.ndim != 2 or u.shape[1] != 3 or (n is not None and u.shape[0] != n):
        expected = "(n_events, 3)" if n is None else f"({n}, 3)"
        raise ConfigurationError(f"Photon directions must have shape {expected}; got {u.shape}.")
    norm = np.linalg.norm(u, axis=1)
    if np.any(~np.isfinite(norm)) or np.any(np.abs(norm - 1.0) > 1e-6):
        raise ConfigurationError(
            "Photon directions must be unit vectors (|u| = 1 within 1e-6); "
            f"{np.count_nonzero(~(np.abs(norm - 1.0) <= 1e-6))} are not. Normalise them first."
        )
    return u


def energy_resolution(energy: ArrayLike, response: Response | None = None) -> NDArray[np.float64]:
    """Fractional resolution sigma_E/E = a/sqrt(E/GeV) + b (Sec. V.A; a = 5.9%, b = 3.4%).

    Infinite at E = 0 (no shower).
    """
    res = _config(None).response if response is None else response
    e = np.asarray(energy, dtype=float)
    with np.errstate(divide="ignore"):
        return res.energy_stochastic / np.sqrt(e) + res.energy_constant


def smear_energy(
    energy: ArrayLike, rng: np.random.Generator, response: Response | None = None
) -> NDArray[np.float64]:
    """Reconstructed shower energies (GeV): E (1 + N(0,1) sigma_E/E), clipped at 0."""
    e = _energies(energy)
    res = _config(None).response if response is None else response
    z = rng.standard_normal(e.shape)
    with np.errstate(divide="ignore", invalid="ignore"):
        reco = e * (1.0 + z * energy_resolution(e, res))
    return np.where(e > 0, np.maximum(reco, 0.0), 0.0)


def smear_direction(
    direction: ArrayLike, rng: np.random.Generator, response: Response | None = None
) -> NDArray[np.float64]:
    """Reconstructed shower directions: a Gaussian polar kick (sigma_theta) with uniform azimuth
    about each true direction (Sec. V.A); unit vectors of shape (n, 3)."""
    u = _directions(direction)
    res = _config(None).response if response is None else response
    delta = res.angle_sigma * rng.standard_normal(u.shape[0])
    phi = rng.uniform(0.0, 2.0 * math.pi, u.shape[0])
    return rotate_from_z(np.cos(delta), phi, u)


def apply_response(
    energy: ArrayLike,
    direction: ArrayLike,
    rng: np.random.Generator,
    response: Response | None = None,
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """(E_reco [GeV], direction_reco) for true photon energies (n,) and unit directions (n, 3)."""
    e = _energies(energy)
    u = _directions(direction, e.size)
    return smear_energy(e, rng, response), smear_direction(u, rng, response)


# --------------------------------------------------------------------------------------------
# Reconstruction and selection
# --------------------------------------------------------------------------------------------


def e_nu_qe_reco(energy: ArrayLike, cos_theta: ArrayLike) -> NDArray[np.float64]:
    """Paper eq. (6): E_nu^QE = (m_n E - m_e^2/2) / (m_n - E + p_e cos theta), GeV.

    The shower is an electron of energy E (p_e = sqrt(E^2 - m_e^2)); m_n = neutron mass.
    Exact for nu_e n -> e p on a free neutron at rest with m_p = m_n. +inf where the
    denominator is <= 0 (no physical solution).
    """
    e = np.asarray(energy, dtype=float)
    c = np.asarray(cos_theta, dtype=float)
    p_e = np.sqrt(np.maximum(e**2 - M_ELECTRON**2, 0.0))
    denominator = M_NEUTRON - e + p_e * c
    with np.errstate(divide="ignore", invalid="ignore"):
        value = (M_NEUTRON * e - 0.5 * M_ELECTRON**2) / denominator
    return np.where(denominator > 0, value, np.inf)


def q2_qe_reco(energy: ArrayLike, cos_theta: ArrayLike) -> NDArray[np.float64]:
    """Q^2_QE-reco = 2 m_n (E_nu^QE-reco - E) in GeV^2 (Sec. V.B); ~ (E theta)^2 forward (eq. 7)."""
    e = np.asarray(energy, dtype=float)
    return 2.0 * M_NEUTRON * (e_nu_qe_reco(e, cos_theta) - e)


def e_theta2(energy: ArrayLike, cos_theta: ArrayLike) -> NDArray[np.float64]:
    """E theta^2 in GeV rad^2, theta = arccos(cos_theta) the angle to the beam."""
    c = np.clip(np.asarray(cos_theta, dtype=float), -1.0, 1.0)
    return np.asarray(energy, dtype=float) * np.arccos(c) ** 2


@dataclass(frozen=True, eq=False)
class Selection:
    """Result of the MINERvA selection on weighted events.

    Attributes:
        masks: per-cut pass masks (``shower_energy``, ``q2_qe``, ``e_theta2``), each on its own.
        passed: events passing all kinematic cuts (the dE/dx cut is an acceptance).
        efficiency: cumulative weighted efficiencies after each cut, in the paper's order.
        efficiency_before_dedx: sum(w passed) / sum(w) (Fig. 8 bottom).
        dedx_acceptance: acceptance of dE/dx > 4.5 applied on top.
        efficiency_final: efficiency_before_dedx x dedx_acceptance.
        n_total, n_selected, n_final: sum of weights of all events, of the selected events
            before and after the dE/dx acceptance (expected events if w are).
        n_effective_selected: (sum w)^2 / sum w^2 of the selected events (MC statistics).
    """

    masks: Mapping[str, NDArray[np.bool_]]
    passed: NDArray[np.bool_]
    efficiency: Mapping[str, float]
    efficiency_before_dedx: float
    dedx_acceptance: float
    efficiency_final: float
    n_total: float
    n_selected: float
    n_final: float
    n_effective_selected: float


def select(
    energy_reco: ArrayLike,
    direction_reco: ArrayLike,
    weights: ArrayLike,
    sample: str,
    *,
    dedx_acceptance: float | None = None,
    config: MinervaConfig | None = None,
) -> Selection:
    """Apply the Sec. V.B cuts to reconstructed showers.

    Args:
        energy_reco: reconstructed shower energies, GeV, (n,).
        direction_reco: reconstructed unit directions, (n, 3), beam along +z.
        weights: event weights (>= 0), e.g. expected events at the sample's POT.
        sample: sample name (sets the default dE/dx acceptance: 0.93 FHC, 0.91 RHC).
        dedx_acceptance: override of the dE/dx-cut acceptance (e.g. ``shape_acceptance(...)``).
        config: configuration (default: packaged ``minerva.toml``).

    Raises:
        ConfigurationError: bad shapes, non-unit directions, negative weights, zero total weight.
    """
    cfg = _config(config)
    smp = cfg.sample(sample)
    e = _energies(energy_reco)
    u = _directions(direction_reco, e.size)
    w = np.asarray(weights, dtype=float)
    if w.shape != e.shape or np.any(~np.isfinite(w)) or np.any(w < 0):
        raise ConfigurationError(
            f"weights must be finite, >= 0 and one per event ({e.size}); got shape {w.shape}."
        )
    total = float(w.sum())
    if total <= 0:
        raise ConfigurationError("The events have zero total weight: no efficiency defined.")
    acceptance = smp.dedx_cut_acceptance if dedx_acceptance is None else float(dedx_acceptance)
    if not 0.0 <= acceptance <= 1.0:
        raise ConfigurationError(f"dedx_acceptance must be in [0, 1], got {acceptance!r}.")
    cos_theta = u[:, 2]
    masks = {
        "shower_energy": e > cfg.cuts.shower_energy_min,
        "q2_qe": q2_qe_reco(e, cos_theta) < cfg.cuts.q2_qe_max,
        "e_theta2": e_theta2(e, cos_theta) < cfg.cuts.e_theta2_max,
    }
    cumulative = np.ones(e.shape, dtype=bool)
    efficiency = {}
    for name in CUT_NAMES:
        cumulative = cumulative & masks[name]
        efficiency[name] = float(w[cumulative].sum()) / total
    selected_w = w[cumulative]
    n_selected = float(selected_w.sum())
    sum_w2 = float(np.sum(selected_w**2))
    return Selection(
        masks=masks,
        passed=cumulative,
        efficiency=efficiency,
        efficiency_before_dedx=n_selected / total,
        dedx_acceptance=acceptance,
        efficiency_final=n_selected / total * acceptance,
        n_total=total,
        n_selected=n_selected,
        n_final=n_selected * acceptance,
        n_effective_selected=n_selected**2 / sum_w2 if sum_w2 > 0 else 0.0,
    )


def analyse_events(
    energy: ArrayLike,
    direction: ArrayLike,
    weights: ArrayLike,
    sample: str,
    rng: np.random.Generator,
    *,
    dedx_acceptance: float | None = None,
    config: MinervaConfig | None = None,
) -> tuple[NDArray[np.float64], NDArray[np.float64], Selection]:
    """True photons -> (E_reco, direction_reco, :class:`Selection`): response, then cuts."""
    cfg = _config(config)
    energy_reco, direction_reco = apply_response(energy, direction, rng, cfg.response)
    selection = select(
        energy_reco, direction_reco, weights, sample, dedx_acceptance=dedx_acceptance, config=cfg
    )
    return energy_reco, direction_reco, selection


# --------------------------------------------------------------------------------------------
# dE/dx distributions
# --------------------------------------------------------------------------------------------


def density_to_counts(density: ArrayLike, edges: ArrayLike) -> NDArray[np.float64]:
    """Events per bin from events per unit dE/dx (per MeV/1.7cm): density x bin width."""
    return np.asarray(density, dtype=float) * np.diff(np.asarray(edges, dtype=float))


def _read_two_columns(file: str | Path) -> NDArray[np.float64]:
    """A registered data file (via the registry) or a user's file: two numeric columns."""
    if isinstance(file, str) and file in data_registry.registry():
        table = data_registry.load_table(file)
    else:
        path = Path(file)
        if not path.is_file():
            raise DataFileError(
                f"dE/dx file {str(file)!r} is neither a registered neutrissimo data file nor an "
                "existing file. Give a data-folder path like "
                "'minerva_nue/ME_FHC_Valencia2019/Official_ME_dEdX_data.dat' or a file path."
            )
        try:
            table = np.loadtxt(path, ndmin=2)
        except ValueError as exc:
            raise DataFileError(f"dE/dx file {path} is not a numeric table: {exc}") from exc
        if not np.all(np.isfinite(table)):
            raise DataFileError(f"dE/dx file {path} contains non-finite numbers.")
    if table.shape[1] < 2:
        raise DataFileError(
            f"dE/dx file {file} must have two columns (dE/dx bin centre in MeV/1.7cm, events "
            f"per MeV/1.7cm); it has {table.shape[1]}."
        )
    return table[:, :2]


def _digitized_density(file: str | Path, edges: NDArray[np.float64]) -> NDArray[np.float64]:
    """Events per MeV/1.7cm per bin from a digitized file; NaN for bins without a point."""
    table = _read_two_columns(file)
    x, y = table[:, 0], table[:, 1]
    index = np.searchsorted(edges, x, side="right") - 1
    outside = (index < 0) | (index >= edges.size - 1)
    if np.any(outside):
        raise DataFileError(
            f"dE/dx file {file}: points at {x[outside].tolist()} MeV/1.7cm lie outside the "
            f"binning {edges[0]}-{edges[-1]}."
        )
    if np.unique(index).size != index.size:
        raise DataFileError(f"dE/dx file {file}: two points fall in the same bin.")
    if np.any(y < 0):
        raise DataFileError(f"dE/dx file {file}: negative event densities.")
    density = np.full(edges.size - 1, np.nan)
    density[index] = y
    return density


def _stitched_counts(
    files: Sequence[str | Path], edges: NDArray[np.float64], what: str, sample: str
) -> NDArray[np.float64]:
    density = np.full(edges.size - 1, np.nan)
    for file in files:
        fill = np.isnan(density)
        density[fill] = _digitized_density(file, edges)[fill]
    if np.any(np.isnan(density)):
        missing = np.flatnonzero(np.isnan(density))
        raise DataFileError(
            f"dE/dx {what} of sample {sample!r}: no point in bin(s) "
            f"{[(float(edges[i]), float(edges[i + 1])) for i in missing]} in {list(files)}."
        )
    return density_to_counts(density, edges)


@dataclass(frozen=True, eq=False)
class DedxHistogram:
    """Selected events versus dE/dx (MeV/1.7cm) before the dE/dx cut (paper Fig. 9).

    Attributes:
        sample: sample name.
        edges: bin edges, MeV/1.7cm.
        data: observed events per bin.
        background: SM-predicted events per bin (see the module docstring for the definition).
        source: where the numbers come from.
    """

    sample: str
    edges: NDArray[np.float64]
    data: NDArray[np.float64]
    background: NDArray[np.float64]
    source: str = ""

    def __post_init__(self) -> None:
        edges = np.asarray(self.edges, dtype=float)
        data = np.asarray(self.data, dtype=float)
        background = np.asarray(self.background, dtype=float)
        if edges.ndim != 1 or np.any(np.diff(edges) <= 0):
            raise ConfigurationError(f"dE/dx edges must increase strictly, got {edges!r}.")
        for name, values in (("data", data), ("background", background)):
            if values.shape != (edges.size - 1,) or np.any(~np.isfinite(values)):
                raise ConfigurationError(
                    f"dE/dx {name} must be {edges.size - 1} finite counts (one per bin); got "
                    f"shape {values.shape}."
                )
            if np.any(values < 0):
                raise ConfigurationError(f"dE/dx {name} must be >= 0 events per bin.")
        object.__setattr__(self, "edges", edges)
        object.__setattr__(self, "data", data)
        object.__setattr__(self, "background", background)

    @property
    def widths(self) -> NDArray[np.float64]:
        return np.diff(self.edges)

    @property
    def centres(self) -> NDArray[np.float64]:
        return 0.5 * (self.edges[1:] + self.edges[:-1])

    def photon_like(self, dedx_min: float = 4.5) -> NDArray[np.bool_]:
        """Mask of the bins above ``dedx_min`` (which must be a bin edge)."""
        if not np.any(np.isclose(self.edges, dedx_min)):
            raise ConfigurationError(
                f"dedx_min = {dedx_min} is not a bin edge of {self.edges.tolist()}."
            )
        return self.edges[:-1] >= dedx_min - 1e-9

    def photon_like_counts(
        self, dedx_min: float = 4.5
    ) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """(data, background) in the photon-like bins."""
        mask = self.photon_like(dedx_min)
        return self.data[mask], self.background[mask]


def dedx_histogram(
    sample: str,
    *,
    background: Literal["sm_total", "without_nue"] = "sm_total",
    data_file: str | Path | None = None,
    background_file: str | Path | None = None,
    config: MinervaConfig | None = None,
) -> DedxHistogram:
    """Data and background dE/dx distributions of a sample (events per bin).

    Args:
        sample: ``le_fhc`` or ``me_fhc`` (public digitized histograms), or any sample when
            ``data_file`` and ``background_file`` are given (required for ``me_rhc``, which
            has no public histogram).
        background: ``"sm_total"`` (default; all SM processes including nu-e elastic) or
            ``"without_nue"`` (the nu-e elastic layer removed). Ignored with a user file.
        data_file, background_file: user files with two columns, dE/dx bin centre
            (MeV/1.7cm) and events per MeV/1.7cm, one point per bin of the standard binning.

    Raises:
        DataFileError: no public histogram for the sample and no files given, or a bad file.
    """
    cfg = _config(config)
    smp = cfg.sample(sample)
    edges = cfg.dedx.bin_edges
    if (data_file is None) != (background_file is None):
        raise ConfigurationError("Give both data_file and background_file, or neither.")
    if data_file is not None and background_file is not None:
        return DedxHistogram(
            sample=sample,
            edges=edges,
            data=_stitched_counts([data_file], edges, "data", sample),
            background=_stitched_counts([background_file], edges, "background", sample),
            source=f"user files {data_file}, {background_file}",
        )
    if background not in ("sm_total", "without_nue"):
        raise ConfigurationError(
            f"background must be 'sm_total' or 'without_nue', got {background!r}."
        )
    bkg_files = smp.dedx_background if background == "sm_total" else smp.dedx_background_without_nue
    if not smp.dedx_data or not bkg_files:
        have = ", ".join(cfg.samples_with_public_dedx) or "none"
        raise DataFileError(
            f"Sample {sample!r} ({smp.label}, {smp.reference}) has no public dE/dx data/"
            f"background histogram (see data/PROVENANCE.md sec. 8). Samples with public "
            f"histograms: {have}. Fix: pass data_file= and background_file= (two columns: "
            "dE/dx bin centre in MeV/1.7cm, events per MeV/1.7cm)."
        )
    return DedxHistogram(
        sample=sample,
        edges=edges,
        data=_stitched_counts(smp.dedx_data, edges, "data", sample),
        background=_stitched_counts(bkg_files, edges, f"{background} background", sample),
        source=f"digitized {smp.reference}: data {list(smp.dedx_data)}, background "
        f"({background}) {list(bkg_files)}",
    )


def dedx_signal_shape(config: MinervaConfig | None = None) -> NDArray[np.float64]:
    """The photon-like (coherent + diffractive pi0) dE/dx shape: fractions per bin, sum 1."""
    cfg = _config(config)
    counts = _stitched_counts([cfg.dedx.signal_shape], cfg.dedx.bin_edges, "signal shape", "all")
    return counts / counts.sum()


def shape_acceptance(shape: ArrayLike, config: MinervaConfig | None = None) -> float:
    """Fraction of a dE/dx shape above the dE/dx cut (0.904 for the digitized pi0 shape)."""
    cfg = _config(config)
    p = np.asarray(shape, dtype=float)
    above = cfg.dedx.bin_edges[:-1] >= cfg.cuts.dedx_min - 1e-9
    return float(p[above].sum() / p.sum())


def dedx_signal_counts(
    n_selected: ArrayLike,
    sample: str,
    *,
    dedx_acceptance: float | None = None,
    config: MinervaConfig | None = None,
) -> NDArray[np.float64]:
    """HNL signal per dE/dx bin, shape (..., n_bins), for N_sel selected events (cuts 1-3).

    A fraction ``dedx_acceptance`` (default: the sample's 0.93/0.91) lands above the cut,
    distributed like the pi0 shape there; the rest below it, likewise. With
    ``dedx_acceptance = shape_acceptance(dedx_signal_shape())`` this is N_sel x pi0 shape.
    """
    cfg = _config(config)
    smp = cfg.sample(sample)
    acc = smp.dedx_cut_acceptance if dedx_acceptance is None else float(dedx_acceptance)
    if not 0.0 <= acc <= 1.0:
        raise ConfigurationError(f"dedx_acceptance must be in [0, 1], got {acc!r}.")
    shape = dedx_signal_shape(cfg)
    above = cfg.dedx.bin_edges[:-1] >= cfg.cuts.dedx_min - 1e-9
    per_event = np.where(
        above, acc * shape / shape[above].sum(), (1.0 - acc) * shape / shape[~above].sum()
    )
    n = np.asarray(n_selected, dtype=float)
    if np.any(~np.isfinite(n)) or np.any(n < 0):
        raise ConfigurationError("n_selected must be finite and >= 0 (events).")
    return n[..., None] * per_event


def coupling_limit_for_sample(
    histogram: DedxHistogram,
    couplings: ArrayLike,
    n_selected: ArrayLike,
    *,
    eta: float,
    dedx_acceptance: float | None = None,
    threshold: float = THRESHOLD_95CL_ONE_SIDED,
    m_N: float = math.nan,
    config: MinervaConfig | None = None,
) -> CouplingLimit:
    """95% CL excluded couplings at one mass from the photon-like dE/dx bins of a sample.

    Args:
        histogram: data and background (:func:`dedx_histogram`).
        couplings: increasing coupling grid d (GeV^-1).
        n_selected: expected HNL events passing cuts 1-3 at each coupling (before dE/dx).
        eta: background-normalisation uncertainty (0.3 nominal, 1.0 conservative).
        dedx_acceptance: override of the sample's dE/dx acceptance.
    """
    cfg = _config(config)
    mask = histogram.photon_like(cfg.cuts.dedx_min)
    signal = dedx_signal_counts(
        n_selected, histogram.sample, dedx_acceptance=dedx_acceptance, config=cfg
    )[..., mask]
    data, background = histogram.photon_like_counts(cfg.cuts.dedx_min)
    return coupling_limit(
        couplings, signal, data, background, eta=eta, threshold=threshold, m_N=m_N
    )
