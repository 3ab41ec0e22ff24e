"""The payload's `live` part: what the player needs to rerun its series in the page when a knob, the steps or a start
changes (export/player/live.js reads it; model.js's header states its format).

It holds programs for export/player/engine.js (engine_spec builds them and refuses what the page cannot run: such a
series keeps its runs and says why it has no controls) and each optimizer's schema, value by value, so the page can
check a typed value, draw a slider and write the series' label as export.labels does.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from typing import Any

import numpy as np

from export.labels import display_name
from export.player.engine_spec import landscape_program, optimizer_program
from landscapes import Landscape
from optimizers import OPTIMIZERS, Optimizer
from optimizers.schedule import SCHEDULE_NAMES
from specs import Field, SpecError

LIVE_RUN_STEPS = 400_000  # run-steps one change may compute in the page (about 0.1 s of Adam+CM); above, it says so
# Never a knob: the app's gradient noise and seed (set once for the page), and the lr warm-up and schedule, which
# engine.js does not apply yet (engine_spec refuses a series that sets them; the rest keep their defaults).
FIXED_FIELDS = ("noise", "seed", *SCHEDULE_NAMES)
LOG_DECADES = 4  # a log slider spans this many decades each side of the field's default (and the value in use)
SLIDER_STOPS = 1000  # a linear slider's stops between its ends


def slider(field: Field, value: float) -> dict[str, Any] | None:
    """A number field's slider: its ends inside the field's range and around `value`, on a log scale or in steps of
    `step`; None for a field without both bounds and no log scale (it has a number box only)."""
    if field.log:
        centre = field.default if field.default and field.default > 0 else value
        low, high = centre / 10**LOG_DECADES, centre * 10**LOG_DECADES
        if field.high is not None:
            high = min(high, field.high)
        return {"low": min(low, value), "high": max(high, value), "log": True, "step": None}
    if field.low is None or field.high is None:
        return None
    step = 1 if field.kind == "int" else (field.high - field.low) / SLIDER_STOPS
    return {"low": field.low + (step if field.low_open else 0), "high": field.high - (step if field.high_open else 0),
            "log": False, "step": step}


def field_part(field: Field, value: Any) -> dict[str, Any]:
    """One parameter as the page reads it: how it is named and checked, its value, and whether it has a control."""
    number = field.kind in ("int", "float")
    return {"name": field.name, "title": field.shown_name, "symbol": field.shown_symbol, "kind": field.kind,
            "help": field.help, "range": field.range_text(), "value": value, "default": field.default,
            "low": field.low, "high": field.high, "low_open": field.low_open, "high_open": field.high_open,
            "choices": list(field.choices), "knob": field.name not in FIXED_FIELDS and field.kind != "text",
            "slider": slider(field, value) if number else None}


def series_live(method: Optimizer) -> dict[str, Any]:
    """A series' part: its display name and every parameter (for its label), and its program, or why it has none."""
    fields = [field_part(field, method.params[field.name]) for field in OPTIMIZERS.entry(method.name).fields]
    part = {"kind": method.name, "name": display_name(method.name), "fields": fields}
    try:
        return {**part, "optimizer": optimizer_program(method), "reason": ""}
    except SpecError as error:
        return {**part, "optimizer": None, "reason": str(error)}


def revision(landscape: dict[str, Any], optimizers: Sequence[dict[str, Any] | None], starts: list, steps: int) -> str:
    """What names these runs (16 hex digits): a page that is sent the runs it has already changed keeps its own."""
    text = json.dumps([landscape, list(optimizers), starts, steps], sort_keys=True, allow_nan=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def live_part(surface: Landscape, methods: Sequence[Optimizer], starts: np.ndarray, steps: int, points_per_run: int,
              max_starts: int, max_steps: int) -> dict[str, Any]:
    """The payload's `live` part for `methods` run from `starts` (N, 2) for `steps` steps: a rerun keeps at most
    `points_per_run` recorded points a run, and the page offers at most `max_starts` starts and `max_steps` steps.
    {"reason": why} when the page cannot run the landscape."""
    try:
        landscape = landscape_program(surface)
    except SpecError as error:
        return {"reason": str(error)}
    series = [series_live(method) for method in methods]
    points = np.asarray(starts, dtype=np.float64).tolist()
    unable = [display_name(method.name) for method, part in zip(methods, series) if not part["optimizer"]]
    fixed = f"starts and steps stay as they are: {unable[0]} cannot run in the page" if unable else ""
    return {"landscape": landscape, "series": series, "starts": points, "steps": int(steps),
            "max_steps": int(max_steps), "points_per_run": int(points_per_run),
            "limit": LIVE_RUN_STEPS, "max_starts": int(max_starts), "runs_fixed": fixed,
            "revision": revision(landscape, [part["optimizer"] for part in series], points, int(steps))}
