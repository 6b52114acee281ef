"""Parameter scans: typed tasks run serially or on Dask, checkpointed with provenance, resumable.

A scan is a list of :class:`ScanTask` (typically one per HNL mass: simulate once, then reweight
over the whole coupling grid), each carrying a frozen dataclass of parameters. :func:`run_scan`

- gives task i the i-th child of ``numpy.random.SeedSequence(seed).spawn(len(tasks))``, so the
  numbers do not depend on where or in which order tasks run (serial, a ``LocalCluster``, or a
  remote ``dask.distributed`` scheduler, e.g. one started by dask-jobqueue on SLURM/HTCondor);
- writes each finished task's result to ``<folder>/points/<key>.npz`` atomically, together with
  a manifest: the task's parameters, the seed and its spawn key, the caller's ``provenance``
  (events, proposal, configuration fingerprint, version: :func:`neutrissimo.io.provenance.
  provenance`);
- on a re-run reuses a checkpoint only if its manifest matches exactly; a checkpoint made with
  other settings is recomputed and a corrupted one (truncated, empty, wrong arrays) is named,
  discarded and recomputed, each with a message, and the reused ones are counted in one
  message ("reused 3 of 8 finished points");
- returns ``{key: result}`` with results of the caller's :class:`ArrayResult` type.

The task function must be importable (a module-level function); it receives
``(params, numpy.random.Generator)`` and returns an instance of ``result_type``.
"""

from __future__ import annotations

import dataclasses
import io
import json
import os
import zipfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, TypeVar

import numpy as np
from numpy.typing import NDArray

from neutrissimo.exceptions import ConfigurationError
from neutrissimo.io.atomic import atomic_path

__all__ = [
    "ArrayResult",
    "MassPoint",
    "Progress",
    "ScanGrid",
    "ScanTask",
    "check_scheduler",
    "replica_major",
    "run_scan",
    "shared_scheduler",
    "task_generators",
]

P = TypeVar("P")
R = TypeVar("R", bound="ArrayResult")
#: Progress callback: (finished tasks, all tasks, message).
Progress = Callable[[int, int, str], None]
_MANIFEST = "__manifest__"


@dataclass(frozen=True, eq=False)
class ArrayResult:
    """Base of typed scan results: a frozen dataclass whose fields are numpy arrays.

    Subclasses only declare their fields; :meth:`to_arrays` / :meth:`from_arrays` store them in a
    checkpoint and :meth:`stack` joins the results of several tasks along a new first axis.
    """

    def to_arrays(self) -> dict[str, NDArray[Any]]:
        """The fields as a name -> array mapping."""
        return {f.name: np.asarray(getattr(self, f.name)) for f in dataclasses.fields(self)}

    @classmethod
    def from_arrays(cls: type[R], arrays: Mapping[str, NDArray[Any]]) -> R:
        """The result stored as ``arrays``; ``KeyError`` if a field is missing or extra."""
        names = {f.name for f in dataclasses.fields(cls)}
        if set(arrays) != names:
            raise KeyError(f"arrays {sorted(arrays)} are not the fields {sorted(names)}")
        return cls(**{name: np.asarray(arrays[name]) for name in names})

    @classmethod
    def stack(cls: type[R], results: Sequence[R]) -> R:
        """One result whose arrays stack those of ``results`` along a new first axis."""
        return cls(
            **{
                f.name: np.stack([getattr(r, f.name) for r in results])
                for f in dataclasses.fields(cls)
            }
        )


@dataclass(frozen=True)
class ScanTask(Generic[P]):
    """One independent unit of a scan.

    Attributes:
        key: unique, file-name-safe identifier (e.g. ``"m_N=0.47"``).
        params: the task's parameters, a frozen dataclass of plain numbers, strings, tuples.
    """

    key: str
    params: P


@dataclass(frozen=True)
class MassPoint:
    """The parameters of one mass of a (m_N, d_mu) scan.

    Attributes:
        m_N: HNL mass, GeV.
        couplings: the d_mu grid, GeV^-1, increasing.
        events: events simulated at this mass, per replica.
        sample: which sample of the experiment (``""`` where there is only one).
        replicas: independent samples of ``events`` each (see :class:`ScanGrid`), drawn from
            one proposal (one pilot): replica r from ``rng.spawn(replicas)[r]`` of the task's
            generator. Task results carry a leading replica axis.
    """

    m_N: float
    couplings: tuple[float, ...]
    events: int
    sample: str = ""
    replicas: int = 1


@dataclass(frozen=True)
class ScanGrid:
    """The (m_N, d_mu) grid of a scan and its Monte Carlo settings (the paper's default grids:
    :meth:`neutrissimo.analyses.paper.ScanDefaults.grid`).

    Attributes:
        masses: HNL masses in GeV.
        couplings: d_mu values in GeV^-1.
        events: events simulated per mass (in all replicas together).
        seed: master seed (task seeds are spawned from it).
        replicas: independent samples per mass, ``events // replicas`` events each: their
            pooled predictions serve the fit, and their spread measures how far a result moves
            from one Monte Carlo sample to another (the convergence check).
    """

    masses: tuple[float, ...]
    couplings: tuple[float, ...]
    events: int = 200_000
    seed: int = 1
    replicas: int = 1

    def __post_init__(self) -> None:
        if self.replicas < 1 or self.events < self.replicas:
            raise ConfigurationError(
                f"A scan needs >= 1 replica and >= 1 event per replica; got {self.replicas} "
                f"replicas of {self.events} events."
            )

    def settings(self) -> dict[str, Any]:
        """The grid and Monte Carlo settings as a JSON-ready record (for outputs)."""
        return {
            "masses_GeV": [self.masses[0], self.masses[-1], len(self.masses)],
            "couplings_GeVinv": [self.couplings[0], self.couplings[-1], len(self.couplings)],
            "events_per_mass": self.events,
            "replicas": self.replicas,
            "seed": self.seed,
        }

    def convergence(self, shift: float, compared: int) -> dict[str, float | int | bool]:
        """The convergence record of a region or limit whose edges move by ``shift`` decades
        (median over ``compared`` edges) between replicas: flagged above one coupling step."""
        step = float(np.log10(self.couplings[1] / self.couplings[0]))
        return {
            "median_shift_decades": shift,
            "edges_compared": compared,
            "grid_step_decades": step,
            "flagged": bool(compared > 0 and shift > step),
        }

    def tasks(self, sample: str = "") -> list[ScanTask[MassPoint]]:
        """One task per mass, keyed ``m_N=<mass>``, carrying the couplings, the events of one
        replica and the number of replicas (simulated together: one preparation and one pilot
        serve them all)."""
        return [
            ScanTask(
                f"m_N={m:.6g}",
                MassPoint(m, self.couplings, self.events // self.replicas, sample, self.replicas),
            )
            for m in self.masses
        ]


def replica_major(result_type: type[R], per_mass: Sequence[R]) -> R:
    """The results of one task per mass, each with a leading replica axis, as one result with
    axes (replica, mass, ...)."""
    stacked = result_type.stack(list(per_mass)).to_arrays()
    return result_type.from_arrays({k: np.swapaxes(v, 0, 1) for k, v in stacked.items()})


def task_generators(seed: int, n_tasks: int) -> list[np.random.Generator]:
    """Independent generators for ``n_tasks`` tasks from one seed (SeedSequence.spawn)."""
    return [
        np.random.Generator(np.random.PCG64(s)) for s in np.random.SeedSequence(seed).spawn(n_tasks)
    ]


def _manifest(
    task: ScanTask[Any], seed_sequence: np.random.SeedSequence, provenance: Mapping[str, Any]
) -> str:
    """Canonical JSON of everything that makes a task's result."""
    params = task.params
    record = {
        "key": task.key,
        "params": (
            dataclasses.asdict(params)
            if dataclasses.is_dataclass(params) and not isinstance(params, type)
            else params
        ),
        "seed_entropy": str(seed_sequence.entropy),
        "seed_spawn_key": list(seed_sequence.spawn_key),
        "provenance": dict(provenance),
    }
    return json.dumps(record, sort_keys=True, default=str)


def _point_path(folder: Path, key: str) -> Path:
    return folder / "points" / f"{key}.npz"


def _load_point(path: Path, manifest: str, result_type: type[R]) -> tuple[R | None, str]:
    """(result, "") if ``path`` holds a checkpoint made by ``manifest``; otherwise (None, why)."""
    if not path.exists():
        return None, ""
    try:
        with np.load(io.BytesIO(path.read_bytes()), allow_pickle=False) as data:
            arrays = {name: data[name] for name in data.files}
        stored = str(arrays.pop(_MANIFEST))
        result = result_type.from_arrays(arrays)
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as exc:
        path.unlink(missing_ok=True)
        return None, f"discarded the corrupted checkpoint {path} ({type(exc).__name__}: {exc})"
    if stored != manifest:
        old, new = json.loads(stored), json.loads(manifest)
        changed = sorted(k for k in set(old) | set(new) if old.get(k) != new.get(k))
        return None, f"recomputing {path.stem}: its checkpoint was made with other {changed}"
    return result, ""


def _save_point(path: Path, manifest: str, result: ArrayResult) -> None:
    arrays = result.to_arrays()
    arrays[_MANIFEST] = np.array(manifest)
    with atomic_path(path) as tmp:
        np.savez(tmp, **arrays)  # type: ignore[arg-type]


def _execute(func: Callable[[P, np.random.Generator], R], params: P, seed: Any) -> R:
    return func(params, np.random.Generator(np.random.PCG64(seed)))


def run_scan(
    func: Callable[[P, np.random.Generator], R],
    result_type: type[R],
    tasks: Sequence[ScanTask[P]],
    folder: str | os.PathLike[str],
    seed: int,
    *,
    provenance: Mapping[str, Any] | None = None,
    scheduler: str | None = "serial",
    n_workers: int | None = None,
    progress: Progress | None = None,
) -> dict[str, R]:
    """Run ``func`` on every task without a matching checkpoint in ``folder``; return all results.

    Args:
        func: module-level function ``(params, rng) -> result_type``.
        result_type: the :class:`ArrayResult` subclass ``func`` returns.
        tasks: the scan's tasks (keys must be unique; their order fixes the seeds).
        folder: where checkpoints go (``<folder>/points``).
        seed: master seed.
        provenance: JSON-serialisable settings that make the results besides the task parameters
            and the seed (configuration fingerprint, version, proposal); part of the manifest.
        scheduler: ``"serial"`` (in this process), ``"local"`` (a dask ``LocalCluster`` of
            ``n_workers`` processes on 127.0.0.1) or a dask scheduler address such as
            ``"tcp://host:8786"``.
        n_workers: workers of the local cluster (default: CPU count).
        progress: called after each finished task, for each checkpoint discarded and once
            for the checkpoints reused.

    Raises:
        ConfigurationError: duplicate or unsafe task keys, or an unknown scheduler.
    """
    keys = [task.key for task in tasks]
    if len(set(keys)) != len(keys):
        raise ConfigurationError("Scan task keys must be unique.")
    for key in keys:
        if not key or os.sep in key or key.startswith("."):
            raise ConfigurationError(f"Scan task key {key!r} is not a safe file name.")
    check_scheduler(scheduler, n_workers, connect=False)
    folder = Path(folder)
    record = dict(provenance or {})
    report: Progress = progress or (lambda _done, _total, _line: None)
    results: dict[str, R] = {}
    todo: list[tuple[ScanTask[P], Any, str]] = []
    for task, seed_sequence in zip(
        tasks, np.random.SeedSequence(seed).spawn(len(tasks)), strict=True
    ):
        manifest = _manifest(task, seed_sequence, record)
        done, why = _load_point(_point_path(folder, task.key), manifest, result_type)
        if why:
            report(len(results), len(tasks), why)
        if done is not None:
            results[task.key] = done
        else:
            todo.append((task, seed_sequence, manifest))
    if results:  # a resumed scan says what it did not redo
        report(
            len(results),
            len(tasks),
            f"reused {len(results)} of {len(tasks)} finished points ({folder / 'points'})",
        )
    if todo and scheduler == "serial":
        for task, seed_sequence, manifest in todo:
            result = _execute(func, task.params, seed_sequence)
            _save_point(_point_path(folder, task.key), manifest, result)
            results[task.key] = result
            report(len(results), len(tasks), f"{task.key} done")
    elif todo:
        manifests = {task.key: manifest for task, _, manifest in todo}
        for task, result in _run_on_dask(func, todo, scheduler, n_workers):
            _save_point(_point_path(folder, task.key), manifests[task.key], result)
            results[task.key] = result
            report(len(results), len(tasks), f"{task.key} done")
    return {key: results[key] for key in keys}


#: Seconds to wait for a remote Dask scheduler to answer.
CONNECT_TIMEOUT_S = 10


def check_scheduler(
    scheduler: str | None, n_workers: int | None = None, *, connect: bool = True
) -> None:
    """Check a scan's scheduler before any work: ``"serial"``, ``"local"`` (with ``n_workers``
    None or >= 1) or a Dask address such as ``"tcp://host:8786"`` that answers within
    :data:`CONNECT_TIMEOUT_S` (checked when ``connect``).

    Raises:
        ConfigurationError: an unknown scheduler, a bad worker count, or an address where no
            Dask scheduler answers (the message names it and the fix).
    """
    if n_workers is not None and (isinstance(n_workers, bool) or n_workers < 1):
        raise ConfigurationError(
            f"The number of local Dask workers must be >= 1, got {n_workers!r}. Fix: omit it "
            "to use one worker per CPU."
        )
    if scheduler in ("serial", "local", None):
        return
    if "://" not in str(scheduler):
        raise ConfigurationError(
            f"Unknown scheduler {scheduler!r}: use 'serial', 'local' or an address like "
            "'tcp://host:8786'."
        )
    if connect:
        _client(str(scheduler)).close()


def _client(address: str) -> Any:
    """A Dask client of the scheduler at ``address``; ConfigurationError if none answers."""
    from dask.distributed import Client

    try:
        return Client(address, timeout=f"{CONNECT_TIMEOUT_S}s")
    except (OSError, TimeoutError, ValueError) as exc:
        raise ConfigurationError(
            f"No Dask scheduler answers at {address} within {CONNECT_TIMEOUT_S} s "
            f"({type(exc).__name__}). Fix: start one there (dask scheduler, dask-jobqueue), or "
            "use --scheduler local or serial."
        ) from None


#: Dask's setting of the environment its worker processes start with.
_SPAWN_ENVIRON = "distributed.nanny.pre-spawn-environ"


def _worker_environ() -> dict[str, Any]:
    """Dask's worker environment without ``MALLOC_TRIM_THRESHOLD_``: setting it switches off
    glibc's adaptive mmap threshold, so every large array of a task is mapped and unmapped
    afresh (measured on a MiniBooNE mass: 1.1e6 page faults, 2.3 s of system time, 8.8 s
    instead of 6.5 s). The BLAS thread limits (one thread per worker) stay."""
    import dask

    environ = dict(dask.config.get(_SPAWN_ENVIRON, default={}) or {})
    environ.pop("MALLOC_TRIM_THRESHOLD_", None)
    return environ


def _local_cluster(n_workers: int | None) -> Any:
    """A dask ``LocalCluster`` of ``n_workers`` single-threaded processes (default: CPU count)
    on 127.0.0.1, on free ports (several scans may run on one machine)."""
    import dask
    from dask.distributed import LocalCluster

    with dask.config.set({_SPAWN_ENVIRON: _worker_environ()}):
        return LocalCluster(
            n_workers=n_workers or os.cpu_count() or 1,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            scheduler_port=0,
            dashboard_address="127.0.0.1:0",
        )


@contextmanager
def shared_scheduler(scheduler: str | None, n_workers: int | None) -> Iterator[str | None]:
    """The scheduler for several scans in a row: with ``"local"`` (or None) one
    ``LocalCluster`` started once for all of them, whose address is yielded (its workers keep
    their imports and caches from one scan to the next; closed on exit); any other scheduler
    is yielded unchanged."""
    if scheduler not in (None, "local"):
        yield scheduler
        return
    cluster = _local_cluster(n_workers)
    try:
        yield str(cluster.scheduler_address)
    finally:
        cluster.close()


def _run_on_dask(
    func: Callable[[P, np.random.Generator], R],
    todo: list[tuple[ScanTask[P], Any, str]],
    scheduler: str | None,
    n_workers: int | None,
) -> Any:
    """Yield (task, result) as the Dask workers finish them."""
    from dask.distributed import Client, as_completed

    cluster: Any = None
    if scheduler in (None, "local"):
        cluster = _local_cluster(n_workers)
        client = Client(cluster)
    else:
        client = _client(str(scheduler))
    try:
        futures = {
            client.submit(_execute, func, task.params, seed, key=f"neutrissimo-{task.key}"): task
            for task, seed, _ in todo
        }
        for future in as_completed(futures):
            yield futures[future], future.result()
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
