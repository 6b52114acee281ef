"""Atomic file output: every file neutrissimo writes appears whole or not at all.

:func:`atomic_path` yields a temporary path in the destination's folder; when the block ends
without an error the file is moved into place with :func:`os.replace` (atomic on POSIX), and on an
error the temporary file is removed. An interrupted run therefore never leaves a truncated
result that a resumed run would trust.
"""

from __future__ import annotations

import glob
import json
import os
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from neutrissimo.exceptions import ConfigurationError

__all__ = [
    "atomic_path",
    "check_writable",
    "scratch_path",
    "write_columns_csv",
    "write_json",
    "write_text",
]


def _umask() -> int:
    """The process's file-creation mask (read without changing it for good)."""
    mask = os.umask(0)
    os.umask(mask)
    return mask


@contextmanager
def atomic_path(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; rename it to ``path`` if the block succeeds.

    The temporary name keeps the destination's suffix (some writers choose the format by it).
    The file gets the permissions of an ordinary new file under the user's umask (0644 with the
    usual 022), not mkstemp's private 0600, so collaborators can read results. Temporary files
    of ``path`` left behind by a killed run (``.<name>.*.tmp*``) are removed once it is written.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp = tempfile.mkstemp(
        dir=path.parent, prefix=f".{path.name}.", suffix=f".tmp{path.suffix}"
    )
    os.close(handle)
    try:
        yield Path(tmp)
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
        for stale in path.parent.glob(f".{glob.escape(path.name)}.*.tmp*"):
            stale.unlink(missing_ok=True)
    finally:
        Path(tmp).unlink(missing_ok=True)


@contextmanager
def scratch_path(path: str | os.PathLike[str], suffix: str = ".tmp") -> Iterator[Path]:
    """Yield a hidden scratch file beside ``path`` (named like :func:`atomic_path`'s temporary
    files, ``.<name>.*.tmp*``), removed when the block ends however it ends. An intermediate
    file of a streamed output lives here: if the process is killed, the next successful
    :func:`atomic_path` write of ``path`` removes it as a stale temporary file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=suffix)
    os.close(handle)
    try:
        yield Path(tmp)
    finally:
        Path(tmp).unlink(missing_ok=True)


def check_writable(path: str | os.PathLike[str], *, folder: bool) -> Path:
    """Check, before any work, that ``path`` can be written: a folder (created if missing) or a
    file whose folder exists or can be created; returns the path.

    Raises:
        ConfigurationError: ``path`` is of the other kind, or permission or the file system
            forbids writing there (the message names the path and the fix).
    """
    target = Path(path).expanduser()
    if folder and target.exists() and not target.is_dir():
        raise ConfigurationError(f"Output folder {target} is a file. Fix: give a folder path.")
    if not folder and target.is_dir():
        raise ConfigurationError(f"Output file {target} is a folder. Fix: give a file path.")
    where = target if folder else target.parent
    try:
        where.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=where):
            pass
    except OSError as exc:
        raise ConfigurationError(
            f"Cannot write to {where}: {exc.strerror or exc}. Fix: choose a writable location."
        ) from None
    return target


def write_text(path: str | os.PathLike[str], text: str) -> Path:
    """Write ``text`` to ``path`` atomically."""
    with atomic_path(path) as tmp:
        tmp.write_text(text)
    return Path(path)


def write_json(path: str | os.PathLike[str], payload: Any) -> Path:
    """Write ``payload`` as indented JSON atomically."""
    return write_text(path, json.dumps(payload, indent=2) + "\n")


def write_columns_csv(
    path: str | os.PathLike[str],
    header: Sequence[str],
    columns: Sequence[ArrayLike],
    comments: Sequence[str] = (),
) -> Path:
    """Write equal-length columns as CSV (``# comment`` lines, then the header) atomically;
    numbers with 10 significant digits."""
    arrays = [np.asarray(c, dtype=float).ravel() for c in columns]
    lines = [f"# {c}" for c in comments] + [",".join(header)]
    lines += [",".join(f"{v:.10g}" for v in row) for row in zip(*arrays, strict=True)]
    return write_text(path, "\n".join(lines) + "\n")
