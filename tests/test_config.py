"""Every TOML kind is validated by one schema mechanism (neutrissimo.io.config): a bad file gives
one line naming the file, the table, the key and the value, with a did-you-mean for typos."""

from __future__ import annotations

from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

from neutrissimo import ConfigurationError, GeometryError
from neutrissimo.analyses.paper import PaperNumbers, paper_numbers
from neutrissimo.detector.loader import load_detector
from neutrissimo.experiments import minerva, miniboone
from neutrissimo.experiments.setups import SETUP_NAMES, SetupsFile, load_setup
from neutrissimo.io.config import ConfigModel, load_toml


def _setups(path: Path) -> Any:
    return load_toml(path, SetupsFile)


def _paper(path: Path) -> Any:
    return load_toml(path, PaperNumbers)


# kind: (package, file, loader of a path, error class)
KINDS: dict[str, tuple[str, str, Callable[[Path], Any], type[ConfigurationError]]] = {
    "detector": ("neutrissimo.detector", "minerva-detector.toml", load_detector, GeometryError),
    "setups": ("neutrissimo.experiments", "setups.toml", _setups, ConfigurationError),
    "miniboone": (
        "neutrissimo.experiments.miniboone",
        "miniboone-analysis.toml",
        miniboone.load_config,
        ConfigurationError,
    ),
    "minerva": (
        "neutrissimo.experiments.minerva",
        "minerva-analysis.toml",
        minerva.load_config,
        ConfigurationError,
    ),
    "paper": ("neutrissimo.analyses", "paper.toml", _paper, ConfigurationError),
}

# kind: (text in the shipped file, replacement, words the one-line message must contain)
UNKNOWN_KEY = {
    "detector": (
        "half_size = [5000.0",
        "half_sise = [5000.0",
        ("volume 'dirt'", "half_sise", "did you mean 'half_size'"),
    ),
    "setups": (
        "log_min = 100.0",
        "log_mn = 100.0",
        ("[miniboone.injection]", "log_mn", "did you mean 'log_min'"),
    ),
    "miniboone": (
        "n_cos_bins = 20",
        "n_cosbins = 20",
        ("[binning]", "n_cosbins", "did you mean 'n_cos_bins'"),
    ),
    "minerva": (
        "dedx_min = 4.5",
        "dedx_mn = 4.5",
        ("[cuts]", "dedx_mn", "did you mean 'dedx_min'"),
    ),
    "paper": (
        "d_mu_gev_inv = 1.7e-7",
        "d_mu_gv_inv = 1.7e-7",
        ("[benchmarks.mb-microboone]", "d_mu_gv_inv", "did you mean 'd_mu_gev_inv'"),
    ),
}
OUT_OF_RANGE = {
    "detector": (
        "density = 7.83",
        "density = -7.83",
        ("material 'STEEL'", "density = -7.83", "> 0"),
    ),
    "setups": (
        "radius = 950.0",
        "radius = -950.0",
        ("[miniboone.injection.decay_region]", "radius = -950.0", "> 0"),
    ),
    "miniboone": ("pot = 18.75e20", "pot = -1.0", ("[exposure]", "pot = -1.0", "> 0")),
    "minerva": (
        "dedx_cut_acceptance = 0.91",
        "dedx_cut_acceptance = 1.91",
        ("[samples.me_rhc]", "dedx_cut_acceptance = 1.91", "<= 1"),
    ),
    "paper": (
        "nominal = 0.3",
        "nominal = -0.3",
        ("[background_uncertainty]", "nominal = -0.3", "> 0"),
    ),
}
WRONG_TYPE = {
    "detector": ('name = "MINERvA"', "name = 3", ("top level", "name = 3", "must be a string")),
    "setups": (
        'detector = "miniboone"',
        "detector = 1.5",
        ("[miniboone]", "detector = 1.5", "must be a string"),
    ),
    "miniboone": (
        "n_cos_bins = 20",
        "n_cos_bins = 20.5",
        ("[binning]", "n_cos_bins = 20.5", "must be an integer"),
    ),
    "minerva": (
        "angle_sigma_deg = 0.7",
        'angle_sigma_deg = "0.7"',
        ("[response]", "angle_sigma_deg = '0.7'", "must be a number"),
    ),
    "paper": (
        "n_masses = 40",
        "n_masses = true",
        ("[scans.miniboone]", "n_masses = true", "must be an integer"),
    ),
}


def _shipped(kind: str) -> str:
    package, name, _, _ = KINDS[kind]
    return resources.files(package).joinpath(name).read_text(encoding="utf-8")


def _reject(kind: str, path: Path, words: tuple[str, ...]) -> str:
    _, _, load, error = KINDS[kind]
    with pytest.raises(error) as info:
        load(path)
    message = str(info.value)
    assert "\n" not in message
    assert str(path) in message
    for word in words:
        assert word in message, (word, message)
    return message


@pytest.mark.parametrize(
    "cases", [UNKNOWN_KEY, OUT_OF_RANGE, WRONG_TYPE], ids=["unknown", "range", "type"]
)
@pytest.mark.parametrize("kind", list(KINDS))
def test_bad_file_gives_one_line_naming_file_table_key_value(tmp_path, kind, cases):
    old, new, words = cases[kind]
    text = _shipped(kind)
    assert old in text
    path = tmp_path / f"bad-{kind}.toml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    _reject(kind, path, words)


@pytest.mark.parametrize("kind", list(KINDS))
def test_non_utf8_and_missing_files_are_named(tmp_path, kind):
    path = tmp_path / f"latin1-{kind}.toml"
    path.write_bytes(_shipped(kind).encode("utf-8") + "# caf\u00e9\n".encode("latin-1"))
    _reject(kind, path, ("not a UTF-8 text file",))
    _reject(kind, tmp_path / "nowhere.toml", ("nowhere.toml",))


def test_miniboone_rejects_misspelt_section_negative_pot_and_no_cos_bins(tmp_path):
    text = _shipped("miniboone")
    path = tmp_path / "mb.toml"
    for old, new, words in [
        ("[threshold]", "[treshold]", ("unknown key 'treshold' in top level", "'threshold'")),
        ("pot = 18.75e20", "pot = -1.0", ("[exposure] pot = -1.0: must be > 0",)),
        ("n_cos_bins = 20", "n_cos_bins = 0", ("[binning] n_cos_bins = 0: must be > 0",)),
        ("cos_fractional_systematic = 0.13", "cos_fractional_systematic = 1.3", ("1.3",)),
    ]:
        path.write_text(text.replace(old, new, 1), encoding="utf-8")
        _reject("miniboone", path, words)


def test_injection_tables_follow_the_injection_settings(tmp_path):
    # cross-field checks of InjectionSettings run on the file, named by its table
    path = tmp_path / "setups.toml"
    path.write_text(_shipped("setups").replace("inner_radius = 650.0", "inner_radius = -1.0"))
    _reject("setups", path, ("[miniboone.injection]", "inner_radius"))


def test_shipped_files_load():
    for name in SETUP_NAMES:
        assert load_setup(name).pot > 0
    assert miniboone.load_config().cos_fractional_systematic == 0.13  # paper Sec. IV.B
    assert minerva.load_config().sample("me_fhc").pot == 1.16e21
    assert load_detector("minerva").volume_names
    paper = paper_numbers()
    assert (paper.benchmark("global-no-mb").m_n_gev, paper.benchmark("none").d_mu_gev_inv) == (
        0.47,
        1.25e-6,
    )
    assert (
        paper.benchmark("mb-microboone").m_n_gev,
        paper.benchmark("mb-microboone").d_mu_gev_inv,
    ) == (0.08, 1.7e-7)
    grid = paper.scans.minerva.grid()
    assert (grid.masses[0], grid.couplings[-1], len(grid.couplings)) == (0.01, 1e-4, 267)


def test_models_are_frozen_and_forbid_extra_keys():
    config = minerva.load_config()
    with pytest.raises(ValueError, match="frozen"):
        config.cuts.dedx_min = 1.0  # type: ignore[misc]
    assert ConfigModel.model_config["extra"] == "forbid"
