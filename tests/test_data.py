"""The data registry: shipped files, lookup order, checksums and the errors a user sees."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from neutrissimo import DataFileError
from neutrissimo.cli import app
from neutrissimo.io.data import (
    DATA_DIR_ENV,
    NOT_DOWNLOADED,
    fetch,
    load_table,
    packaged_dir,
    registry,
    verify_all,
)

FILE = "miniboone/release_2020_numode/miniboone_nuedata_lowe.txt"
OPTIONAL = "miniboone/release_2018_numode/miniboone_nuedata_lowe.txt"
runner = CliRunner()


def test_every_entry_is_shipped_with_its_checksum_or_has_a_public_url():
    entries = registry()
    assert len(entries) > 100
    for entry in entries.values():
        if entry.packaged:
            shipped = packaged_dir() / entry.path
            assert shipped.is_file(), entry.path
            assert hashlib.sha256(shipped.read_bytes()).hexdigest() == entry.sha256, entry.path
        else:
            assert entry.url is not None, f"{entry.path}: neither shipped nor downloadable"
            assert entry.url.startswith("https://"), entry.path
    # the derived tables without a public URL (e.g. the Fourier-Bessel table) ship
    assert entries["nuclear/fourier_bessel_charge_density_devries.csv"].packaged


def test_the_package_ships_nothing_outside_the_registry():
    root = packaged_dir()
    shipped = {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()}
    assert shipped - {"PROVENANCE.md"} == {p for p, e in registry().items() if e.packaged}
    assert "sha256" in (root / "PROVENANCE.md").read_text()


def test_run_time_tables_load_without_data_dir_and_offline(monkeypatch, tmp_path):
    from neutrissimo.beams.flux import available_fluxes, load_flux
    from neutrissimo.experiments.miniboone.release import load_numode_release
    from neutrissimo.physics.nuclei import nucleus

    monkeypatch.delenv(DATA_DIR_ENV, raising=False)
    monkeypatch.setattr("neutrissimo.io.data.cache_dir", lambda: tmp_path / "empty-cache")
    for beam, mode, flavour, source, _ in available_fluxes():
        assert load_flux(beam, mode, flavour, source=source).integral() > 0
    assert nucleus("C12").fourier_bessel is not None
    assert load_numode_release().nue_data.sum() == pytest.approx(3202)
    assert str(fetch(FILE)).startswith(str(packaged_dir()))


def test_fetch_verifies_and_reads():
    table = load_table(FILE)
    assert table.size == 11
    assert table.sum() == pytest.approx(3202)  # 200-3000 MeV total of the 2020 release


def test_data_dir_overrides_the_shipped_copy(tmp_path, monkeypatch):
    copy = tmp_path / FILE
    copy.parent.mkdir(parents=True)
    shutil.copy(fetch(FILE), copy)
    monkeypatch.setenv(DATA_DIR_ENV, str(tmp_path))
    assert fetch(FILE) == copy
    # a file the override folder lacks comes from the package
    other = "nuclear/ame2020_mass20_1.txt"
    assert fetch(other) == packaged_dir() / other


def test_corrupted_override_is_named_with_the_fix(tmp_path, monkeypatch):
    copy = tmp_path / FILE
    copy.parent.mkdir(parents=True)
    shutil.copy(fetch(FILE), copy)
    copy.write_text(copy.read_text() + "\n1\n")
    monkeypatch.setenv(DATA_DIR_ENV, str(tmp_path))
    with pytest.raises(DataFileError, match=rf"corrupted.*unset {DATA_DIR_ENV}") as info:
        fetch(FILE)
    assert "\n" not in str(info.value)


def test_data_dir_that_is_not_a_folder_is_diagnosed(tmp_path, monkeypatch):
    missing = tmp_path / "nope"
    monkeypatch.setenv(DATA_DIR_ENV, str(missing))
    with pytest.raises(DataFileError, match=rf"{DATA_DIR_ENV}=.*nope is not an existing folder"):
        fetch(FILE)
    result = runner.invoke(app, ["data", "fetch", FILE])
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("error: ")
    assert "is not an existing folder" in lines[0]


def test_missing_optional_file_says_where_it_looked_and_how_to_fix(tmp_path, monkeypatch):
    monkeypatch.setattr("neutrissimo.io.data.cache_dir", lambda: tmp_path / "cache")
    assert not registry()[OPTIONAL].packaged
    with pytest.raises(DataFileError) as info:
        fetch(OPTIONAL, download=False)
    message = str(info.value)
    assert OPTIONAL in message
    assert str(tmp_path / "cache") in message
    assert f"neutrissimo data fetch {OPTIONAL}" in message
    assert "{" not in message  # no unformatted placeholder
    assert len(message) < 300


def test_failed_download_is_one_line(tmp_path, monkeypatch):
    monkeypatch.setattr("neutrissimo.io.data.cache_dir", lambda: tmp_path / "cache")
    with pytest.raises(DataFileError, match="tests never download"):
        fetch(OPTIONAL)


def test_verify_counts_optional_files_as_not_downloaded(tmp_path, monkeypatch):
    monkeypatch.setattr("neutrissimo.io.data.cache_dir", lambda: tmp_path / "cache")
    status = verify_all()
    assert status[FILE] == "ok"
    assert status[OPTIONAL] == NOT_DOWNLOADED
    assert set(status.values()) == {"ok", NOT_DOWNLOADED}
    result = runner.invoke(app, ["data", "verify"])
    assert result.exit_code == 0, result.output


def test_data_fetch_without_arguments_is_an_error():
    result = runner.invoke(app, ["data", "fetch"])
    assert result.exit_code == 2
    assert result.stderr.strip().startswith("error: Nothing to fetch")
    assert len(result.stderr.strip().splitlines()) == 1


def test_unregistered_path_suggests_the_right_one():
    with pytest.raises(DataFileError, match="Did you mean"):
        fetch("miniboone_nuedata_lowe.txt")


def test_wrong_shape_is_rejected():
    with pytest.raises(DataFileError, match="columns"):
        load_table(FILE, ncols=3)


def test_registry_tool_reproduces_the_registry():
    """tools/build_registry.py regenerates exactly the shipped registry lines (from the
    packaged copy for packaged entries: the same bytes, by their checksums)."""
    import importlib.util

    tool = Path(__file__).parents[1] / "tools" / "build_registry.py"
    spec = importlib.util.spec_from_file_location("build_registry", tool)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    for entry in registry().values():
        assert module.is_packaged(entry.path) == entry.packaged, entry.path
        assert (module.source_url(entry.path) == "-") == (entry.url is None), entry.path
