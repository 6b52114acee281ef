"""The MiniBooNE 2020 data release and the other public MiniBooNE files (loaders and parsers).

Data release loaders (all through the data registry, :func:`neutrissimo.io.data.fetch`):
:func:`load_numode_release` (2020 nu-mode: E_QE edges, nu_e data and predicted background,
nu_mu CCQE data and prediction, 30x30 fractional covariance in the block order
:data:`COVARIANCE_BLOCKS`), :func:`load_fullosc_ntuple` (17,204 full-transmutation events),
:func:`load_cos_theta_data` (digitized cos(theta) data, background and beam-nu_e template).
Each loader calls a ``read_*`` parser on the file path; a file with the wrong number of bins, a
non-square or non-symmetric covariance, or non-numeric content raises
:class:`~neutrissimo.exceptions.DataFileError` naming the file and the problem.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from neutrissimo.exceptions import DataFileError
from neutrissimo.experiments.miniboone.config import (
    COVARIANCE_BLOCKS,
    N_NUE_BINS,
    N_NUMU_BINS,
    _default_config,
)
from neutrissimo.io.data import fetch

__all__ = [
    "DIGITIZED_DIR",
    "EFFICIENCY_FILE",
    "N_FULLOSC_EVENTS",
    "RELEASE_DIR",
    "CosThetaData",
    "EfficiencyTable",
    "FullOscNtuple",
    "NumodeRelease",
    "efficiency_table",
    "load_cos_theta_data",
    "load_fullosc_ntuple",
    "load_numode_release",
    "read_covariance",
    "read_digitized",
    "read_fullosc_ntuple",
    "read_vector",
]


RELEASE_DIR = "miniboone/release_2020_numode"
DIGITIZED_DIR = "miniboone/digitized_2020"
EFFICIENCY_FILE = "miniboone/efficiency/eg_effs.dat"


#: Number of events in the full-transmutation ntuple; predicted events = sum(w_i / N) P_i.
N_FULLOSC_EVENTS = 17204


def _readonly(a: NDArray[np.float64]) -> NDArray[np.float64]:
    a.setflags(write=False)
    return a


def _load_numbers(path: Path, what: str, **kwargs: Any) -> NDArray[np.float64]:
    try:
        values = np.loadtxt(path, ndmin=2, **kwargs)
    except (ValueError, OSError) as exc:
        raise DataFileError(f"{what} file {path} is not a numeric table: {exc}") from exc
    if values.size == 0:
        raise DataFileError(f"{what} file {path} is empty.")
    if not np.all(np.isfinite(values)):
        raise DataFileError(f"{what} file {path} contains NaN or inf.")
    return values.astype(float)


def read_vector(
    path: str | Path, n: int, *, what: str = "MiniBooNE release"
) -> NDArray[np.float64]:
    """Read a whitespace-separated vector of exactly ``n`` numbers (any line layout).

    Raises:
        DataFileError: not numeric, non-finite, or not ``n`` numbers.
    """
    path = Path(path)
    values = _load_numbers(path, what).ravel()
    if values.size != n:
        raise DataFileError(
            f"{what} file {path} has {values.size} numbers, expected {n} (one per bin). "
            "Is it the right file / release?"
        )
    return _readonly(values)


def read_covariance(
    path: str | Path, n: int, *, what: str = "MiniBooNE covariance", rtol: float = 1e-6
) -> NDArray[np.float64]:
    """Read an ``n`` x ``n`` symmetric matrix.

    Raises:
        DataFileError: wrong shape, not symmetric (|C - C^T| > rtol max|C|), or non-finite.
    """
    path = Path(path)
    m = _load_numbers(path, what)
    if m.shape != (n, n):
        raise DataFileError(f"{what} file {path} is {m.shape[0]}x{m.shape[1]}, expected {n}x{n}.")
    asym = np.max(np.abs(m - m.T))
    if asym > rtol * np.max(np.abs(m)):
        raise DataFileError(
            f"{what} file {path} is not symmetric (max |C - C^T| = {asym:.3g}); a covariance "
            "matrix must be. Is the file corrupted?"
        )
    return _readonly(0.5 * (m + m.T))


def read_fullosc_ntuple(path: str | Path, *, n_events: int | None = None) -> NDArray[np.float64]:
    """Read the full-transmutation ntuple: columns E_QE [MeV], E_true [MeV], L [cm], weight.

    Raises:
        DataFileError: not 4 columns, wrong number of events (if ``n_events``), or non-positive
            energies/baselines.
    """
    path = Path(path)
    t = _load_numbers(path, "Full-transmutation ntuple")
    if t.shape[1] != 4:
        raise DataFileError(
            f"Full-transmutation ntuple {path} has {t.shape[1]} columns, expected 4 "
            "(E_QE [MeV], E_true [MeV], L [cm], weight)."
        )
    if n_events is not None and t.shape[0] != n_events:
        raise DataFileError(
            f"Full-transmutation ntuple {path} has {t.shape[0]} events, expected {n_events}."
        )
    if np.any(t[:, 1] <= 0) or np.any(t[:, 2] <= 0):
        raise DataFileError(f"Full-transmutation ntuple {path} has non-positive E_true or L.")
    return _readonly(t)


def read_digitized(path: str | Path, centers: ArrayLike) -> NDArray[np.float64]:
    """Read a digitized figure (two columns: bin centre, value) onto known bin ``centers``.

    Each digitized x must lie within 30% of a bin width of the expected centre (digitization
    scatter is ~1% of a bin); the values are returned in bin order.

    Raises:
        DataFileError: wrong number of rows/columns or an x far from its bin centre.
    """
    path = Path(path)
    centers = np.asarray(centers, dtype=float)
    t = _load_numbers(path, "Digitized figure")
    if t.shape != (centers.size, 2):
        raise DataFileError(
            f"Digitized file {path} has shape {t.shape}, expected ({centers.size}, 2) "
            "(bin centre, value per bin)."
        )
    width = np.min(np.diff(centers)) if centers.size > 1 else 1.0
    if np.any(np.abs(t[:, 0] - centers) > 0.3 * width):
        raise DataFileError(
            f"Digitized file {path}: x values {t[:, 0]} do not match the bin centres {centers}."
        )
    return _readonly(t[:, 1].copy())


@dataclass(frozen=True)
class NumodeRelease:
    """Official MiniBooNE 2020 neutrino-mode release (18.75e20 POT). Energies in GeV."""

    eqe_edges_gev: NDArray[np.float64] = field(repr=False)
    nue_data: NDArray[np.float64] = field(repr=False)
    nue_background: NDArray[np.float64] = field(repr=False)
    numu_edges_gev: NDArray[np.float64] = field(repr=False)
    numu_data: NDArray[np.float64] = field(repr=False)
    numu_prediction: NDArray[np.float64] = field(repr=False)
    fractional_covariance: NDArray[np.float64] = field(repr=False)


@functools.cache
def load_numode_release() -> NumodeRelease:
    """Load the 2020 nu-mode release files (cached; arrays are read-only).

    The E_QE edges are checked against ``[binning] eqe_edges_mev`` of the TOML.
    """
    cfg = _default_config()
    edges = read_vector(fetch(f"{RELEASE_DIR}/miniboone_binboundaries_nue_lowe.txt"), 12) * 1e-3
    if not np.allclose(edges, cfg.eqe_edges_gev):
        raise DataFileError(
            f"E_QE edges of the release {edges * 1e3} differ from miniboone.toml "
            f"{cfg.eqe_edges_gev * 1e3}."
        )
    n_cov = sum(n for _, n in COVARIANCE_BLOCKS)
    return NumodeRelease(
        eqe_edges_gev=_readonly(edges),
        nue_data=read_vector(fetch(f"{RELEASE_DIR}/miniboone_nuedata_lowe.txt"), N_NUE_BINS),
        nue_background=read_vector(fetch(f"{RELEASE_DIR}/miniboone_nuebgr_lowe.txt"), N_NUE_BINS),
        numu_edges_gev=cfg.numu_eqe_edges_gev,
        numu_data=read_vector(fetch(f"{RELEASE_DIR}/miniboone_numudata.txt"), N_NUMU_BINS),
        numu_prediction=read_vector(fetch(f"{RELEASE_DIR}/miniboone_numu.txt"), N_NUMU_BINS),
        fractional_covariance=read_covariance(
            fetch(f"{RELEASE_DIR}/miniboone_full_fractcovmatrix_nu_lowe.txt"), n_cov
        ),
    )


@dataclass(frozen=True)
class FullOscNtuple:
    """Full nu_mu -> nu_e transmutation MC of the 2020 release (GeV, cm).

    ``weight`` is already divided by the number of events: predicted events at 18.75e20 POT
    = sum_i weight_i * P(nu_mu -> nu_e; E_true_i, L_i) (PROVENANCE section 1a).
    """

    eqe_gev: NDArray[np.float64] = field(repr=False)
    etrue_gev: NDArray[np.float64] = field(repr=False)
    baseline_cm: NDArray[np.float64] = field(repr=False)
    weight: NDArray[np.float64] = field(repr=False)


@functools.cache
def load_fullosc_ntuple() -> FullOscNtuple:
    """Load the 17,204-event full-transmutation ntuple (cached; read-only arrays)."""
    t = read_fullosc_ntuple(
        fetch(f"{RELEASE_DIR}/miniboone_numunuefullosc_ntuple.txt"), n_events=N_FULLOSC_EVENTS
    )
    return FullOscNtuple(
        eqe_gev=_readonly(t[:, 0] * 1e-3),
        etrue_gev=_readonly(t[:, 1] * 1e-3),
        baseline_cm=_readonly(t[:, 2].copy()),
        weight=_readonly(t[:, 3] / t.shape[0]),
    )


@dataclass(frozen=True)
class CosThetaData:
    """Digitized 2020 cos(theta) distribution, 200 < E_QE < 1250 MeV (events per bin).

    ``beam_nue_template`` is the intrinsic beam-nu_e component of the companion figure with a
    radius cut (``cosTheta_Rcut_*.dat``). The digitized curves of that figure are cumulative
    stack tops (Delta -> N gamma at the bottom, then pi0, then beam nu_e on top: their sums
    443 < 880 < 1537 events, and only a cumulative reading keeps the stack below the 1999 data
    events); the beam-nu_e component alone is therefore ``beamnue - pi0`` (657 events, of the
    size expected for intrinsic nu_e with the radius cut). Negative differences from
    digitization scatter are clipped to 0. Caveat: digitization errors of 1-2 % per point.
    """

    edges: NDArray[np.float64] = field(repr=False)
    data: NDArray[np.float64] = field(repr=False)
    background: NDArray[np.float64] = field(repr=False)
    beam_nue_template: NDArray[np.float64] = field(repr=False)


@functools.cache
def load_cos_theta_data() -> CosThetaData:
    """Load the digitized 2020 cos(theta) data, background and the beam-nu_e template."""
    cfg = _default_config()
    edges = read_vector(fetch(f"{DIGITIZED_DIR}/Costheta_bin_edges.dat"), cfg.n_cos_bins + 1)
    if not np.allclose(edges, cfg.cos_edges):
        raise DataFileError(f"cos(theta) edges {edges} differ from miniboone.toml binning.")
    centers = 0.5 * (edges[1:] + edges[:-1])

    def dig(name: str) -> NDArray[np.float64]:
        return read_digitized(fetch(f"{DIGITIZED_DIR}/{name}"), centers)

    beam_top, pi0_top = dig("cosTheta_Rcut_beamnue.dat"), dig("cosTheta_Rcut_pi0.dat")
    return CosThetaData(
        edges=edges,
        data=dig("cosTheta_data.dat"),
        background=dig("cosTheta_bkg.dat"),
        beam_nue_template=_readonly(np.clip(beam_top - pi0_top, 0.0, None)),
    )


@dataclass(frozen=True)
class EfficiencyTable:
    """Official gamma/e- efficiency vs generated energy (GeV) with its systematic error."""

    energy_gev: NDArray[np.float64] = field(repr=False)
    efficiency: NDArray[np.float64] = field(repr=False)
    error: NDArray[np.float64] = field(repr=False)


@functools.cache
def efficiency_table() -> EfficiencyTable:
    """The MiniBooNE gamma/e- efficiency table (``eg_effs.dat``, 16 rows, 50-2000 MeV)."""
    path = fetch(EFFICIENCY_FILE)
    t = _load_numbers(path, "Efficiency table")
    if t.shape != (16, 3) or np.any(np.diff(t[:, 0]) <= 0):
        raise DataFileError(f"Efficiency table {path} must have 16 rows of (E [MeV], eff, err).")
    return EfficiencyTable(
        _readonly(t[:, 0] * 1e-3), _readonly(t[:, 1].copy()), _readonly(t[:, 2].copy())
    )
