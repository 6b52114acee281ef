"""Registry of the public data files neutrissimo reads (fluxes, data releases, nuclear tables).

Every file is known by its path relative to a data folder, its sha256, its public source and
whether it ships with the package (``registry.txt`` beside this module; regenerate it with
``tools/build_registry.py``). The files the package reads at run time (a few MB: fluxes, the
MiniBooNE release files, the MINERvA digitizations, the nuclear tables) are *packaged*: they
are installed with neutrissimo under ``neutrissimo/data/`` with their ``PROVENANCE.md``, as
DarkNews ships its fluxes and ``particle`` its tables, so the package works offline and with no
configuration (batch nodes, Dask workers). The other entries are *optional* reference files that
no code path needs; each has a public URL and is downloaded only on request.

:func:`fetch` looks for a file

1. in ``$NEUTRISSIMO_DATA_DIR`` if it is set (an override; it must be an existing folder),
2. in the package's own data folder (packaged entries),
3. in the user cache (``pooch.os_cache("neutrissimo")``),
4. and, for an optional entry, downloads it from its public URL into the cache.

Every copy is checked against the registry's sha256. A file found with the wrong checksum, a file
missing everywhere, or a path that is not in the registry raises
:class:`~neutrissimo.exceptions.DataFileError` with a one-line message that names the fix.
"""

from __future__ import annotations

import functools
import hashlib
import os
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from neutrissimo.exceptions import DataFileError

__all__ = [
    "DATA_DIR_ENV",
    "NOT_DOWNLOADED",
    "RegistryEntry",
    "cache_dir",
    "fetch",
    "load_table",
    "override_dir",
    "packaged_dir",
    "registry",
    "verify_all",
    "verify_report",
]

#: Environment variable naming a local folder that overrides the packaged data files.
DATA_DIR_ENV = "NEUTRISSIMO_DATA_DIR"
#: Status of an optional file that is not downloaded (see :func:`verify_all`).
NOT_DOWNLOADED = "optional, not downloaded"


@dataclass(frozen=True)
class RegistryEntry:
    """One public data file.

    Attributes:
        path: path relative to a data folder, e.g. ``"nuclear/ame2020_mass20_1.txt"``.
        sha256: hex digest every copy must have.
        url: public raw URL of the file, ``None`` for a file derived by the assembler of the
            data set (then it is packaged, never downloaded).
        packaged: shipped inside the package (``neutrissimo/data/<path>``).
    """

    path: str
    sha256: str
    url: str | None
    packaged: bool


@functools.cache
def registry() -> dict[str, RegistryEntry]:
    """All registered data files, keyed by relative path.

    Each line of ``registry.txt`` reads ``<path> sha256:<hex> <url or -> <packaged|optional>``.
    """
    text = resources.files(__package__).joinpath("registry.txt").read_text()
    entries: dict[str, RegistryEntry] = {}
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        path, digest, url, kind = line.split()
        entries[path] = RegistryEntry(
            path, digest.removeprefix("sha256:"), None if url == "-" else url, kind == "packaged"
        )
    return entries


def packaged_dir() -> Path:
    """The folder inside the installed package that holds the packaged data files."""
    return Path(str(resources.files("neutrissimo").joinpath("data")))


def cache_dir() -> Path:
    """The user cache folder where downloaded optional data files are kept."""
    import pooch

    return Path(pooch.os_cache("neutrissimo"))


def override_dir() -> Path | None:
    """The folder named by ``$NEUTRISSIMO_DATA_DIR``, or ``None`` if the variable is unset.

    Raises:
        DataFileError: the variable is set but does not name an existing folder.
    """
    value = os.environ.get(DATA_DIR_ENV)
    if not value:
        return None
    folder = Path(value).expanduser()
    if not folder.is_dir():
        raise DataFileError(
            f"{DATA_DIR_ENV}={value} is not an existing folder. Fix: point it at a folder that "
            f"holds the data files (fluxes/, miniboone/, nuclear/ ...) or unset it to use the "
            "files shipped with neutrissimo."
        )
    return folder


@functools.cache
def _sha256(path: Path, mtime_ns: int, size: int) -> str:
    del mtime_ns, size  # part of the cache key only: a rewritten file is hashed again
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _checked(path: Path, entry: RegistryEntry, fix: str) -> Path:
    stat = path.stat()
    digest = _sha256(path, stat.st_mtime_ns, stat.st_size)
    if digest != entry.sha256:
        raise DataFileError(
            f"Data file '{entry.path}' at {path} is corrupted or a different version (sha256 "
            f"{digest[:12]}..., the registry expects {entry.sha256[:12]}...). Fix: {fix}"
        )
    return path


def _unregistered(relpath: str) -> DataFileError:
    close = [p for p in registry() if Path(p).name == Path(relpath).name]
    hint = f" Did you mean {close[0]!r}?" if close else ""
    return DataFileError(
        f"'{relpath}' is not a registered neutrissimo data file.{hint} "
        "`neutrissimo data list` shows the registry."
    )


def _candidates(entry: RegistryEntry) -> list[tuple[Path, str]]:
    """Where ``entry`` may be, in lookup order, each with the fix for a corrupted copy."""
    relpath = entry.path
    places: list[tuple[Path, str]] = []
    override = override_dir()
    if override is not None:
        fix = f"replace it with the original file or unset {DATA_DIR_ENV}."
        places.append((override / relpath, fix))
    if entry.packaged:
        places.append((packaged_dir() / relpath, "reinstall neutrissimo (damaged installation)."))
    else:
        fix = f"delete it and run `neutrissimo data fetch {relpath}`."
        places.append((cache_dir() / relpath, fix))
    return places


def fetch(relpath: str, *, download: bool = True) -> Path:
    """Local path of the registered data file ``relpath``, verified against its sha256.

    Args:
        relpath: path relative to the data folder, e.g. ``"nuclear/ame2020_mass20_1.txt"``.
        download: fetch a missing optional file from its public URL into the cache (default)
            or not. Packaged files never need a download.

    Raises:
        DataFileError: ``relpath`` is not registered, ``$NEUTRISSIMO_DATA_DIR`` is not a folder,
            or the file is missing (and cannot be downloaded), or its checksum does not match.
    """
    entry = registry().get(relpath)
    if entry is None:
        raise _unregistered(relpath)
    places = _candidates(entry)
    for path, fix in places:
        if path.is_file():
            return _checked(path, entry, fix)
    if entry.packaged:
        raise DataFileError(
            f"Data file '{relpath}' ships with neutrissimo but is missing from "
            f"{packaged_dir()}. Fix: reinstall neutrissimo (the installation is incomplete)."
        )
    if not download or entry.url is None:
        looked = " and ".join(str(path)[: -len(relpath) - 1] for path, _ in places)
        raise DataFileError(
            f"Optional data file '{relpath}' is not downloaded (looked in {looked}). "
            f"Fix: `neutrissimo data fetch {relpath}` when online."
        )
    return _download(entry)


def _download(entry: RegistryEntry) -> Path:
    import pooch

    target = cache_dir() / entry.path
    try:
        pooch.retrieve(
            entry.url,
            known_hash=f"sha256:{entry.sha256}",
            fname=target.name,
            path=target.parent,
            progressbar=False,
        )
    except Exception as exc:  # network errors, HTTP errors and hash mismatches alike
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise DataFileError(
            f"Downloading optional data file '{entry.path}' from {entry.url} failed ({reason}). "
            f"Fix: retry `neutrissimo data fetch {entry.path}` when online."
        ) from exc
    return target


def load_table(relpath: str, *, ncols: int | None = None, **loadtxt_kwargs: object) -> np.ndarray:
    """Read a whitespace (or ``delimiter=``) separated numeric table from the registry.

    Args:
        relpath: registered path of the file.
        ncols: if given, the number of columns the table must have.
        **loadtxt_kwargs: passed to :func:`numpy.loadtxt` (``delimiter``, ``skiprows``, ...).

    Returns:
        A 2-D float array (one row per line).

    Raises:
        DataFileError: the file is missing, corrupted, not numeric, or has the wrong shape.
    """
    path = fetch(relpath)
    try:
        table: np.ndarray[Any, Any] = np.loadtxt(path, ndmin=2, **loadtxt_kwargs)  # type: ignore[call-overload]
    except ValueError as exc:
        raise DataFileError(
            f"Data file '{relpath}' ({path}) is not a numeric table: {exc}"
        ) from exc
    if ncols is not None and table.shape[1] != ncols:
        raise DataFileError(
            f"Data file '{relpath}' ({path}) has {table.shape[1]} columns, expected {ncols}."
        )
    if not np.all(np.isfinite(table)):
        raise DataFileError(f"Data file '{relpath}' ({path}) contains non-finite numbers.")
    return table


def verify_all(*, download: bool = False) -> dict[str, str]:
    """Check every registered file; returns ``{path: "ok" | NOT_DOWNLOADED | error message}``.

    An optional file that is nowhere on disk (and ``download`` is false) is reported as
    :data:`NOT_DOWNLOADED`, which is not an error: nothing in the package needs it.

    Raises:
        DataFileError: ``$NEUTRISSIMO_DATA_DIR`` is set but not a folder.
    """
    override_dir()
    status: dict[str, str] = {}
    for relpath, entry in registry().items():
        absent = not any(path.is_file() for path, _ in _candidates(entry))
        if absent and not entry.packaged and not download:
            status[relpath] = NOT_DOWNLOADED
            continue
        try:
            fetch(relpath, download=download)
        except DataFileError as exc:
            status[relpath] = str(exc)
        else:
            status[relpath] = "ok"
    return status


def verify_report() -> tuple[str, list[str]]:
    """(one-line summary, error messages) of :func:`verify_all` without downloads."""
    status = verify_all(download=False)
    errors = [v for v in status.values() if v not in ("ok", NOT_DOWNLOADED)]
    optional = sum(v == NOT_DOWNLOADED for v in status.values())
    verified = len(status) - len(errors) - optional
    return (
        f"{verified}/{len(status)} data files present and verified; {optional} optional files "
        "not downloaded (nothing needs them).",
        errors,
    )
