"""Regenerate ``src/neutrissimo/registry.txt`` from a local copy of the public data files.

Usage::

    python tools/build_registry.py ../shared/data > src/neutrissimo/registry.txt

Each line is ``<relative path> sha256:<hash> <public URL or ->``. The URL is the raw file in the
public repository snapshot named in ``shared/data/PROVENANCE.md``; ``-`` marks files that were
derived by the assembler of the data set (no public URL: they must come from a local data dir).
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

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


def source_url(relpath: str) -> str:
    """Public raw URL of ``relpath`` (``-`` when the file was derived and has none)."""
    for prefix, tag, folder in RULES:
        if relpath.startswith(prefix):
            if not tag:
                return "-"
            target = folder if not folder.endswith("/") else folder + relpath[len(prefix) :]
            return f"{RAW}/{REPOS[tag]}/{target}"
    return "-"


def main(root: str) -> None:
    base = Path(root)
    for path in sorted(p for p in base.rglob("*") if p.is_file()):
        rel = path.relative_to(base).as_posix()
        if rel == "PROVENANCE.md":
            continue
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        print(f"{rel} sha256:{digest} {source_url(rel)}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "../shared/data")
