"""cmx, the critical-momenta explorer, in one import: the engine's public functions and the notebook player.

    import cmx
    cmx.explore("two_basin:sharpness=16", ["adam:lr=0.05", "adam_cm:lr=0.05"], steps=150)   # a player in a cell
    cmx.escape_experiment("two_basin:sharpness=16", "adam_cm:lr=0.05", runs=1000, steps=200).escape_rate

The packages stay the place to read (experiments is the engine, export draws, landscapes and optimizers are built
from spec strings); this module only gathers what a notebook reaches for. It also names the project for Streamlit,
which finds the player's files through it (pyproject.toml, [tool.streamlit.component]).
"""

from experiments import (
                         RunResult,
                         SweepTable,
                         assign_basins,
                         basin_map,
                         escape_experiment,
                         final_basins,
                         flow_map,
                         run,
                         sweep,
                         teaching_trace,
)
from experiments.tune import tune
from export.player import explore
from landscapes import build_landscape
from optimizers import build_optimizer

__all__ = ["RunResult", "SweepTable", "assign_basins", "basin_map", "build_landscape", "build_optimizer",
           "escape_experiment", "explore", "final_basins", "flow_map", "run", "sweep", "teaching_trace", "tune"]
