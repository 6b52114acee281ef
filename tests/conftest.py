"""Shared test setup: the public data folder must be reachable (CI sets NEUTRISSIMO_DATA_DIR)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest


@pytest.fixture(scope="session", autouse=True)
def _data_dir_is_set() -> None:
    folder = os.environ.get("NEUTRISSIMO_DATA_DIR")
    if not folder or not Path(folder).is_dir():
        pytest.exit(
            "NEUTRISSIMO_DATA_DIR must point at the public data folder (e.g. ../shared/data); "
            f"got {folder!r}.",
            returncode=2,
        )


@pytest.fixture
def rng():
    import numpy as np

    return np.random.default_rng(20230303)
