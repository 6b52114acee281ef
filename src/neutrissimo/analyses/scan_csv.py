"""The CSV files of a (m_N, d_mu) scan: the chi^2 grid and its Wilks contours.

Output formats
--------------
Grid CSV: header ``m_N [GeV],d_mu [GeV^-1],chi2,delta_chi2``, one row per grid point
(m_N-major order), delta_chi2 = chi2 - min(chi2) over the grid; numbers with 10 significant
digits; ``nan`` where chi2 is undefined. Contour CSVs: one file per closed path,
``<stem>_path<k>.csv`` (k = 0, 1, ...), header ``m_N [GeV],d_mu [GeV^-1]``, the first point
repeated at the end. Both are written to a temporary file in the target folder and moved into
place with :func:`os.replace` (atomic on POSIX).
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from numpy.typing import ArrayLike, NDArray

from neutrissimo.exceptions import ConfigurationError, DataFileError, PhysicsDomainError
from neutrissimo.io.atomic import write_text
from neutrissimo.statistics.contours import Regions

__all__ = [
    "CONTOUR_COLUMNS",
    "GRID_COLUMNS",
    "read_grid_csv",
    "write_contour_csvs",
    "write_grid_csv",
    "write_scan_csvs",
]


GRID_COLUMNS: tuple[str, ...] = ("m_N [GeV]", "d_mu [GeV^-1]", "chi2", "delta_chi2")


CONTOUR_COLUMNS: tuple[str, ...] = ("m_N [GeV]", "d_mu [GeV^-1]")


def _fmt(a: NDArray[np.float64]) -> list[str]:
    return [f"{v:.10g}" for v in a]


def write_grid_csv(path: str | Path, m_N: ArrayLike, d_mu: ArrayLike, chi2: ArrayLike) -> Path:
    """Write a (m_N, d_mu) chi^2 grid as CSV (format in the module doc); returns the path.

    ``chi2`` has shape (len(m_N), len(d_mu)); delta_chi2 = chi2 - nanmin(chi2).
    """
    m = np.asarray(m_N, dtype=float)
    d = np.asarray(d_mu, dtype=float)
    c = np.asarray(chi2, dtype=float)
    if c.shape != (m.size, d.size):
        raise ConfigurationError(
            f"chi2 shape {c.shape} != (len(m_N), len(d_mu)) = {(m.size, d.size)}."
        )
    if np.all(np.isnan(c)):
        raise PhysicsDomainError("chi2 grid is entirely NaN.")
    mm, dd = np.meshgrid(m, d, indexing="ij")
    delta = c - np.nanmin(c)
    cols = [_fmt(a.ravel()) for a in (mm, dd, c, delta)]
    lines = [",".join(GRID_COLUMNS)] + [",".join(row) for row in zip(*cols, strict=True)]
    path = Path(path)
    write_text(path, "\n".join(lines) + "\n")
    return path


def read_grid_csv(path: str | Path) -> dict[str, NDArray[np.float64]]:
    """Read a grid CSV written by :func:`write_grid_csv`: arrays keyed by column name.

    Raises:
        DataFileError: the header is not the documented one.
    """
    path = Path(path)
    with path.open() as fh:
        header = fh.readline().strip()
    if header != ",".join(GRID_COLUMNS):
        raise DataFileError(f"{path}: header {header!r}, expected {','.join(GRID_COLUMNS)!r}.")
    table = np.loadtxt(path, delimiter=",", skiprows=1, ndmin=2)
    return {name: table[:, k] for k, name in enumerate(GRID_COLUMNS)}


def write_contour_csvs(folder: str | Path, stem: str, paths: Sequence[ArrayLike]) -> list[Path]:
    """Write one CSV per closed path, ``<folder>/<stem>_path<k>.csv`` (format in module doc).

    Older ``<stem>_path*.csv`` files in the folder that are not rewritten are removed, so the
    folder always holds exactly the current set of paths.
    """
    if not re.fullmatch(r"[A-Za-z0-9_.+-]+", stem):
        raise ConfigurationError(f"Contour file stem {stem!r} must be a plain file name.")
    folder = Path(folder)
    written: list[Path] = []
    for k, p in enumerate(paths):
        arr = np.asarray(p, dtype=float)
        if arr.ndim != 2 or arr.shape[1] != 2:
            raise ConfigurationError(f"Contour path {k} has shape {arr.shape}; expected (N, 2).")
        lines = [",".join(CONTOUR_COLUMNS)] + [
            f"{a:.10g},{b:.10g}" for a, b in zip(arr[:, 0], arr[:, 1], strict=True)
        ]
        target = folder / f"{stem}_path{k}.csv"
        write_text(target, "\n".join(lines) + "\n")
        written.append(target)
    pattern = re.compile(rf"{re.escape(stem)}_path\d+\.csv")
    for old in folder.glob(f"{stem}_path*.csv"):
        if pattern.fullmatch(old.name) and old not in written:
            old.unlink()
    return written


def write_scan_csvs(
    folder: str | Path,
    stem: str,
    m_N: ArrayLike,
    d_mu: ArrayLike,
    chi2: ArrayLike,
    regions: Regions,
) -> dict[str, list[Path]]:
    """Write a scan's grid and its regions: ``<stem>_grid.csv`` and, per n of ``regions``,
    ``<stem>_<n>sigma_path<k>.csv``. Returns the written paths by key (``"grid"``,
    ``"1sigma"``, ...).
    """
    if not re.fullmatch(r"[A-Za-z0-9_.+-]+", stem):
        raise ConfigurationError(f"Scan file stem {stem!r} must be a plain file name.")
    folder = Path(folder)
    out = {"grid": [write_grid_csv(folder / f"{stem}_grid.csv", m_N, d_mu, chi2)]}
    for n, paths in regions.items():
        out[f"{n}sigma"] = write_contour_csvs(folder, f"{stem}_{n}sigma", paths)
    return out


def read_contour_csvs(folder: str | os.PathLike[str], stem: str) -> list[NDArray[np.float64]]:
    """The paths :func:`write_contour_csvs` wrote as ``<stem>_path<k>.csv`` in ``folder``
    (empty if there are none).

    Raises:
        DataFileError: a file that is not a contour CSV.
    """
    files = sorted(
        Path(folder).glob(f"{stem}_path*.csv"), key=lambda f: int(f.stem.rsplit("path", 1)[1])
    )
    paths = []
    for file in files:
        try:
            paths.append(np.loadtxt(file, delimiter=",", comments="#", skiprows=1, ndmin=2))
        except ValueError as exc:
            raise DataFileError(f"{file} is not a contour CSV ({exc}).") from exc
    return paths
