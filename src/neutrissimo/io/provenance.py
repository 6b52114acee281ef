"""What made a result: the package version and a fingerprint of every shipped configuration.

:func:`configuration_fingerprint` hashes (sha256) the package's Python sources, its shipped
TOML files (detectors, setups, analysis numbers) and its data registry (the sha256 of every data
file, which stands for the shipped data files themselves), so any change of a number or of the
code that enters a result changes the fingerprint (also between two commits of one version).
Checkpoints and outputs record it with the
version (:func:`provenance`), and a checkpoint is reused only when it matches.
"""

from __future__ import annotations

import functools
import hashlib
from importlib import resources
from importlib.metadata import version
from typing import Any

__all__ = ["configuration_fingerprint", "provenance"]

_SUFFIXES = (".py", ".toml", ".txt")


@functools.cache
def configuration_fingerprint() -> str:
    """sha256 (hex) over the names and contents of the package's Python sources, shipped TOML
    files and data registry, in sorted order (cached: they are part of the installed package)."""
    digest = hashlib.sha256()
    root = resources.files("neutrissimo")
    stack = [root]
    files = []
    while stack:
        folder = stack.pop()
        for item in folder.iterdir():
            if item.is_dir():
                if folder == root and item.name == "data":
                    continue  # the shipped data files: their sha256 are in the registry
                stack.append(item)
            elif item.name.endswith(_SUFFIXES):
                files.append(item)
    for item in sorted(files, key=lambda f: str(f)):
        digest.update(str(item).removeprefix(str(root)).encode())
        digest.update(item.read_bytes())
    return digest.hexdigest()


def provenance(**settings: Any) -> dict[str, Any]:
    """``settings`` plus the package version and the configuration fingerprint: the record an
    output or checkpoint carries of everything that made it (JSON-serialisable values)."""
    return {
        **settings,
        "neutrissimo_version": version("neutrissimo"),
        "configuration_sha256": configuration_fingerprint(),
    }
