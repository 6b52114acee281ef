#!/usr/bin/env python
"""Time DarkNews 0.4.8's own event generator at a MiniBooNE benchmark point.

Run with the separate DarkNews environment (see darknews_reference.py)::

    /work/venv-darknews/bin/python validation/darknews_generator_timing.py [--neval 100000]

It generates the pure-dipole MiniBooNE FHC sample at m_N = 0.47 GeV, d = 1.25e-6 GeV^-1
(mu_tr_mu4 = 2 d; coherent and proton-elastic, both helicities) and prints the wall time and
events per second, to compare with benchmarks/bench_monte_carlo.py on the same machine. The two
do different work: DarkNews' events are upscatterings in the detector (no dirt, no geometry, no
photon conversion), ours carry the full geometry chain, so the ratio is a lower bound on ours.
"""

from __future__ import annotations

import argparse
import logging
import tempfile
import time

from DarkNews.GenLauncher import GenLauncher
from darknews_reference import PURE_DIPOLE


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "--neval", type=int, default=100_000, help="vegas evaluations per iteration"
    )
    neval = parser.parse_args().neval
    logging.getLogger("logger.DarkNews").setLevel(logging.ERROR)
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        generator = GenLauncher(
            experiment="miniboone_fhc", m4=0.47, mu_tr_mu4=2 * 1.25e-6, decay_product="photon",
            neval=neval, nint=10, neval_warmup=10_000, nint_warmup=10, seed=1, path=tmp,
            pandas=False, parquet=False, loglevel="ERROR", **PURE_DIPOLE,
        )  # fmt: skip
        frame = generator.run()
        elapsed = time.perf_counter() - start
    print(
        f"DarkNews 0.4.8 GenLauncher: {len(frame)} events in {elapsed:.1f} s "
        f"= {len(frame) / elapsed:.3g} events/s"
    )


if __name__ == "__main__":
    main()
