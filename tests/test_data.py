"""The data registry: lookup, checksums and the errors a user sees."""

from __future__ import annotations

import shutil

import pytest

from neutrissimo import DataFileError
from neutrissimo.io.data import DATA_DIR_ENV, fetch, load_table, registry

FILE = "miniboone/release_2020_numode/miniboone_nuedata_lowe.txt"


def test_registry_knows_checksums_and_sources():
    entries = registry()
    assert len(entries) > 100
    entry = entries["fluxes/bnb/MiniBooNE_nu_mode_flux.dat"]
    assert len(entry.sha256) == 64
    assert entry.url is not None
    assert entry.url.startswith("https://")
    assert entries["nuclear/fourier_bessel_charge_density_devries.csv"].url is None


def test_fetch_verifies_and_reads():
    table = load_table(FILE)
    assert table.size == 11
    assert table.sum() == pytest.approx(3202)  # 200-3000 MeV total of the 2020 release


def test_corrupted_file_is_named(tmp_path, monkeypatch):
    original = fetch(FILE)
    copy = tmp_path / FILE
    copy.parent.mkdir(parents=True)
    shutil.copy(original, copy)
    copy.write_text(copy.read_text() + "\n1\n")
    monkeypatch.setenv(DATA_DIR_ENV, str(tmp_path))
    with pytest.raises(DataFileError, match=r"corrupted.*neutrissimo data fetch"):
        fetch(FILE)


def test_missing_file_says_where_it_looked_and_how_to_fix(tmp_path, monkeypatch):
    monkeypatch.setenv(DATA_DIR_ENV, str(tmp_path))
    monkeypatch.setattr("neutrissimo.io.data.cache_dir", lambda: tmp_path / "cache")
    with pytest.raises(DataFileError) as info:
        fetch(FILE, download=False)
    message = str(info.value)
    assert FILE in message
    assert str(tmp_path) in message
    assert DATA_DIR_ENV in message


def test_unregistered_path_suggests_the_right_one():
    with pytest.raises(DataFileError, match="Did you mean"):
        fetch("miniboone_nuedata_lowe.txt")


def test_wrong_shape_is_rejected():
    with pytest.raises(DataFileError, match="columns"):
        load_table(FILE, ncols=3)
