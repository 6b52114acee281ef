"""Regenerate the data registry and the packaged data from a local copy of the public data files.

Usage::

    python tools/build_registry.py ../shared/data            # print the registry
    python tools/build_registry.py ../shared/data --install  # write registry.txt and copy the
                                                             # packaged files into the package

Each registry line is ``<relative path> sha256:<hash> <public URL or -> <packaged|optional>``.
The URL is the raw file in the public repository snapshot named in ``PROVENANCE.md``; ``-``
marks files derived by the assembler of the data set (no public URL). *Packaged* files (those
the package or its test suite reads, :data:`PACKAGED`) ship inside the package under
``src/neutrissimo/data/`` together with ``PROVENANCE.md``; every other entry is *optional* and
must have a public URL. Files without a URL that nothing reads are left out (:data:`DROPPED`),
so no entry remains that a user cannot obtain.
"""

from __future__ import annotations

import hashlib
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REGISTRY = ROOT / "src/neutrissimo/io/registry.txt"
PACKAGE_DATA = ROOT / "src/neutrissimo/data"

RAW = "https://raw.githubusercontent.com"
REPOS = {
    "MBDN": "mhostert/MiniBooNE-DarkNews/8fb5d3d00146aded36f8f709fb48a0907a852d30",
    "MUB": "kjkellyphys/muB_oscillation/d9b683a3754e4092d1406fd40ade42fe5b2fc04e",
    "DN": "mhostert/DarkNews-generator/54d63a6b9c104bef184c2089286e36edb4b3eaa5",
    "DN2022": "mhostert/DarkNews-generator/6823684f16e99e39a57453c75d72cfb444f272fc",
    "SIRENGEO": "Harvard-Neutrino/SIREN/948c5efd427b35936809195592c8470cb2661369",
    "SIRENFLUX": "Harvard-Neutrino/SIREN/4d8c2152d5a84392afd9f1c54f44b72c0a19a271",
    "SIRENLI": "Harvard-Neutrino/SIREN/613f0d5ddb5eec0b7e5ed74f21d9c374866dee28",
    "SIRENDI": "Harvard-Neutrino/SIREN/56ec2aa00c9ef5e3d3dffa34e399542c41dfa259",
    "T2K": "mingshauliu/Dipole-HNL-T2K/4782ab8ff50ccd13b91ea4cb291ff20f8cd29dd2",
    "HNL": "mhostert/Heavy-Neutrino-Limits/8bcc041948b1e459af4bab9264f2ca1f710bb3fb",
}

# (prefix of the relative path, repository tag, folder in that repository); first match wins.
# Exact-name renames are listed before their folder's rule.
RULES: list[tuple[str, str, str]] = [
    ("miniboone/release_2020_numode/RELEASE_PAGE", "", ""),
    ("miniboone/release_2020_combined/RELEASE_PAGE", "", ""),
    ("miniboone/release_2020_numode/", "MBDN", "src/fastbnb/include/MB_data_release/fhcmode/"),
    ("miniboone/release_2020_combined/", "MBDN", "src/fastbnb/include/MB_data_release/combined/"),
    ("miniboone/release_2018_numode/", "MUB", "MiniTools/include/MB_data_release_2018/fhcmode/"),
    (
        "miniboone/eventlevel_2020/data_neutrino_mode_nue_sample.root",
        "MUB",
        "MiniCollTools/data/neutrino_mode_nue_sample.root",
    ),
    (
        "miniboone/eventlevel_2020/data_neutrino_mode_numu_sample.root",
        "MUB",
        "MiniCollTools/data/neutrino_mode_numu_sample.root",
    ),
    (
        "miniboone/eventlevel_2020/mc_neutrino_mode_nue_sample.root",
        "MUB",
        "MiniCollTools/mc/neutrino_mode_nue_sample.root",
    ),
    ("miniboone/eventlevel_2020/", "", ""),
    ("miniboone/digitized_2020/", "MBDN", "src/fastbnb/include/miniboone_2020/"),
    ("miniboone/digitized_2018/", "MBDN", "src/fastbnb/include/miniboone_2018/"),
    ("miniboone/efficiency/eg_effs.dat", "MBDN", "src/fastbnb/include/miniboone_eff/eg_effs.dat"),
    ("miniboone/efficiency/", "MBDN", "src/fastbnb/include/Patterson_tools/"),
    ("fluxes/bnb/siren_BNB-v1.0/", "SIRENFLUX", "resources/fluxes/BNB/BNB-v1.0/"),
    (
        "fluxes/bnb/MiniBooNE_FHC_perGeV_DarkNews.dat",
        "DN",
        "src/DarkNews/include/fluxes/MiniBooNE_FHC.dat",
    ),
    (
        "fluxes/bnb/BNB_numu_flux_LeptonInjector.txt",
        "SIRENLI",
        "resources/Fluxes/BNB_Flux_Tables/BNB_numu_flux.txt",
    ),
    ("fluxes/bnb/", "DN", "src/DarkNews/include/fluxes/data_release_MINIBOONE/"),
    (
        "fluxes/numi/minerva_LE_official_release/",
        "DN",
        "src/DarkNews/include/fluxes/data_release_NuMI_on_axis/",
    ),
    ("fluxes/numi/siren_NUMI-v1.0/", "SIRENFLUX", "resources/fluxes/NUMI/NUMI-v1.0/"),
    (
        "fluxes/numi/ME_digitized_raw/",
        "DN",
        "src/DarkNews/include/fluxes/digitized_NuMI_ME_FandRHC/",
    ),
    ("fluxes/numi/LeptonInjector_tables/", "SIRENLI", "resources/Fluxes/NUMI_Flux_Tables/"),
    ("nuclear/ame2020_mass20_1.txt", "DN", "src/DarkNews/include/aux_data/mass20_1.txt"),
    ("nuclear/", "", ""),
    (
        "detector_geometry/siren_v1/MiniBooNE-v1/",
        "SIRENGEO",
        "resources/detectors/MiniBooNE/MiniBooNE-v1/",
    ),
    (
        "detector_geometry/siren_v1/MINERvA-v1/",
        "SIRENGEO",
        "resources/detectors/MINERvA/MINERvA-v1/",
    ),
    ("detector_geometry/siren_v1/", "", ""),
    ("detector_geometry/darknews_experiment_configs/", "DN", "src/DarkNews/include/detectors/"),
    ("minerva_nue/LE_FHC_Park2016/", "DN2022", "examples/ToyAnalysis/data/digitized/minerva_LE/"),
    (
        "minerva_nue/ME_FHC_Valencia2019/",
        "DN2022",
        "examples/ToyAnalysis/data/digitized/minerva_ME/",
    ),
    (
        "minerva_nue/ME_RHC_Zazueta2023/published_limit_curves/HNLimits_exact/",
        "HNL",
        "src/HNLimits/include/data/dipole/mu/",
    ),
    (
        "minerva_nue/ME_RHC_Zazueta2023/published_limit_curves/T2Krepo_digitized/",
        "T2K",
        "main_plot/ConstraintFiles/",
    ),
    ("minerva_nue/", "", ""),
    ("existing_limits/later_results/", "", ""),
    ("existing_limits/", "T2K", "main_plot/ConstraintFiles/"),
    ("paper_simulation_grids/", "SIRENDI", "resources/DipoleInjection/inputs/"),
]


#: Packaged files (prefixes): everything the package reads at run time (fluxes of every beam,
#: mode and flavour, the 2020 MiniBooNE release and digitizations, the efficiency table, the
#: MINERvA dE/dx digitizations, the existing and published limits, the nuclear tables), plus the
#: few independent tables the test suite cross-checks them against.
PACKAGED: tuple[str, ...] = (
    "nuclear/",
    # fluxes: load_flux(...) for every beam / mode / flavour / source
    "fluxes/bnb/MiniBooNE_nu_mode_flux.dat",
    "fluxes/bnb/MiniBooNE_nubar_mode_flux.dat",
    "fluxes/numi/minerva_LE_official_release/",
    "fluxes/numi/ME_digitized_raw/",
    "fluxes/numi/LeptonInjector_tables/ME_FHC_numu.txt",
    "fluxes/numi/siren_NUMI-v1.0/NUMI_FHC_ME.dat",
    "fluxes/numi/siren_NUMI-v1.0/NUMI_RHC_ME.dat",
    "fluxes/numi/siren_NUMI-v1.0/NUMI_RHC_ME_unofficial.dat",
    # MiniBooNE: the 2020 neutrino-mode release (fit, 3+1 closure), cos(theta), efficiency
    "miniboone/release_2020_numode/",
    "miniboone/digitized_2020/Costheta_bin_edges.dat",
    "miniboone/digitized_2020/cosTheta_",
    "miniboone/efficiency/eg_effs.dat",
    # MINERvA dE/dx digitizations and published limit curves; other experiments' limits
    "minerva_nue/LE_FHC_Park2016/",
    "minerva_nue/ME_FHC_Valencia2019/",
    "minerva_nue/ME_RHC_Zazueta2023/published_limit_curves/",
    "existing_limits/",
    # independent tables the test suite compares the fluxes with
    "fluxes/bnb/BNB_numu_flux_LeptonInjector.txt",
    "fluxes/bnb/MiniBooNE_FHC_perGeV_DarkNews.dat",
    "fluxes/numi/LeptonInjector_tables/LE_FHC_",
    "fluxes/numi/siren_NUMI-v1.0/NUMI_FHC_ME_unofficial.dat",
    "fluxes/numi/siren_NUMI-v1.0/NUMI_FHC_LE.dat",
    "fluxes/numi/siren_NUMI-v1.0/NUMI_RHC_LE.dat",
)
#: Files without a public URL that nothing reads: left out of the registry (their content is
#: described in PROVENANCE.md; the numbers the package uses from them live in its TOMLs).
DROPPED: tuple[str, ...] = (
    "detector_geometry/siren_v1/README_",
    "minerva_nue/ME_RHC_Zazueta2023/text_numbers.csv",
    "minerva_nue/analysis_parameters.csv",
    "miniboone/eventlevel_2020/data_neutrino_mode_nue_sample_EnuQE.csv",
    "miniboone/eventlevel_2020/mc_neutrino_mode_nue_sample.csv",
    "miniboone/release_2020_numode/RELEASE_PAGE",
    "miniboone/release_2020_combined/RELEASE_PAGE",
)


def source_url(relpath: str) -> str:
    """Public raw URL of ``relpath`` (``-`` when the file was derived and has none)."""
    for prefix, tag, folder in RULES:
        if relpath.startswith(prefix):
            if not tag:
                return "-"
            target = folder if not folder.endswith("/") else folder + relpath[len(prefix) :]
            return f"{RAW}/{REPOS[tag]}/{target}"
    return "-"


PACKAGED_NOTE = """\
<!-- written by tools/build_registry.py -->
# Data shipped with neutrissimo

This folder holds the public data files the package reads at run time (and the few tables its
tests compare them with), copied from the data set described below. `../io/registry.txt` lists
every file with its sha256, its public source URL (`-`: derived by the assembler of the data set;
see below) and whether it is packaged here or optional (downloaded on request by
`neutrissimo data fetch`). `neutrissimo.io.data.fetch` verifies every copy against that sha256.
`NEUTRISSIMO_DATA_DIR` overrides this folder. The statements below about a separate data folder
describe how the data set was assembled; they predate shipping the files with the package.

"""


def is_packaged(relpath: str) -> bool:
    """Whether ``relpath`` ships inside the package (a prefix of :data:`PACKAGED` matches)."""
    return relpath.startswith(PACKAGED)


def registry_lines(root: Path) -> list[str]:
    """One registry line per data file under ``root`` (PROVENANCE.md and DROPPED excluded)."""
    lines = []
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        rel = path.relative_to(root).as_posix()
        if rel == "PROVENANCE.md" or rel.startswith(DROPPED):
            continue
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        url = source_url(rel)
        kind = "packaged" if is_packaged(rel) else "optional"
        if url == "-" and kind == "optional":
            raise SystemExit(f"{rel}: no public URL and not packaged; package it or drop it.")
        lines.append(f"{rel} sha256:{digest} {url} {kind}")
    return lines


def install(root: Path, lines: list[str]) -> None:
    """Write ``registry.txt`` and copy the packaged files (and PROVENANCE.md) into the package."""
    header = "# tools/build_registry.py: <path> sha256:<hash> <url|-> <packaged|optional>\n"
    REGISTRY.write_text(header + "\n".join(lines) + "\n")
    if PACKAGE_DATA.exists():
        shutil.rmtree(PACKAGE_DATA)
    for line in lines:
        rel, *_, kind = line.split()
        if kind == "packaged":
            target = PACKAGE_DATA / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(root / rel, target)
    provenance = (root / "PROVENANCE.md").read_text()
    (PACKAGE_DATA / "PROVENANCE.md").write_text(PACKAGED_NOTE + provenance)


def main(argv: list[str]) -> None:
    root = Path(argv[0] if argv else "../shared/data")
    lines = registry_lines(root)
    if "--install" in argv:
        install(root, lines)
    else:
        print("\n".join(lines))


if __name__ == "__main__":
    main(sys.argv[1:])
