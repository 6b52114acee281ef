"""Parameter scans: independent tasks, run serially or on Dask, checkpointed and resumable.

A scan is a list of :class:`ScanTask` (typically one per HNL mass: simulate once, then reweight
over the whole coupling grid). :func:`run_scan`

- gives task i the i-th child of ``numpy.random.SeedSequence(seed).spawn(len(tasks))``, so the
  numbers do not depend on where or in which order tasks run (serial, a ``LocalCluster``, or a
  remote ``dask.distributed`` scheduler, e.g. one started by dask-jobqueue on SLURM/HTCondor);
- writes each finished task's result to ``<folder>/points/<key>.npz`` atomically, and on a
  re-run loads finished points instead of recomputing them (resume after an interruption);
- returns ``{key: result}`` with results as dicts of numpy arrays.

The task function must be importable (a module-level function) and return a dict of arrays or
numbers; it receives ``(task, numpy.random.Generator)``.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from neutrissimo.exceptions import ConfigurationError
from neutrissimo.io.atomic import atomic_path

__all__ = ["ScanGrid", "ScanTask", "load_point", "run_scan", "task_generators"]

Result = dict[str, NDArray[Any]]
TaskFunction = Callable[["ScanTask", np.random.Generator], Mapping[str, Any]]


@dataclass(frozen=True)
class ScanTask:
    """One independent unit of a scan.

    Attributes:
        key: unique, file-name-safe identifier (e.g. ``"m_N=0.4700"``).
        params: the task's parameters (plain numbers, strings, tuples).
    """

    key: str
    params: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ScanGrid:
    """The (m_N, d_mu) grid of a scan and its Monte Carlo settings.

    Attributes:
        masses: HNL masses in GeV.
        couplings: d_mu values in GeV^-1.
        events: events simulated per mass.
        seed: master seed (task seeds are spawned from it).
    """

    masses: tuple[float, ...]
    couplings: tuple[float, ...]
    events: int = 200_000
    seed: int = 1

    @classmethod
    def default(
        cls,
        n_masses: int = 25,
        n_couplings: int = 40,
        events: int = 200_000,
        seed: int = 1,
        coupling_range: tuple[float, float] = (1e-8, 1e-5),
    ) -> ScanGrid:
        """Log-spaced grid over the paper's mass range, 10 MeV - 2 GeV, and ``coupling_range``
        (GeV^-1; the paper's 1e-8 - 1e-5 for MiniBooNE).

        Raises:
            ConfigurationError: fewer than 2 points on an axis, or fewer than 1 event.
        """
        if n_masses < 2 or n_couplings < 2 or events < 1:
            raise ConfigurationError(
                "A scan needs >= 2 masses, >= 2 couplings and >= 1 event per mass."
            )
        return cls(
            tuple(float(m) for m in np.geomspace(0.01, 2.0, n_masses)),
            tuple(float(d) for d in np.geomspace(*coupling_range, n_couplings)),
            events,
            seed,
        )

    def tasks(self, **extra: Any) -> list[ScanTask]:
        """One task per mass, keyed ``m_N=<mass>``, carrying the couplings, the events per
        mass and ``extra`` parameters."""
        return [
            ScanTask(
                f"m_N={m:.6g}",
                {"m_N": m, "couplings": self.couplings, "events": self.events, **extra},
            )
            for m in self.masses
        ]


def task_generators(seed: int, n_tasks: int) -> list[np.random.Generator]:
    """Independent generators for ``n_tasks`` tasks from one seed (SeedSequence.spawn)."""
    return [
        np.random.Generator(np.random.PCG64(s)) for s in np.random.SeedSequence(seed).spawn(n_tasks)
    ]


def _point_path(folder: Path, key: str) -> Path:
    return folder / "points" / f"{key}.npz"


def load_point(folder: Path, key: str) -> Result | None:
    """The checkpointed result of ``key`` in ``folder``, or None if not finished."""
    path = _point_path(folder, key)
    if not path.is_file():
        return None
    with np.load(path, allow_pickle=False) as data:
        return {name: data[name] for name in data.files}


def _save_point(folder: Path, key: str, result: Mapping[str, Any]) -> Result:
    arrays = {name: np.asarray(value) for name, value in result.items()}
    with atomic_path(_point_path(folder, key)) as tmp:
        np.savez(tmp, **arrays)
    return arrays


def _execute(
    func: TaskFunction, task: ScanTask, seed_sequence: np.random.SeedSequence
) -> Mapping[str, Any]:
    return func(task, np.random.Generator(np.random.PCG64(seed_sequence)))


def run_scan(
    func: TaskFunction,
    tasks: Sequence[ScanTask],
    folder: str | os.PathLike[str],
    seed: int,
    scheduler: str | None = "serial",
    n_workers: int | None = None,
    progress: Callable[[str], None] | None = None,
) -> dict[str, Result]:
    """Run ``func`` on every task not yet finished in ``folder``; return all results.

    Args:
        func: module-level function ``(task, rng) -> dict``.
        tasks: the scan's tasks (keys must be unique; their order fixes the seeds).
        folder: where checkpoints go (``<folder>/points``).
        seed: master seed.
        scheduler: ``"serial"`` (in this process), ``"local"`` (a dask ``LocalCluster`` of
            ``n_workers`` processes) or a dask scheduler address such as ``"tcp://host:8786"``.
        n_workers: workers of the local cluster (default: CPU count).
        progress: called with one line per finished task.

    Raises:
        ConfigurationError: duplicate or unsafe task keys, or an unknown scheduler.
    """
    keys = [task.key for task in tasks]
    if len(set(keys)) != len(keys):
        raise ConfigurationError("Scan task keys must be unique.")
    for key in keys:
        if not key or os.sep in key or key.startswith("."):
            raise ConfigurationError(f"Scan task key {key!r} is not a safe file name.")
    folder = Path(folder)
    seeds = np.random.SeedSequence(seed).spawn(len(tasks))
    results: dict[str, Result] = {}
    todo = []
    for task, seed_sequence in zip(tasks, seeds, strict=True):
        done = load_point(folder, task.key)
        if done is not None:
            results[task.key] = done
        else:
            todo.append((task, seed_sequence))
    report = progress or (lambda _line: None)
    if todo and scheduler == "serial":
        for i, (task, seed_sequence) in enumerate(todo, 1):
            results[task.key] = _save_point(folder, task.key, _execute(func, task, seed_sequence))
            report(f"[{i}/{len(todo)}] {task.key} done")
    elif todo:
        results.update(_run_on_dask(func, todo, folder, scheduler, n_workers, report))
    return {key: results[key] for key in keys}


def _run_on_dask(
    func: TaskFunction,
    todo: list[tuple[ScanTask, np.random.SeedSequence]],
    folder: Path,
    scheduler: str | None,
    n_workers: int | None,
    report: Callable[[str], None],
) -> dict[str, Result]:
    from dask.distributed import Client, LocalCluster, as_completed

    if scheduler in (None, "local"):
        cluster = LocalCluster(
            n_workers=n_workers or os.cpu_count() or 1,
            threads_per_worker=1,
            processes=True,
            scheduler_port=0,  # free ports: several scans may run on one machine
            dashboard_address=":0",
        )
        client = Client(cluster)
    elif isinstance(scheduler, str) and "://" in scheduler:
        cluster = None
        client = Client(scheduler)
    else:
        raise ConfigurationError(
            f"Unknown scheduler {scheduler!r}: use 'serial', 'local' or an address like 'tcp://host:8786'."
        )
    results: dict[str, Result] = {}
    try:
        futures = {}
        for task, seed_sequence in todo:
            future = client.submit(
                _execute, func, task, seed_sequence, key=f"neutrissimo-{task.key}"
            )
            futures[future] = task
        for i, future in enumerate(as_completed(futures), 1):
            task = futures[future]
            results[task.key] = _save_point(folder, task.key, future.result())
            report(f"[{i}/{len(todo)}] {task.key} done")
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
    return results
