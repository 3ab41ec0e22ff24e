"""Issue 24: a grid of cells on one core, on dask's threads and on a LocalCluster of worker processes.

The 400-cell grid is 20 lr x 20 sharpness of two_basin for Adam and Adam+CM (800 jobs, about five to a dask task),
2,000 runs x 200 steps a cell, measured as an escape sweep: serially (`--scheduler threads`, the default: a job of
2,000 runs is below the size run_to_ends splits over threads, so it runs on one core), on one in-process dask worker
of a thread per core, and on `--scheduler processes` (a worker process per core). All three give the same table,
checked. From them: each one's ratio to serial, the cluster's overhead per job, the memory a task takes, and the
projected time of issue 24's 2,500-cell grid on 10 machines like this one.
"""

from __future__ import annotations

import importlib
import logging
import resource
from dataclasses import dataclass

import numpy as np

from benchmarks.speed import seconds
from experiments import sweep
from experiments.allocator import keep_freed_memory
from experiments.cluster import PROCESSES, Cluster
from experiments.escape import available_cores, chunk_bytes, chunk_count
from landscapes import build_landscape
from optimizers import build_optimizer

CELLS = 20  # values of each axis
GRID = dict(landscape="two_basin", optimizers=["adam", "adam_cm"],
            axis={"lr": [float(v) for v in np.geomspace(0.005, 0.2, CELLS)],
                  "sharpness": [float(v) for v in np.geomspace(1, 64, CELLS)]},
            runs=2000, steps=200, max_work=None)
# Issue 24's grid: lr x sharpness x C x lambda, 10 x 10 x 5 x 5 cells of Adam+CM, 10^4 runs x 1000 steps each.
BIG_CELLS, BIG_CELL = 2500, dict(landscape="two_basin", optimizers=["adam_cm:top_c=5,decay=0.9"], runs=10_000,
                                 steps=1000)
MACHINES = 10
NO_OP_TASKS = 800


@dataclass(frozen=True)
class GridSpeed:
    """Wall seconds of the grid each way, what it counts, and what the cluster's workers took."""

    tasks: int  # jobs (an optimizer on a cell, or a chunk of its runs); on a cluster small ones share a task
    workers: int
    serial: float
    threads: float  # one dask worker in this process, a thread per core
    processes: float  # a LocalCluster of `workers` processes, started beforehand (its start is not counted)
    cluster_start: float  # seconds to start that LocalCluster and import cmx's engine in its workers
    no_op: float  # seconds per task of NO_OP_TASKS tasks doing nothing on that cluster, submitted together
    same_tables: bool
    units: float  # the grid's work (sweep_work), run-steps
    task_bytes: float  # the most a task's runs hold (chunk_bytes)
    worker_peak_mb: float  # the largest peak resident memory of a worker process after the grid
    worker_start_mb: float  # ... and before its first task

    def ratio(self, name: str) -> float:
        return self.serial / getattr(self, name)

    @property
    def overhead_per_task(self) -> float:
        """Core-seconds a job costs on the cluster beyond its own computation: the processes' wall on every worker,
        less the serial wall, per job (the scheduler, this process and the workers share the cores)."""
        return (self.processes * self.workers - self.serial) / self.tasks

    def projected_seconds(self, units: float, tasks: int, machines: int) -> float:
        """Wall seconds of a grid of `units` run-steps in `tasks` jobs on `machines` machines like this one, each a
        LocalCluster of its cores: the serial seconds a unit of this grid took, plus each job's overhead, shared by
        every worker."""
        return (units * self.serial / self.units + tasks * self.overhead_per_task) / (machines * self.workers)


def peak_resident_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure_grid(grid: dict = GRID) -> GridSpeed:
    from distributed import Client, LocalCluster

    keep_freed_memory()  # as the cluster's workers do (experiments.cluster), so that serial is cmx's own speed
    workers = available_cores()
    landscape, heaviest = build_landscape(grid["landscape"]), build_optimizer(grid["optimizers"][-1])
    tasks = int(np.prod([len(v) for v in grid["axis"].values()])) * len(grid["optimizers"]) * chunk_count(
        grid["runs"])
    tables = {}
    serial = seconds(lambda: tables.setdefault("serial", sweep(**grid)))
    with LocalCluster(n_workers=1, threads_per_worker=workers, processes=False, dashboard_address=":0",
                      silence_logs=logging.CRITICAL) as local, Client(local, set_as_default=False) as client:
        threads = seconds(lambda: tables.setdefault("threads", sweep(**grid, client=client)))
    with Cluster(PROCESSES, workers) as cluster:
        cluster_start = seconds(lambda: cluster.client().run(importlib.import_module, "experiments.sweep"))
        client = cluster.client()
        start_mb = max(client.run(peak_resident_mb).values())
        processes = seconds(lambda: tables.setdefault("processes", sweep(**grid, client=cluster)))
        peak_mb = max(client.run(peak_resident_mb).values())
        no_op = seconds(lambda: client.gather(client.map(lambda i: i, range(NO_OP_TASKS), pure=False)))
    same = len({table.to_csv() + table.survival.to_csv() for table in tables.values()}) == 1
    return GridSpeed(tasks, workers, serial, threads, processes, cluster_start, no_op / NO_OP_TASKS, same,
                     sweep.cost(**{k: v for k, v in grid.items() if k != "max_work"}).units,
                     chunk_bytes(landscape, heaviest, grid["runs"], grid["steps"]), peak_mb, start_mb)


def big_grid_units() -> float:
    """Issue 24's 2,500-cell grid, in run-steps (each cell's work, sweep_work)."""
    return BIG_CELLS * sweep.cost(**BIG_CELL).units
