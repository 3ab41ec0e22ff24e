"""What we measure, the engine: runs (`run`), basins, escape rates, sweeps, metrics, basin maps and the replay
behind the teaching overlays. Takes a spec string or a built object at each public entry, builds it once, and
counts a request's whole cost (`experiments.work`) before running it."""

from experiments.basin_map import basin_map, flow_map
from experiments.basins import assign_basins, final_basins
from experiments.escape import escape_experiment
from experiments.run import RunResult, run
from experiments.sweep import SweepTable, sweep
from experiments.teaching import teaching_trace

__all__ = ["RunResult", "SweepTable", "assign_basins", "basin_map", "escape_experiment", "final_basins", "flow_map",
           "run", "sweep", "teaching_trace"]
