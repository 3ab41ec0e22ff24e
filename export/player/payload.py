"""The trajectory player's data: one versioned JSON payload that Python builds from RunResults and player.js draws.

Arrays travel as base64 of little-endian float32 (positions, losses, overlay vectors; non-finite values are NaN)
or int16/int32 (basin tracks, recorded steps); every other number is plain JSON, with null where a value is not
finite, so the JSON never holds NaN. Building a payload only rearranges what the caller computed: the landscape's
picture (`picture.landscape_picture`) and the basin tracks (`basin_tracks`) are passed in.
"""

from __future__ import annotations

import base64
import json
import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from experiments.basins import DIVERGED_BASIN, UNDEFINED_BASIN, assign_basins
from experiments.run import UNDEFINED, RunResult
from experiments.sweep import is_global
from experiments.teaching import TeachingTrace
from export import palette
from export.figures import minimum_label, require_2d, styles_of
from export.labels import minimum_value
from export.player.explain import explain_part
from export.player.picture import Picture
from landscapes import Landscape
from specs import SpecError

VERSION = 2  # 2: the optional `live` part (export/player/live.py)
ARROW_FRACTION = 0.12  # a typical overlay vector is drawn this fraction of the box's width long
ARROW_CAP = 1.5  # ... and none longer than this many typical lengths
BASIN_RUNS = 10  # runs per series whose basin track `basin_tracks` computes by default
BASIN_POINTS = 6000  # points per series it assigns at most; rows in between repeat the last assigned row
BASE64 = 4 / 3  # characters of base64 per byte
RUN_TEXT = 72  # characters at most of one run's stop step and reason, and its start in the live part, as JSON
SERIES_TEXT = 8 * 1024  # ... of one series' live part (its program and every parameter's schema)
OVERHEAD_TEXT = 64 * 1024  # the rest: labels, minima, palettes, scales, the live part's landscape program


def encode(array: np.ndarray, dtype: str) -> str:
    """Base64 of the array's values in a little-endian `dtype` ('<f4', '<i2', '<i4'), C order. As float32, a value
    that is not finite or lies beyond float32's range (a diverged run's last point, an overlay's huge gradient)
    becomes nan, which the player does not draw."""
    values = np.asarray(array)
    if dtype == "<f4":
        values = np.where(np.isfinite(values) & (np.abs(values) <= np.finfo(np.float32).max), values, np.nan)
    return base64.b64encode(np.ascontiguousarray(values, dtype=dtype).tobytes()).decode("ascii")


def decode(text: str, dtype: str, shape: tuple[int, ...]) -> np.ndarray:
    """The inverse of `encode` (what player.js does with a typed array)."""
    return np.frombuffer(base64.b64decode(text), dtype=dtype).reshape(shape)


def number(value: float) -> float | None:
    """A JSON number: the float, or None where it is not finite."""
    value = float(value)
    return value if math.isfinite(value) else None


def basin_names(landscape: Landscape) -> list[str]:
    """Short names of the basins, one per listed minimum: 'sharp basin', 'minimum f=3 (global)'."""
    globals_ = is_global(landscape)
    names = []
    for minimum, lowest in zip(landscape.minima, globals_):
        if minimum.label and minimum.label != "global":
            names.append(f"{minimum.label} basin")
        else:
            names.append(f"minimum f={minimum_value(minimum.value):.3g}" + (" (global)" if lowest else ""))
    return names


def basin_tracks(landscape: Landscape, result: RunResult, runs: int = BASIN_RUNS,
                 max_points: int = BASIN_POINTS) -> np.ndarray:
    """(R, K) int16: the basin (index into landscape.minima, or a code of experiments.basins) of each recorded
    point of the first K = min(runs, N) runs; a stopped run is DIVERGED_BASIN / UNDEFINED_BASIN from its stop on.

    At most `max_points` points are assigned: with more, every k-th recorded row is (the first and last always)
    and the rows between repeat the row before them."""
    count = max(0, min(int(runs), result.n_runs))
    recorded = len(result.recorded_steps)
    stride = max(1, math.ceil(recorded * count / max(1, max_points)))
    rows = np.unique(np.append(np.arange(0, recorded, stride), recorded - 1))
    points = result.positions[rows][:, :count]
    assigned = assign_basins(landscape, points.reshape(-1, landscape.dim)).reshape(len(rows), count)
    tracks = assigned[np.searchsorted(rows, np.arange(recorded), side="right") - 1]
    for run in range(count):
        stop = int(result.stopped_at[run])
        if stop >= 0:
            code = UNDEFINED_BASIN if result.stop_reason[run] == UNDEFINED else DIVERGED_BASIN
            tracks[result.recorded_steps >= stop, run] = code
    return tracks.astype(np.int16)


def landscape_part(landscape: Landscape, picture: Picture | None, label: str) -> dict[str, Any]:
    low, high = landscape.domain.low, landscape.domain.high
    globals_ = is_global(landscape)
    minima = []
    for index, minimum in enumerate(landscape.minima):
        if landscape.domain.contains(minimum.location[None])[0]:
            minima.append({"x": float(minimum.location[0]), "y": float(minimum.location[1]),
                           "value": number(minimum_value(minimum.value)), "label": minimum.label,
                           "global": bool(globals_[index]), "sharpness": number(minimum.sharpness),
                           "text": minimum_label(landscape, index)})
    return {"spec": landscape.spec, "label": label or landscape.spec,
            "box": [float(low[0]), float(high[0]), float(low[1]), float(high[1])],
            "image_key": picture.key if picture else None,
            "image": picture.data_uri() if picture else None,
            "scale": picture.scale if picture else None, "minima": minima}


def series_part(label: str, result: RunResult, style: palette.Style, tracks: np.ndarray | None) -> dict[str, Any]:
    recorded, runs = result.positions.shape[:2]
    part: dict[str, Any] = {
        "label": label, "spec": result.optimizer, "kind": result.kind, "colour": style.colour,
        "dash": list(style.dash), "marker": style.marker, "hollow": style.hollow, "marker_size": style.size,
        "start_size": style.start_size,
        "runs": runs, "recorded": recorded,
        "steps": encode(result.recorded_steps, "<i4"),
        "positions": encode(result.positions[:, :, :2], "<f4"), "losses": encode(result.losses, "<f4"),
        "stopped_at": [int(s) for s in result.stopped_at], "stop_reason": [int(r) for r in result.stop_reason],
        "basins": None, "basin_runs": 0}
    if tracks is not None:
        tracks = np.asarray(tracks)
        if tracks.ndim != 2 or tracks.shape[0] != recorded or tracks.shape[1] > runs:
            raise SpecError(f"the basin tracks of {label} must be ({recorded}, K <= {runs}) (got {tracks.shape})")
        part["basins"] = encode(tracks, "<i2")
        part["basin_runs"] = int(tracks.shape[1])
    return part


def display_scale(vectors: np.ndarray, length: float) -> float:
    """A factor that draws the typical (90th percentile) non-zero vector `length` long (0 when there is none)."""
    norms = np.linalg.norm(vectors.reshape(-1, vectors.shape[-1]), axis=1)
    norms = norms[np.isfinite(norms) & (norms > 0)]
    return length / float(np.percentile(norms, 90)) if norms.size else 0.0


def overlays_part(trace: TeachingTrace, series_index: int, run: int, result: RunResult, width: float
                  ) -> dict[str, Any]:
    """The followed run's overlays at the series' recorded steps (nan past the trace's last step)."""
    if trace.optimizer != result.optimizer:
        raise SpecError(f"the teaching trace is of {trace.optimizer}, not of the followed series' {result.optimizer}")
    if not 0 <= run < result.n_runs:
        raise SpecError(f"the followed run must be in [0, {result.n_runs - 1}] (got {run})")
    if not np.allclose(trace.positions[0], result.positions[0, run]):
        raise SpecError(f"the teaching trace does not start where run {run} starts")
    steps = result.recorded_steps
    inside = steps < trace.positions.shape[0]

    def at_steps(values: np.ndarray) -> np.ndarray:
        out = np.full((len(steps), *values.shape[1:]), np.nan)
        out[inside] = values[steps[inside]]
        return out

    length = ARROW_FRACTION * width
    memory = np.concatenate([trace.buffer.reshape(-1, trace.positions.shape[1]), trace.momenta, trace.aggregates])
    part: dict[str, Any] = {"series": series_index, "run": run, "capacity": int(trace.buffer.shape[1]),
                            "gradient_scale": display_scale(trace.gradients, length),
                            "memory_scale": display_scale(memory, length), "longest": ARROW_CAP * length}
    for name, values in (("position", trace.positions), ("gradient", trace.gradients), ("momentum", trace.momenta),
                         ("stored", trace.buffer), ("aggregate", trace.aggregates), ("ascent", trace.ascent_points)):
        sampled = at_steps(values)
        part[name] = encode(sampled[..., :2], "<f4") if np.isfinite(sampled).any() else None
    part["explain"] = explain_part(trace, steps, encode)
    return part


def build_payload(landscape: Landscape, results: Mapping[str, RunResult], picture: Picture | None = None, *,
                  teaching: TeachingTrace | None = None, follow: tuple[str, int] | None = None,
                  basins: Mapping[str, np.ndarray] | None = None, note: str = "", title: str = "",
                  landscape_label: str = "", open_at_end: bool = False, live: Mapping[str, Any] | None = None
                  ) -> dict[str, Any]:
    """The player's payload: the landscape (its picture when given), one series per result (label -> RunResult, in
    the order shown), the followed run's teaching overlays (`teaching` of run `follow` = (label, run index)) and
    basin tracks per label (from `basin_tracks`). `open_at_end`: the player opens on the last step, every path
    drawn (else on the first). `live`: what the page needs to rerun the series itself (export.player.live)."""
    require_2d(landscape, "the trajectory player")
    if not results:
        raise SpecError("the trajectory player needs at least one optimizer's runs")
    basins = dict(basins or {})
    unknown = [label for label in (*basins, *([follow[0]] if follow else [])) if label not in results]
    if unknown:
        raise SpecError(f"no series is labelled {unknown[0]!r}")
    if live is not None and "series" in live and len(live["series"]) != len(results):
        raise SpecError(f"the live part has {len(live['series'])} series for {len(results)} results")
    styles = styles_of(dict(results))
    labels = list(results)
    payload: dict[str, Any] = {
        "version": VERSION, "title": title, "note": note, "open_at_end": bool(open_at_end),
        "landscape": landscape_part(landscape, picture, landscape_label),
        "series": [series_part(label, result, styles[label], basins.get(label)) for label, result in results.items()],
        "basin_names": basin_names(landscape),
        "basin_colours": list(palette.BASIN_COLOURS),
        "overlay_colours": {"gradient": palette.GRADIENT_COLOUR, "momenta": palette.MOMENTA_COLOUR,
                            "aggregate": palette.AGGREGATE_COLOUR, "ascent": palette.ASCENT_COLOUR},
        "overlays": None, "live": dict(live) if live is not None else None}
    if teaching is not None:
        if follow is None:
            raise SpecError("a teaching trace needs the followed run: follow=(series label, run index)")
        box = payload["landscape"]["box"]
        payload["overlays"] = overlays_part(teaching, labels.index(follow[0]), int(follow[1]), results[follow[0]],
                                            box[1] - box[0])
    return payload


def payload_text(series: int, runs: int, recorded: int, basin_runs: int, overlay_vectors: int,
                 picture_bytes: float) -> float:
    """An upper bound on the payload's JSON characters: `series` series of `runs` runs with `recorded` points each
    (float32 positions and losses, int32 steps), `basin_runs` basin tracks a series (int16), the followed run's
    `overlay_vectors` 2D vectors at every recorded point (float32) and a picture of `picture_bytes` PNG bytes, all in
    base64; every other number as JSON text."""
    per_series = recorded * runs * (2 + 1) * 4 + recorded * 4 + recorded * basin_runs * 2
    return (BASE64 * (series * per_series + recorded * overlay_vectors * 2 * 4 + picture_bytes)
            + series * runs * RUN_TEXT + series * SERIES_TEXT + OVERHEAD_TEXT)


def to_json(payload: Mapping[str, Any]) -> str:
    """Compact JSON; refuses NaN and infinity (the payload holds null for them)."""
    return json.dumps(payload, separators=(",", ":"), allow_nan=False, ensure_ascii=False)


def without_image(payload: Mapping[str, Any]) -> dict[str, Any]:
    """The same payload naming its picture by key only, for a browser that already has it."""
    return {**payload, "landscape": {**payload["landscape"], "image": None}}
