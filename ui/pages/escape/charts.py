"""The Escape lab's charts as Vega-Lite specs (the escape curve, the survival curves, the phase diagram) and the
PNG download, each in the palette's colours and dashes."""

from __future__ import annotations

import io
import itertools
import math
from collections.abc import Callable, Sequence
from typing import Any

from export import palette
from export.figures import escape_curve_figure, percent, phase_figure
from ui import compute, drawing
from ui.pages.escape.state import CELL_MEASURES, CELLS
from ui.pages.escape.view import EscapeView, SweptAxis, draws_laws, per_lr_spec, radius_reach, significant

LINE_WIDTH = 2.5  # the curve's lines, in pixels; the palette's dashes are in line widths
CURVE_HEIGHT = 320  # pixels, the plot without its legend (as tall as the survival plot beside it)
SURVIVAL_HEIGHT = 320  # pixels, the survival plot without its legend
BAND_OPACITY = 0.15  # a survival curve's 95% band, in its optimizer's colour
PANEL_SIZE = 170  # pixels, the plot of each optimizer's panel of a phase diagram
PANEL_WIDTH, PANEL_HEIGHT = PANEL_SIZE + 90, PANEL_SIZE + 170  # the whole panel: its axes, title and legend too
ERROR_CAP = 10  # pixels, the width of an error bar's caps
PNG_DPI = 150


def curve_rows(view: EscapeView) -> list[dict]:
    """One row per optimizer and swept value, as the escape curve draws it: the rate and its interval, and the texts
    its tooltip shows."""
    out = []
    for k, label in enumerate(view.labels):
        for row in view.rows_of(k):
            entry: dict[str, Any] = {"optimizer": label, "rate": row["escape_rate"], "low": row["ci_low"],
                                     "high": row["ci_high"], "rate_text": percent(row["escape_rate"]),
                                     "interval": f"{percent(row['ci_low'])} to {percent(row['ci_high'])}",
                                     "escaped": f"{row['escaped']} of {row['runs']}"
                                                + (f", {row['diverged']} diverged" if row["diverged"] else "")}
            if view.predicted:
                entry |= {"out_by_2_text": percent(row["out_by_2"]),
                          "kick_text": percent(row["predicted_out_by_2"])}
            first = view.first
            if first is not None:
                entry["value"] = row[first.name] if first.numeric else first.text(row[first.name])
                entry["value_text"] = (f"has no {first.symbol}: the same runs at every value" if k in first.lacking
                                       else first.text(row[first.name]))
            out.append(entry)
    return out


def escape_spec(view: EscapeView) -> dict:
    """Escape rate against the swept value as a Vega-Lite spec: one line per optimizer in its palette colour and dash,
    named at its end, each rate in its palette marker with its 95% interval as an error bar (visible at 0 and 1),
    ticks at the swept values; markers side by side when the knob is not a number or nothing is swept."""
    labels = list(view.labels)
    optimizer = {"field": "optimizer", "type": "nominal", "sort": labels,
                 "legend": drawing.vega_legend(labels, view.numeric)}  # colour and dash: one legend
    colour = {**optimizer, "scale": {"domain": labels, "range": [style.colour for style in view.styles]}}
    tooltip = [{"field": "optimizer", "title": "optimizer"}]
    first = view.first
    if first is None:
        x: dict[str, Any] = {"field": "optimizer", "type": "nominal", "sort": labels, "title": None,
                             "axis": {"labels": False, "ticks": False}}
    elif view.numeric:  # an explicit domain: Streamlit builds the view before it inserts the rows
        ticks = sorted(set(first.values))
        x = {"field": "value", "type": "quantitative", "title": first.symbol + (" (log scale)" if first.log else ""),
             "scale": {"type": "log" if first.log else "linear", "domain": [ticks[0], ticks[-1]], "nice": False,
                       "padding": 24},
             "axis": {**drawing.vega_ticks(ticks, [first.text(value) for value in ticks]), "grid": True}}
    else:
        x = {"field": "value", "type": "nominal", "title": first.symbol, "axis": {"labelAngle": 0},
             "sort": [first.text(value) for value in first.values]}
    if first is not None:
        tooltip.append({"field": "value_text", "title": first.symbol})
    tooltip += [{"field": "rate_text", "title": "escape rate"}, {"field": "interval", "title": "95% interval"},
                {"field": "escaped", "title": "escaped"}]
    if view.predicted:
        tooltip += [{"field": "out_by_2_text", "title": "out by step 2"},
                    {"field": "kick_text", "title": "out by step 2 (kick law)"}]
    rows = curve_rows(view)
    scale = {"domain": [-0.04, 1.04], "nice": False, "zero": False}  # room for a dot at 0 or 1 and its bar
    rate = {"field": "rate", "type": "quantitative", "scale": scale, "title": "escape rate (95% interval)",
            "axis": {"format": ".0%", "values": [0, 0.2, 0.4, 0.6, 0.8, 1]}}
    side_by_side = {} if view.numeric else {"xOffset": {"field": "optimizer", "type": "nominal", "sort": labels}}
    layers: list[dict] = [
        {"mark": {"type": "errorbar", "ticks": {"size": ERROR_CAP}, "thickness": 1.5},
         "encoding": {"y": {**rate, "field": "low"}, "y2": {"field": "high"}, **side_by_side}},
        *drawing.marker_layers({"mark": {"type": "point", "opacity": 1},
                                "encoding": {"y": rate, "tooltip": tooltip, **side_by_side}},
                               optimizer, view.styles, area=40)]
    if view.numeric:
        dashes = {**optimizer, "scale": {"domain": labels,
                                         "range": [drawing.vega_dash(style, LINE_WIDTH) for style in view.styles]}}
        layers.insert(0, {"mark": {"type": "line", "strokeWidth": LINE_WIDTH},
                          "encoding": {"y": rate, "strokeDash": dashes}})
        last = {row["optimizer"]: row for row in sorted(rows, key=lambda row: row["value"])}  # at the largest value
        ends = [{"optimizer": label, "name": name, "value": last[label]["value"], "end": last[label]["rate"]}
                for label, name in zip(labels, drawing.short_labels(labels))]
        layers.append(drawing.vega_end_labels(ends, rate, CURVE_HEIGHT))
    return {"data": {"values": rows}, "height": CURVE_HEIGHT, "autosize": drawing.VEGA_FIT_WIDTH,
            "usermeta": drawing.VEGA_SVG,
            "encoding": {"x": x, "color": colour}, "layer": layers}


def survival_rows(view: EscapeView, v: int) -> list[dict]:
    """Each optimizer's survival curve at swept value v as the survival plot draws it: step 0 (every run inside,
    `start`), then table.survival's rows, with the texts the tooltip shows."""
    out = []
    for k, label in enumerate(view.labels):
        curve = view.curve(k, v)
        runs = view.row(k, v)["runs"]
        first = {"step": 0, "in_basin": 1.0, "in_basin_low": 1.0, "in_basin_high": 1.0, "at_risk": runs}
        for point in (first, *curve):
            out.append({"optimizer": label, "step": point["step"], "share": point["in_basin"],
                        "low": point["in_basin_low"], "high": point["in_basin_high"], "at_risk": point["at_risk"],
                        "start": point is first, "share_text": percent(point["in_basin"]),
                        "band": f"{percent(point['in_basin_low'])} to {percent(point['in_basin_high'])}",
                        "at_risk_text": f"{point['at_risk']} of {runs} runs"})
    return out


def step_ticks(last: int) -> list[int]:
    """0, 1, 2, 5, 10, 20, 50, ... up to `last`, and `last` itself: ticks for a symlog step axis."""
    ticks, decade = [0], 1
    while decade <= last:
        ticks += [t for t in (decade, 2 * decade, 5 * decade) if t <= last]
        decade *= 10
    if last - ticks[-1] > 0.3 * last:  # the last step, unless a tick is near it already
        ticks.append(last)
    return ticks


def survival_spec(view: EscapeView, v: int) -> dict:
    """The share of runs still in their start basin against the step, at swept value v, as a Vega-Lite spec: a line
    per optimizer in its palette colour and dash (a step function: the share changes at checked steps) named at its
    end, its 95% band shaded, its palette marker at each checked step with its tooltip, the step on a symlog axis (0,
    then geometric)."""
    labels = list(view.labels)
    optimizer = {"field": "optimizer", "type": "nominal", "sort": labels, "legend": drawing.vega_legend(labels, True)}
    colour = {**optimizer, "scale": {"domain": labels, "range": [style.colour for style in view.styles]}}
    dashes = {**optimizer, "scale": {"domain": labels,
                                     "range": [drawing.vega_dash(style, LINE_WIDTH) for style in view.styles]}}
    last = max(int(view.row(k, v)["steps"]) for k in range(len(labels)))
    ticks = step_ticks(last)
    x = {"field": "step", "type": "quantitative", "title": "step (symlog scale)",
         "scale": {"type": "symlog", "constant": 1, "domain": [0, last], "nice": False},
         "axis": {"values": ticks, "format": "d", "grid": True}}
    share = {"field": "share", "type": "quantitative", "title": "share still in the basin (95% band)",
             "scale": {"domain": [0, 1], "nice": False},
             "axis": {"format": ".0%", "values": [0, 0.2, 0.4, 0.6, 0.8, 1]}}
    tooltip = [{"field": "optimizer", "title": "optimizer"}, {"field": "step", "title": "step"},
               {"field": "share_text", "title": "still in the basin"}, {"field": "band", "title": "95% band"},
               {"field": "at_risk_text", "title": "at risk (inside and running)"}]
    layers = [
        {"mark": {"type": "area", "interpolate": "step-after", "opacity": BAND_OPACITY},
         "encoding": {"y": {**share, "field": "low"}, "y2": {"field": "high"}}},
        {"mark": {"type": "line", "interpolate": "step-after", "strokeWidth": LINE_WIDTH},
         "encoding": {"y": share, "strokeDash": dashes}},
        *drawing.marker_layers({"transform": [{"filter": "!datum.start"}],
                                "mark": {"type": "point", "opacity": 0.8},
                                "encoding": {"y": share, "tooltip": tooltip}}, optimizer, view.styles, area=20)]
    rows = survival_rows(view, v)
    last = {row["optimizer"]: row for row in rows}  # each curve's last point
    ends = [{"optimizer": label, "name": name, "step": last[label]["step"], "end": last[label]["share"]}
            for label, name in zip(labels, drawing.short_labels(labels))]
    layers.append(drawing.vega_end_labels(ends, share, SURVIVAL_HEIGHT))
    return {"data": {"values": rows}, "height": SURVIVAL_HEIGHT,
            "autosize": drawing.VEGA_FIT_WIDTH, "usermeta": drawing.VEGA_SVG,
            "encoding": {"x": x, "color": colour}, "layer": layers}


def cell_edges(values: Sequence, log: bool) -> dict[Any, tuple[float, float]]:
    """Each swept value -> its cell's (low, high) edges on a continuous axis: halfway (geometrically on a log axis)
    to its neighbours, the outer cells as wide as their inner halves."""
    ordered = sorted(set(values))
    to, back = (math.log, math.exp) if log else (float, float)
    places = [to(value) for value in ordered]
    if len(places) == 1:
        half = math.log(2) / 2 if log else (abs(places[0]) / 4 or 0.5)
        middles = [places[0] - half, places[0] + half]
    else:
        inner = [(a + b) / 2 for a, b in itertools.pairwise(places)]
        middles = [2 * places[0] - inner[0], *inner, 2 * places[-1] - inner[-1]]
    return {value: (back(middles[i]), back(middles[i + 1])) for i, value in enumerate(ordered)}


@compute.cached
def kick_lr(landscape: str, optimizer: str, basin: str) -> float:
    """The kick law's lr above which the held second step leaves `basin` from its core (experiments.theory)."""
    from experiments.theory import kick_escape_lr  # theory imports scipy.stats (0.4 s): only for this diagram

    return kick_escape_lr(landscape, optimizer, basin)


def law_boundary(view: EscapeView, applies: Callable[[str], bool], escape_lr: Callable[[str, str], float]
                 ) -> dict[int, list[tuple[float, float]]]:
    """Optimizer k -> a law's boundary as (first axis, second axis) points, one per swept sharpness, on a phase
    diagram of lr and sharpness on two_basin: for each optimizer the law `applies` to, `escape_lr(landscape spec,
    optimizer spec)` at each sharpness; {} on any other diagram."""
    if not view.phase or not draws_laws(view.row(0, 0)["landscape"].partition(":")[0],
                                        [view.first.name, view.second.name]):
        return {}
    found: dict[int, list[tuple[float, float]]] = {}
    for k in range(len(view.labels)):
        if k in view.first.lacking | view.second.lacking or not applies(view.row(k, 0)["optimizer_spec"]):
            continue
        points = {}
        for v in range(view.cell_count):
            row = view.row(k, v)
            if row["sharpness"] not in points:
                points[row["sharpness"]] = escape_lr(row["landscape"], row["optimizer_spec"])
        found[k] = [(lr, s) if view.first.name == "lr" else (s, lr) for s, lr in sorted(points.items())]
    return found


def kick_boundary(view: EscapeView, basin: str) -> dict[int, list[tuple[float, float]]]:
    """The kick law's boundary (law_boundary), for Adam+CM and Adam+SAM+CM holding their first step without noise
    (experiments.theory.kick_applies)."""
    from experiments.theory import kick_applies

    return law_boundary(view, kick_applies, lambda landscape, optimizer: kick_lr(landscape, optimizer, basin))


@compute.cached
def radius_lr(landscape: str, optimizer: str, basin: str) -> float:
    """The radius law's lr above which the oscillation at the minimum reaches `basin`'s edge (experiments.theory)."""
    from experiments.theory import radius_escape_lr

    return radius_escape_lr(landscape, optimizer, basin, radius_reach(per_lr_spec(optimizer)))


def radius_boundary(view: EscapeView, basin: str = "sharp") -> dict[int, list[tuple[float, float]]]:
    """The radius law's boundary (law_boundary), drawn beside the kick law's, for Adam+CM without noise or an lr
    schedule (experiments.theory.radius_applies), with or without its kick."""
    from experiments.theory import radius_applies

    return law_boundary(view, radius_applies, lambda landscape, optimizer: radius_lr(landscape, optimizer, basin))


def cell_text(measure: str, value: float) -> str:
    return percent(value) if measure == "escape_rate" else significant(value)


def phase_rows(view: EscapeView, measure: str, boundary: dict[int, list[tuple[float, float]]],
               radius: dict[int, list[tuple[float, float]]] | None = None) -> list[dict]:
    """The phase diagram's rows: a cell per optimizer and combination of values (kind "cell": its place, its edges on
    a continuous axis, the measure that colours it and its tooltip's texts), then the kick law's boundary points
    (kind "kick") and the radius law's (kind "radius")."""
    first, second = view.first, view.second
    edges = cell_edges(first.values, first.log) if first.numeric else {}
    edges2 = cell_edges(second.values, second.log) if second.numeric else {}
    longest = max(int(row["steps"]) for row in view.table.rows)
    out: list[dict] = []
    for k, label in enumerate(view.labels):
        for v in range(view.cell_count):
            row = view.row(k, v)
            x, y = row[first.name], row[second.name]
            shade = row[measure]
            if measure == "escape_rate":
                light = shade
            elif math.isfinite(shade):  # the step scales run from 1 (bright) to the longest run (dark)
                light = 1 - math.log(max(shade, 1.0)) / math.log(max(longest, 2))
            else:
                light = 1.0  # the grey of an undefined cell
            entry: dict[str, Any] = {
                "kind": "cell", "optimizer": label, "x_text": first.text(x), "y_text": second.text(y),
                "shade": shade if math.isfinite(shade) else None, "dark": light < 0.6,
                "cell_text": cell_text(measure, shade),
                "rate_text": percent(row["escape_rate"]),
                "interval": f"{percent(row['ci_low'])} to {percent(row['ci_high'])}",
                "escaped": f"{row['escaped']} of {row['runs']}" + (f", {row['diverged']} diverged"
                                                                    if row["diverged"] else ""),
                "median_text": (significant(row["median_escape_step"]) if math.isfinite(row["median_escape_step"])
                                else f"not reached: fewer than half left by step {row['steps']}"),
                "mean_text": (f"{significant(row['mean_escape_step'])} (a run still in counts {row['steps']})"
                              if row["escaped"] else "— (no run escaped)"),
                "kick_text": None}
            if first.numeric:
                entry |= {"x": float(x), "x_low": edges[x][0], "x_high": edges[x][1]}
            if second.numeric:
                entry |= {"y": float(y), "y_low": edges2[y][0], "y_high": edges2[y][1]}
            out.append(entry)
    for k, points in boundary.items():
        for x, y in points:
            lr, sharpness = (x, y) if first.name == "lr" else (y, x)
            out.append({"kind": "kick", "optimizer": view.labels[k], "x": float(x), "y": float(y),
                        "kick_text": f"the second step leaves the basin's core above lr = {lr:.3g} at sharpness "
                                     f"{sharpness:g}"})
    for k, points in (radius or {}).items():
        for x, y in points:
            lr, sharpness = (x, y) if first.name == "lr" else (y, x)
            out.append({"kind": "radius", "optimizer": view.labels[k], "x": float(x), "y": float(y),
                        "kick_text": f"the oscillation at the minimum reaches the basin's edge above lr = {lr:.3g} "
                                     f"at sharpness {sharpness:g}"})
    return out


def phase_axis(axis: SweptAxis, channel: str) -> dict:
    """One axis of the phase diagram: continuous with a tick at each swept value (cells spanning their edges), or
    the values as bands in the order given."""
    if not axis.numeric:
        return {"field": f"{channel}_text", "type": "ordinal", "title": axis.symbol,
                "sort": list(dict.fromkeys(axis.text(value) for value in axis.values)), "axis": {"labelAngle": 0}}
    edges = cell_edges(axis.values, axis.log)
    ticks = sorted(edges)
    return {"field": channel, "type": "quantitative", "title": axis.symbol + (" (log scale)" if axis.log else ""),
            "scale": {"type": "log" if axis.log else "linear", "domain": [edges[ticks[0]][0], edges[ticks[-1]][1]],
                      "nice": False, "zero": False},
            "axis": {**drawing.vega_ticks([float(t) for t in ticks], [axis.text(t) for t in ticks]), "grid": False}}


def phase_specs(view: EscapeView, measure: str, boundary: dict[int, list[tuple[float, float]]],
                basin: str = "sharp") -> list[dict]:
    """The phase diagram as a Vega-Lite spec per optimizer (panels of one size, laid side by side as the width
    allows): a rect per combination of the two swept values coloured by `measure` on one scale for all (bright: more
    escapes, or sooner; grey: undefined), its value written inside, the escape rate with its 95% interval, the counts
    and both escape steps in its tooltip; the kick law's boundary (dashed) and the radius law's (dotted, against
    `basin`'s edge) drawn over the panels they apply to."""
    x, y = phase_axis(view.first, "x"), phase_axis(view.second, "y")
    spans = {}
    for channel, axis in (("x", x), ("y", y)):
        spans[channel] = ({channel: {**axis, "field": f"{channel}_low"}, f"{channel}2": {"field": f"{channel}_high"}}
                          if axis["type"] == "quantitative" else {channel: axis})
    if measure == "escape_rate":
        colour_scale = {"domain": [0, 1], "scheme": "viridis"}
        legend = {"format": ".0%", "title": "escape rate"}
    else:
        longest = max(int(row["steps"]) for row in view.table.rows)
        colour_scale = {"type": "log", "domain": [1, max(longest, 2)], "scheme": "viridis", "reverse": True}
        legend = {"format": "d", "title": f"{CELL_MEASURES[measure]} (bright: sooner)"}
    tooltip = [{"field": "optimizer", "title": "optimizer"}, {"field": "x_text", "title": view.first.symbol},
               {"field": "y_text", "title": view.second.symbol}, {"field": "rate_text", "title": "escape rate"},
               {"field": "interval", "title": "95% interval"}, {"field": "escaped", "title": "escaped"},
               {"field": "median_text", "title": "median escape step"},
               {"field": "mean_text", "title": "mean escape step"}]
    cells = [{"filter": "datum.kind === 'cell'"}]
    layers: list[dict] = [
        {"transform": cells, "mark": {"type": "rect", "color": palette.UNASSIGNED_COLOUR},
         "encoding": {**spans["x"], **spans["y"], "tooltip": tooltip}},
        {"transform": [{"filter": "datum.kind === 'cell' && isValid(datum.shade)"}], "mark": {"type": "rect"},
         "encoding": {**spans["x"], **spans["y"], "tooltip": tooltip,
                      "color": {"field": "shade", "type": "quantitative", "scale": colour_scale,
                                "legend": {**legend, "orient": "top", "gradientLength": 150}}}},
        {"transform": cells, "mark": {"type": "text", "fontSize": 11},
         "encoding": {"x": x, "y": y, "text": {"field": "cell_text"}, "tooltip": tooltip,
                      "color": {"condition": {"test": "datum.dark", "value": "#FFFFFF"}, "value": "#000000"}}}]
    line = {"x": x, "y": y, "order": {"field": "y" if view.first.name == "lr" else "x", "type": "quantitative"}}

    def law_layers(kind: str, dash: list[int], title: str) -> list[dict]:
        """A boundary's layers: a white halo, the black line in its dash, and a point per sharpness with its text."""
        points = [{"filter": f"datum.kind === '{kind}'"}]
        return [
            {"transform": points, "mark": {"type": "line", "clip": True, "color": "#FFFFFF", "strokeWidth": 5},
             "encoding": line},
            {"transform": points, "mark": {"type": "line", "clip": True, "color": "#000000", "strokeWidth": 2,
                                           "strokeDash": dash}, "encoding": line},
            {"transform": points, "mark": {"type": "point", "clip": True, "filled": True, "color": "#000000",
                                           "size": 40},
             "encoding": {"x": x, "y": y, "tooltip": [{"field": "optimizer", "title": "optimizer"},
                                                      {"field": "kick_text", "title": title}]}}]

    radius = radius_boundary(view, basin)
    kick_layers, radius_layers = law_layers("kick", [6, 3], "kick law"), law_layers("radius", [1, 3], "radius law")
    rows = phase_rows(view, measure, boundary, radius)
    return [{"data": {"values": [row for row in rows if row["optimizer"] == label]}, "usermeta": drawing.VEGA_SVG,
             "title": {"text": label, "fontSize": 13, "fontWeight": "normal", "limit": 0},
             "width": PANEL_SIZE, "height": PANEL_SIZE,
             "layer": layers + (kick_layers if k in boundary else []) + (radius_layers if k in radius else [])}
            for k, label in enumerate(view.labels)]


def curve_png(view: EscapeView, measure: str = CELLS.default,
              boundary: dict[int, list[tuple[float, float]]] | None = None, basin: str = "sharp") -> bytes:
    """The escape curve as a PNG; with two swept knobs, the phase diagram of `measure` with the kick law's boundary
    and the radius law's (against `basin`'s edge)."""
    out = io.BytesIO()
    if view.phase:
        figure = phase_figure(view.table, view.first.name, view.second.name, measure,
                              {view.row(k, 0)["optimizer"]: points for k, points in (boundary or {}).items()},
                              {view.row(k, 0)["optimizer"]: points
                               for k, points in radius_boundary(view, basin).items()})
    else:
        first = view.first
        figure = escape_curve_figure(view.table, first.name if first else None, labels=view.png_labels(),
                                     log=bool(first and first.log))
    figure.savefig(out, format="png", dpi=PNG_DPI, metadata={"Software": None})
    return out.getvalue()
