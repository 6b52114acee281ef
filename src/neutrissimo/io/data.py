"""Registry of the public data files neutrissimo reads (fluxes, data releases, nuclear tables).

The package never ships these files. Each one is known by its path relative to a data folder,
its sha256 and the public URL it comes from (``registry.txt`` beside this module; regenerate it
with ``tools/build_registry.py``). :func:`fetch` looks for a file

1. in ``$NEUTRISSIMO_DATA_DIR`` (CI points it at ``../shared/data``),
2. in the user cache (``pooch.os_cache("neutrissimo")``),
3. and, if it has a public URL, downloads it into the cache (``neutrissimo data fetch``).

A file found with the wrong checksum, a file missing everywhere, or a path that is not in the
registry raises :class:`~neutrissimo.exceptions.DataFileError` with the fix in its message.
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
    "RegistryEntry",
    "cache_dir",
    "fetch",
    "load_table",
    "registry",
    "verify_all",
]

#: Environment variable naming the local folder that holds the public data files.
DATA_DIR_ENV = "NEUTRISSIMO_DATA_DIR"


@dataclass(frozen=True)
class RegistryEntry:
    """One public data file: relative path, sha256 and public URL (``None`` if derived)."""

    path: str
    sha256: str
    url: str | None


@functools.cache
def registry() -> dict[str, RegistryEntry]:
    """All registered data files, keyed by relative path."""
    text = resources.files(__package__).joinpath("registry.txt").read_text()
    entries: dict[str, RegistryEntry] = {}
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        path, digest, url = line.split()
        entries[path] = RegistryEntry(
            path, digest.removeprefix("sha256:"), None if url == "-" else url
        )
    return entries


def cache_dir() -> Path:
    """The user cache folder where downloaded data files are kept."""
    import pooch

    return Path(pooch.os_cache("neutrissimo"))


@functools.cache
def _sha256(path: Path, mtime_ns: int, size: int) -> str:
    del mtime_ns, size  # part of the cache key only: a rewritten file is hashed again
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _checked(path: Path, entry: RegistryEntry) -> Path:
    stat = path.stat()
    digest = _sha256(path, stat.st_mtime_ns, stat.st_size)
    if digest != entry.sha256:
        raise DataFileError(
            f"Data file '{entry.path}' at {path} is corrupted or a different version: its sha256 "
            f"is {digest}, the registry expects {entry.sha256}. Fix: replace it with the original "
            f"file (`neutrissimo data fetch {entry.path}` downloads it"
            + (
                f" from {entry.url})."
                if entry.url
                else "; it has no public URL, copy it from the neutrissimo data folder)."
            )
        )
    return path


def fetch(relpath: str, *, download: bool = True) -> Path:
    """Local path of the registered data file ``relpath``, verified against its sha256.

    Args:
        relpath: path relative to the data folder, e.g. ``"nuclear/ame2020_mass20_1.txt"``.
        download: fetch a missing file from its public URL into the cache (default) or not.

    Raises:
        DataFileError: ``relpath`` is not registered, or the file is missing (and cannot be
            downloaded), or its checksum does not match.
    """
    entry = registry().get(relpath)
    if entry is None:
        close = [p for p in registry() if Path(p).name == Path(relpath).name]
        hint = f" Did you mean {close[0]!r}?" if close else ""
        raise DataFileError(
            f"'{relpath}' is not a registered neutrissimo data file.{hint} "
            "`neutrissimo data list` shows the registry."
        )
    looked: list[str] = []
    env = os.environ.get(DATA_DIR_ENV)
    if env:
        candidate = Path(env).expanduser() / relpath
        if candidate.is_file():
            return _checked(candidate, entry)
        looked.append(f"{DATA_DIR_ENV}={env} (no such file there)")
    else:
        looked.append(f"{DATA_DIR_ENV} (not set)")
    cached = cache_dir() / relpath
    if cached.is_file():
        return _checked(cached, entry)
    looked.append(f"the cache {cache_dir()}")
    if entry.url is None or not download:
        raise DataFileError(
            f"Data file '{relpath}' was not found; looked in {' and '.join(looked)}. "
            + ("It has no public download URL. " if entry.url is None else "")
            + "Fix: `export {DATA_DIR_ENV}=/path/to/neutrissimo/data` "
            "(the folder holding fluxes/, miniboone/, nuclear/ ...)"
            + (f", or `neutrissimo data fetch {relpath}`." if entry.url else ".")
        )
    return _download(entry, looked)


def _download(entry: RegistryEntry, looked: list[str]) -> Path:
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
        raise DataFileError(
            f"Data file '{entry.path}' was not found (looked in {' and '.join(looked)}) and "
            f"downloading it from {entry.url} failed: {exc}. Fix: `export {DATA_DIR_ENV}="
            "/path/to/neutrissimo/data`, or run `neutrissimo data fetch --all` when online."
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
    """Check every registered file; returns ``{path: "ok" | error message}``."""
    status: dict[str, str] = {}
    for relpath in registry():
        try:
            fetch(relpath, download=download)
        except DataFileError as exc:
            status[relpath] = str(exc)
        else:
            status[relpath] = "ok"
    return status
