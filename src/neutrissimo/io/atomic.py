"""Atomic file output: every file neutrissimo writes appears whole or not at all.

:func:`atomic_path` yields a temporary path in the destination's folder; when the block ends
without an error the file is moved into place with :func:`os.replace` (atomic on POSIX), and on an
error the temporary file is removed. An interrupted run therefore never leaves a truncated
result that a resumed run would trust.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

__all__ = ["atomic_path", "write_columns_csv", "write_json", "write_text"]


@contextmanager
def atomic_path(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; rename it to ``path`` if the block succeeds.

    The temporary name keeps the destination's suffix (some writers choose the format by it).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp = tempfile.mkstemp(
        dir=path.parent, prefix=f".{path.name}.", suffix=f".tmp{path.suffix}"
    )
    os.close(handle)
    try:
        yield Path(tmp)
        os.replace(tmp, path)
    finally:
        Path(tmp).unlink(missing_ok=True)


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
