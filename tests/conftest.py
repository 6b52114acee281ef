"""Shared test setup: the tests run on the data files shipped with the package, offline.

``NEUTRISSIMO_DATA_DIR`` is removed for the session (the shipped copy must be enough) and any
download attempt fails, so a test that needs a file the package does not ship fails loudly
instead of reaching for the network.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from neutrissimo.exceptions import DataFileError
from neutrissimo.io import data as data_registry


def _no_download(entry: data_registry.RegistryEntry) -> None:
    raise DataFileError(f"tests never download; '{entry.path}' is not shipped with the package.")


@pytest.fixture(scope="session", autouse=True)
def _offline_with_shipped_data() -> Iterator[None]:
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv(data_registry.DATA_DIR_ENV, raising=False)
        patch.setattr(data_registry, "_download", _no_download)
        yield


@pytest.fixture
def rng():
    import numpy as np

    return np.random.default_rng(20230303)
