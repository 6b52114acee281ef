#!/usr/bin/env python
"""Wall time of DarkNews 0.4.8 for one cross-section table: sigma(E) on 200 energies.

Case: pure dipole (see darknews_reference.PURE_DIPOLE), m_N = 0.1 GeV, coherent C12,
helicity-flipping and -conserving, E log-spaced from 1.001 E_th to 20 GeV, computed with
DarkNews' public API ``UpscatteringProcess.total_xsec`` (one 1-d vegas integral per energy).

Two settings are timed:
  * DarkNews' defaults (warm-up 10 x 1000, then 10 x 1000 evaluations), and
  * a reduced setting (warm-up 3 x 300, then 3 x 300) that still reproduces the defaults to
    better than 1% at every energy (the script checks this and prints the worst deviation).

Run with the DarkNews environment (not the project's)::

    /work/venv-darknews/bin/python validation/darknews_timing.py

Prints the seconds for each setting. Single process, single thread.
"""

from __future__ import annotations

import logging
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import DarkNews as dn
import gvar
from DarkNews import pdg
from DarkNews.nuclear_tools import NuclearTarget
from darknews_reference import pure_dipole_model

M_N = 0.1
N_E = 200
SETTINGS = {
    "defaults (10x1000 + 10x1000)": dict(NINT=10, NEVAL=1000, NINT_warmup=10, NEVAL_warmup=1000),
    "reduced (3x300 + 3x300)": dict(NINT=3, NEVAL=300, NINT_warmup=3, NEVAL_warmup=300),
}


def main() -> int:
    logging.getLogger("logger.DarkNews").setLevel(logging.ERROR)
    logging.getLogger("prettyprinter.DarkNews").setLevel(logging.ERROR)
    model = pure_dipole_model(M_N)
    carbon = NuclearTarget("C12")
    processes = [
        dn.UpscatteringProcess(
            nu_projectile=pdg.numu,
            nu_upscattered=pdg.neutrino4,
            nuclear_target=carbon,
            scattering_regime="coherent",
            TheoryModel=model,
            helicity=h,
        )
        for h in ("flipping", "conserving")
    ]
    e_th = processes[0].Ethreshold
    energies = np.geomspace(1.001 * e_th, 20.0, N_E)

    results = {}
    for label, kwargs in SETTINGS.items():
        np.random.seed(1)  # noqa: NPY002  (DarkNews draws from the global RNG)
        gvar.ranseed(1)
        t0 = time.perf_counter()
        results[label] = [p.total_xsec(energies, **kwargs) for p in processes]
        elapsed = time.perf_counter() - t0
        per_point_ms = 1e3 * elapsed / (2 * N_E)
        print(
            f"{label}: {elapsed:.1f} s for {N_E} energies x 2 helicities "
            f"({per_point_ms:.0f} ms/point)"
        )

    ref, red = results.values()
    worst = max(float(np.max(np.abs(b / a - 1.0))) for a, b in zip(ref, red, strict=True))
    print(f"largest |reduced/defaults - 1| over all points: {worst:.1e}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
