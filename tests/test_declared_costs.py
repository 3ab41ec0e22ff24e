"""Each public compute function declares its cost beside itself (`function.cost`, experiments.work.declares_cost),
and checks exactly that count against its limit: a caller that asks `cost` counts what the function will count."""

from __future__ import annotations

import numpy as np
import pytest

from experiments import basin_map, escape_experiment, flow_map, run, sweep, work
from experiments.tune import tune
from landscapes import build_landscape

TWO_BASIN = build_landscape("two_basin:sharpness=16")
CALLS = [
    (run, dict(landscape=TWO_BASIN, optimizer="adam_cm:lr=0.05", starts=np.zeros((40, 2)), steps=30, record=3)),
    (escape_experiment, dict(landscape=TWO_BASIN, optimizer="adam:lr=0.05", basin="sharp", runs=60, steps=20,
                             spread=0.3)),
    (escape_experiment, dict(landscape=TWO_BASIN, optimizer="lion:lr=0.01", starts=np.full((5, 2), [-1.0, 0.0]),
                             steps=20)),
    (sweep, dict(landscape=TWO_BASIN, optimizers=["adam:lr=0.05", "adam_sam_cm:lr=0.05"], axis="sharpness",
                 values=[4, 16], runs=30, steps=20, match_step="adam_sam_cm:lr=0.05")),
    (sweep, dict(landscape=TWO_BASIN, optimizers=["adam:lr=0.05", "adam_cm:lr=0.05"], axis="sharpness", values=[16],
                 runs=30, steps=20, match_step="adam_cm", match_window=[2, 20])),
    (sweep, dict(landscape=TWO_BASIN, optimizers=["adam:lr=0.05", "adam_cm:lr=0.05"], runs=30, steps=20,
                 match_step="adam_cm", match_mode="lengths", tune={"trials": 2, "runs": 10, "steps": 10})),
    (tune, dict(landscape=TWO_BASIN, optimizers=["adam", "adam_cm"], objective="escape_rate", trials=3, runs=20,
                steps=20)),
    (basin_map, dict(landscape="himmelblau", optimizer="rmsprop:lr=0.05", resolution=12, steps=40)),
    (flow_map, dict(landscape="six_hump_camel", resolution=12)),
]


class Counted(Exception):
    """Raised in place of the check, carrying the work the function counted."""


@pytest.mark.parametrize("function, arguments", CALLS, ids=[f"{f.__name__}-{i}" for i, (f, _) in enumerate(CALLS)])
def test_a_compute_function_checks_the_cost_it_declares(function, arguments, monkeypatch):
    def counted(request, max_work, *rest, **options):
        raise Counted(request)

    declared = function.cost(**arguments)
    monkeypatch.setattr(work, "check", counted)
    with pytest.raises(Counted) as checked:
        function(**arguments)
    assert checked.value.args[0] == declared and declared.units > 0
