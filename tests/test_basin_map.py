"""Basin maps: a grid of starts over the domain, each labelled with the basin its run ends in."""

from __future__ import annotations

import numpy as np
import pytest

from experiments.basin_map import FLOW, basin_map, flow_map, grid_starts
from experiments.basins import DIVERGED_BASIN as DIVERGED
from experiments.basins import assign_basins
from landscapes import build_landscape
from specs import SpecError


def test_the_grid_spans_the_domain_row_by_row():
    landscape = build_landscape("two_basin")
    xs, ys, starts = grid_starts(landscape, 5)
    assert xs[0] == -2.5 and xs[-1] == 2.5 and ys[0] == -2.0 and ys[-1] == 2.0
    np.testing.assert_array_equal(starts[:5, 1], ys[0])  # the first row is the bottom one
    np.testing.assert_array_equal(starts[:5, 0], xs)


def test_the_flow_map_is_the_basin_of_every_grid_point():
    landscape = build_landscape("himmelblau")
    found = flow_map(landscape, 12)
    _, _, starts = grid_starts(landscape, 12)
    assert found.optimizer == FLOW and found.basins.shape == (12, 12)
    np.testing.assert_array_equal(found.basins.ravel(), assign_basins(landscape, starts))


def test_a_tiny_step_gives_almost_the_flow_map():
    landscape = build_landscape("six_hump_camel")
    crawl = basin_map(landscape, "sgd:lr=0.0001", resolution=20, steps=5)
    agree = np.mean(crawl.basins == flow_map(landscape, 20).basins)
    assert agree >= 0.98 and crawl.steps == 5 and crawl.landscape == "six_hump_camel"


def test_diverged_runs_are_marked_diverged():
    found = basin_map("two_basin", "sgd:lr=10", resolution=6, steps=20)
    assert np.all(found.basins == DIVERGED)


def test_a_basin_map_needs_a_2d_landscape():
    with pytest.raises(SpecError, match="a basin map needs a 2D landscape"):
        basin_map("quadratic:dim=3", "adam", resolution=5, steps=5)


def test_the_resolution_is_checked():
    with pytest.raises(SpecError, match=r"resolution must be an integer in \[2, 1000\]"):
        flow_map("two_basin", 1)


def test_the_work_limit_applies():
    with pytest.raises(SpecError, match="more than the limit of"):
        basin_map("two_basin", "adam", resolution=50, steps=100, max_work=1000)
