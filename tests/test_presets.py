"""The demonstrations show what their notes say, and no preset run diverges."""

from __future__ import annotations

import numpy as np
import pytest

from experiments.basins import final_basins
from experiments.run import run
from landscapes import LANDSCAPES, build_landscape
from ui.presets import DEMOS_BY_ID, preset_starts


def demo_runs(demo_id: str) -> tuple[object, dict]:
    """The demo's landscape and {optimizer spec: RunResult} from the starts its link names."""
    params = DEMOS_BY_ID[demo_id].params
    landscape = build_landscape(params["landscape"])
    if params["starts"] == "preset":
        starts = preset_starts(landscape)
    else:
        starts = np.array([[float(v) for v in point.split(",")] for point in params["points"].split(";")])
    return landscape, {spec: run(landscape, spec, starts, int(params["steps"]), record="final")
                       for spec in params["optimizer"]}


def ended_at(landscape, result) -> list[float]:
    """The value of the listed minimum each run ended in."""
    return [landscape.minima[b].value for b in final_basins(landscape, result)]


@pytest.mark.parametrize("demo_id", list(DEMOS_BY_ID))
def test_no_run_of_a_demonstration_stops_early(demo_id):
    _, results = demo_runs(demo_id)
    assert all(not result.stopped.any() for result in results.values())


def test_in_the_sharp_basin_demo_adam_and_adam_sam_stay_and_adam_cm_crosses_to_the_flat_basin():
    landscape, results = demo_runs("sharp-basin")
    sharp, flat = landscape.minimum_index("sharp"), landscape.minimum_index("flat")
    starts = final_basins(landscape, run(landscape, "adam", next(iter(results.values())).starts, 0, record="final"))
    assert (starts == sharp).all()  # every run starts in the sharp basin
    assert (final_basins(landscape, results["adam:lr=0.05"]) == sharp).all()
    assert (final_basins(landscape, results["adam_sam:lr=0.05"]) == sharp).all()
    assert (final_basins(landscape, results["adam_cm:lr=0.05"]) == flat).all()


def test_in_the_goldstein_price_demo_adam_settles_at_30_and_adam_cm_at_the_global_3():
    landscape, results = demo_runs("goldstein-price")
    assert ended_at(landscape, results["adam:lr=0.05"]) == pytest.approx([30.0] * 3)
    assert ended_at(landscape, results["adam_sam:lr=0.05"]) == pytest.approx([30.0] * 3)
    assert ended_at(landscape, results["adam_cm:lr=0.05"]) == pytest.approx([3.0] * 3)


def test_in_the_buffer_size_demo_the_three_buffers_end_at_minima_of_goldstein_price():
    landscape, results = demo_runs("buffer-size")
    for result in results.values():
        assert np.all(final_basins(landscape, result) >= 0)


NAMES_2D = [name for name in LANDSCAPES.names() if name != "custom" and build_landscape(name).dim == 2]


@pytest.mark.parametrize("name", NAMES_2D)
def test_no_preset_start_diverges_for_the_explorers_optimizers(name):
    landscape = build_landscape(name)
    for spec in ("adam:lr=0.05", "adam_sam:lr=0.05", "adam_cm:lr=0.05", "adam_sam_cm:lr=0.05"):
        result = run(landscape, spec, preset_starts(landscape), 300, record="final")
        assert not result.stopped.any(), spec
