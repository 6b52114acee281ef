"""Workflows on top of the experiments: the scan engine, the MiniBooNE fit, the MINERvA
limits, the 3+1 closure, the paper's figures (``reproduce``) and the demo.
"""

__all__ = [
    "closure_3p1",
    "demo",
    "minerva_limits",
    "miniboone_excess",
    "miniboone_fit",
    "paper",
    "physics_figures",
    "reproduce",
    "scan",
    "scan_csv",
    "scenarios",
]
