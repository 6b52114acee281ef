"""Cut flow of the MINERvA selection for HNL photons (docs/beyond.md, part 4).

Per sample and mass: simulate the sample at one coupling, apply the MINERvA response and the
Sec. V.B cuts (:func:`neutrissimo.experiments.minerva.selection.select`), and tabulate the
cumulative weighted acceptance after each cut (E_sh > 0.8 GeV, Q^2_QE < 0.02 GeV^2,
E theta^2 < 3.2 MeV rad^2) and with the dE/dx acceptance. The denominator is the number of
photons converting in the fiducial volume (N_fid, with the reconstruction efficiency), the
same as in the paper's Fig. 8 (bottom).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

from neutrissimo.analyses.minerva_limits import SAMPLES
from neutrissimo.experiments import minerva
from neutrissimo.experiments.minerva.config import CUT_NAMES
from neutrissimo.experiments.setups import load_setup
from neutrissimo.physics.model import DipoleModel
from neutrissimo.simulation.injection import generate

__all__ = ["cutflow", "write_cutflow"]


def cutflow(
    masses: tuple[float, ...],
    d_mu: float,
    events: int,
    seed: int = 1,
    samples: tuple[str, ...] = tuple(SAMPLES),
) -> dict[str, dict[float, dict[str, float]]]:
    """sample -> mass -> {cut: cumulative acceptance, "dedx": final, "n_fid": photons converting
    in the fiducial volume, "energy_below_0.8": share of N_fid with true photon energy
    < 0.8 GeV}."""
    out: dict[str, dict[float, dict[str, float]]] = {}
    for sample in samples:
        setup_name = SAMPLES[sample]
        out[sample] = {}
        for k, m_n in enumerate(masses):
            rng = np.random.default_rng([seed, k])
            sample_events = generate(
                load_setup(setup_name), DipoleModel(m_N=m_n, d_mu=d_mu), events, rng
            )
            w = sample_events.weights()
            keep = w > 0
            if not np.any(keep):
                continue
            energy = sample_events["photon_energy"][keep]
            reco, selection = minerva.analyse_events(
                energy, sample_events["photon_direction"][keep], w[keep], sample, rng
            )
            del reco
            row = {cut: float(selection.efficiency[cut]) for cut in CUT_NAMES}
            row["dedx"] = float(selection.efficiency_final)
            row["n_fid"] = float(w.sum())
            row["energy_below_0.8"] = float(w[keep][energy < 0.8].sum() / w.sum())
            out[sample][m_n] = row
    return out


def write_cutflow(
    folder: str | os.PathLike[str], table: dict[str, dict[float, dict[str, float]]]
) -> tuple[list[Path], dict[str, Any]]:
    """Write ``cutflow.csv`` (sample index, m_N, cumulative acceptances) and ``cutflow.json``."""
    from neutrissimo.io.atomic import write_columns_csv, write_json

    folder = Path(folder)
    names = list(SAMPLES)
    rows = [(names.index(s), m, r) for s, by_mass in table.items() for m, r in by_mass.items()]
    keys = [*CUT_NAMES, "dedx", "energy_below_0.8"]
    written = [
        write_columns_csv(
            folder / "cutflow.csv",
            ["sample", "m_N [GeV]", *keys],
            [
                np.array([float(i) for i, _, _ in rows]),
                np.array([m for _, m, _ in rows]),
                *(np.array([r[k] for _, _, r in rows]) for k in keys),
            ],
            [
                f"sample index: {', '.join(f'{i}={s}' for i, s in enumerate(names))}; cumulative "
                "acceptance over photons converting in the fiducial volume"
            ],
        )
    ]
    summary = {s: {f"{m:g}": r for m, r in by_mass.items()} for s, by_mass in table.items()}
    written.append(write_json(folder / "cutflow.json", summary))
    return written, summary
