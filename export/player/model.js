/* cmx trajectory player: the payload, decoded and checked (model.js is the data contract of every part).
 *
 * Data contract (payload version 2, built by export/player/payload.py; version 1 is the same without `live`):
 *   title, note: plain text; open_at_end: a new landscape opens on its last step (every path drawn), else the first
 *   landscape: {spec, label, box: [xmin, xmax, ymin, ymax], image_key, image: PNG data URI or null (the browser has
 *              it already), scale: {log, colours: [#RRGGBB low to high], ticks: [{at: 0..1, text}]} or null,
 *              minima: [{x, y, value, label, global, sharpness, text}]}
 *   series[]:  {label, spec, kind, colour, dash: [on, off, ...] in line widths, marker (circle, square, triangle,
 *              diamond), hollow, marker_size and start_size (relative: markers at one point nest), runs N, recorded R,
 *              steps: base64 int32 (R), positions: base64 float32 (R, N, 2), losses: base64 float32 (R, N),
 *              stopped_at: [N] (-1: ran every step), stop_reason: [N] (0 ran, 1 diverged, 2 gradient undefined),
 *              basins: base64 int16 (R, K) or null, basin_runs: K (the first K runs have a basin track)}
 *   basin_names: [name of the basin of minimum i]; basin codes: -1 none, -2 diverged, -3 gradient undefined
 *   basin_colours: [#RRGGBB, cycled], overlay_colours: {gradient, momenta, aggregate, ascent}
 *   overlays:  {series, run, capacity C, gradient_scale, memory_scale, longest, position, gradient, momentum,
 *              aggregate, ascent: base64 float32 (R, 2) or null, stored: base64 float32 (R, C, 2) or null} or null;
 *              rows are the followed series' recorded steps, NaN where absent.
 *   can_undo: the host takes back the last start a click added (Backspace sends undo); absent: it does not
 *   page_runs: the host has taken the settings this page changed and sends back the payload it changed them from:
 *              the page keeps the runs it drew (absent: the page shows this payload's runs, e.g. after an undo)
 *   live_seq:  the number of the last live change the host has heard of (absent: none); a payload with a lower
 *              number than the page's last change was built before the host heard of it, and the page keeps its runs
 *   live:      what the page needs to rerun the series itself (export/player/live.py; live.js reads it), or null:
 *              {landscape: engine.js's landscape program, starts: [[x, y]] (N), steps, max_steps, points_per_run (a
 *              rerun records every ceil(steps / points_per_run)-th step), limit (run-steps one change may compute:
 *              above, the page says so, or its host computes), max_starts, runs_fixed: why the starts and steps cannot
 *              change ("" if they can), revision (names these runs), series: [{name (display name), optimizer: engine.js's
 *              optimizer program or null, reason (why null), fields: [{name, title, symbol, kind (float, int, choice,
 *              bool, text), help, range (its allowed values in words), value, default, low, high, low_open,
 *              high_open, choices, knob (the page shows a control), slider: {low, high, log} or null}]}] (one per
 *              series)}, or {reason} when the page cannot rerun the landscape
 * Events to the host: click {x, y} (rounded to about one pixel of the view), undo, need_image (an image_key it lacks),
 *   live {optimizers: [{name, values: {knob: value}}] (one per series), starts: [[x, y]], steps, drawn, seq}: settings
 *   changed in the page (drawn: the page has drawn their runs; false: past its limit, the host computes them; seq:
 *   1, 2, ... for each change this page sends).
 * Anything that cannot be read or drawn (text that is not JSON, a box too wide for floats) shows "The player cannot
 * show this: ..." in place of the map, never a blank or an uncaught error.
 * Every text from the payload is set with textContent or drawn on a canvas, never parsed as HTML.
 */

import {readLive} from "./live.js";

export const STOP_WORDS = {1: "diverged", 2: "gradient undefined"};
export const NO_BASIN = -1, DIVERGED_BASIN = -2, UNDEFINED_BASIN = -3;
const HEX = /^#[0-9a-fA-F]{6}$/;
// marker -> [corners, the first corner's angle]: the polygon a series' heads are drawn as (a circle otherwise)
const POLYGONS = {square: [4, Math.PI / 4], triangle: [3, -Math.PI / 2], diamond: [4, -Math.PI / 2],
  "triangle-down": [3, Math.PI / 2], pentagon: [5, -Math.PI / 2], hexagon: [6, 0]};

function bytesOf(text) {
  const binary = atob(text);
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out.buffer;
}

function typed(text, Kind, length, what) {
  if (text === null || text === undefined) return null;
  if (typeof text !== "string") throw new Error(`${what} must be base64 text`);
  const buffer = bytesOf(text);
  if (length !== null && buffer.byteLength !== length * Kind.BYTES_PER_ELEMENT) {
    throw new Error(`${what} has the wrong length`);
  }
  return new Kind(buffer);
}

/* What a player shows, as a key: its landscape and its series' labels. */
export function showing(model) {
  return JSON.stringify([model.landscape.spec, model.landscape.box, model.series.map((s) => s.label)]);
}

/* The payload from its JSON text, or an error a person can read (a file cut short ends in the middle of it). */
export function parsed(jsonText) {
  try {
    return JSON.parse(jsonText);
  } catch (error) {
    throw new Error(`its data is not complete JSON (${error.message}); the file may have been cut short`);
  }
}

export function colourOr(value, fallback) {
  return typeof value === "string" && HEX.test(value) ? value : fallback;
}

export function text(value) {
  return typeof value === "string" ? value : "";
}

export function finite(value) {
  return typeof value === "number" && Number.isFinite(value);
}

export function prepare(payload) {
  if (!payload || ![1, 2].includes(payload.version)) throw new Error("this player reads payload versions 1 and 2");
  const land = payload.landscape || {};
  const box = land.box;
  if (!Array.isArray(box) || box.length !== 4 || !box.every(finite) || !(box[0] < box[1]) || !(box[2] < box[3])) {
    throw new Error("the landscape's box must be four finite numbers [xmin, xmax, ymin, ymax]");
  }
  if (!Number.isFinite(box[1] - box[0]) || !Number.isFinite(box[3] - box[2]) || box.some((v) => Math.abs(v) > 1e150)) {
    throw new Error("the landscape's box is too large to draw (each bound must be within ±1e150)");
  }
  const series = (payload.series || []).map((s, index) => prepareSeries(s, index));
  if (!series.length) throw new Error("there are no runs to show");
  const model = {
    title: text(payload.title), note: text(payload.note), openAtEnd: payload.open_at_end === true,
    landscape: {
      spec: text(land.spec), label: text(land.label), box, imageKey: typeof land.image_key === "string" ?
        land.image_key : null, image: typeof land.image === "string" && land.image.startsWith("data:image/png;base64,")
        ? land.image : null, scale: land.scale && Array.isArray(land.scale.colours) ? land.scale : null,
      minima: (land.minima || []).filter((m) => m && finite(m.x) && finite(m.y)),
    },
    series, frameSteps: null,
    basinNames: (payload.basin_names || []).map(text),
    basinColours: (payload.basin_colours || []).map((c) => colourOr(c, "#888888")),
    overlayColours: payload.overlay_colours || {},
    overlays: null,
  };
  align(model);
  if (payload.overlays) model.overlays = prepareOverlays(payload.overlays, series);
  try {
    model.live = readLive(payload.live, series.length);
  } catch (error) { // the runs can still be shown: only the controls are lost
    model.live = {reason: `this page cannot rerun its runs: ${error.message}`};
  }
  return model;
}

/* The frames (the union of every series' recorded steps) and each series' row at each frame; again after a rerun. */
export function align(model) {
  model.frameSteps = Int32Array.from(new Set(model.series.flatMap((s) => Array.from(s.steps)))).sort();
  for (const s of model.series) s.upto = uptoRows(s.steps, model.frameSteps);
}

function prepareSeries(s, index) {
  const runs = s.runs, recorded = s.recorded;
  if (!Number.isInteger(runs) || runs < 1 || !Number.isInteger(recorded) || recorded < 1) {
    throw new Error(`series ${index + 1} must have runs >= 1 and recorded >= 1`);
  }
  const stoppedAt = Array.isArray(s.stopped_at) && s.stopped_at.length === runs ? s.stopped_at.map(Number) : null;
  const reasons = Array.isArray(s.stop_reason) && s.stop_reason.length === runs ? s.stop_reason.map(Number) : null;
  if (!stoppedAt || !reasons) throw new Error(`series ${index + 1} needs stopped_at and stop_reason per run`);
  const basinRuns = Number.isInteger(s.basin_runs) ? Math.max(0, Math.min(s.basin_runs, runs)) : 0;
  const dash = Array.isArray(s.dash) ? s.dash.filter((v) => finite(v) && v >= 0).slice(0, 8) : [];
  // Its marker (heads and legend): marker "square", "triangle", "diamond", "triangle-down", "pentagon" or "hexagon"
  // is that polygon, anything else a circle;
  // hollow: an outline only, drawn above the filled heads; marker_size and start_size (its start ring's): relative to
  // the smallest, so that markers at one point nest.
  const [corners, turn] = POLYGONS[s.marker] || [0, 0];
  const traceMarker = (context, x, y, radius) => {
    context.beginPath();
    if (!corners) context.arc(x, y, radius, 0, 2 * Math.PI);
    for (let i = 0; i < corners; i++) { // a polygon reaches further than a circle to look as large
      const angle = turn + (2 * Math.PI * i) / corners;
      context.lineTo(x + 1.15 * radius * Math.cos(angle), y + 1.15 * radius * Math.sin(angle));
    }
    context.closePath();
  };
  const size = (value) => finite(value) ? Math.max(0.5, Math.min(3, value)) : 1;
  const steps = typed(s.steps, Int32Array, recorded, "steps");
  for (let r = 1; r < recorded; r++) if (!(steps[r] > steps[r - 1])) throw new Error("steps must increase");
  return {
    index, label: text(s.label) || `series ${index + 1}`, colour: colourOr(s.colour, "#6E6E6E"), dash, runs, recorded,
    traceMarker, hollow: s.hollow === true, markerSize: size(s.marker_size), startSize: size(s.start_size),
    steps, positions: typed(s.positions, Float32Array, recorded * runs * 2, "positions"),
    losses: typed(s.losses, Float32Array, recorded * runs, "losses"), stoppedAt, reasons,
    basins: basinRuns ? typed(s.basins, Int16Array, recorded * basinRuns, "basins") : null, basinRuns,
    visible: true, upto: null,
  };
}

function prepareOverlays(o, series) {
  const s = series[o.series];
  if (!s || !Number.isInteger(o.run) || o.run < 0 || o.run >= s.runs) throw new Error("overlays name no run");
  const rows = s.recorded, capacity = Number.isInteger(o.capacity) && o.capacity > 0 ? o.capacity : 0;
  const vectors = (name) => typed(o[name], Float32Array, rows * 2, `overlays.${name}`);
  return {
    series: s, run: o.run, capacity, longest: finite(o.longest) ? o.longest : 0,
    gradientScale: finite(o.gradient_scale) ? o.gradient_scale : 0,
    memoryScale: finite(o.memory_scale) ? o.memory_scale : 0,
    position: vectors("position"), gradient: vectors("gradient"), momentum: vectors("momentum"),
    aggregate: vectors("aggregate"), ascent: vectors("ascent"),
    stored: capacity ? typed(o.stored, Float32Array, rows * capacity * 2, "overlays.stored") : null,
    explain: o.explain ? prepareExplain(o.explain, rows) : null,
  };
}

/* The "explain this step" numbers (export/player/explain.py): per recorded row, the next step's quantities. */
function prepareExplain(e, rows) {
  const vector = (name) => (e[name] ? typed(e[name], Float32Array, rows * 2, `explain.${name}`) : null);
  const priorities = e.priorities ? typed(e.priorities, Float32Array, null, "explain.priorities") : null;
  const capacity = priorities ? priorities.length / rows : 0;
  if (!Number.isInteger(capacity)) throw new Error("explain.priorities has the wrong length");
  const parameters = {};
  for (const [key, value] of Object.entries(e.parameters || {})) if (finite(value)) parameters[key] = value;
  if (!finite(parameters.lr)) throw new Error("explain needs the optimizer's lr");
  return {
    kind: text(e.kind), parameters, capacity, t: typed(e.t, Float32Array, rows, "explain.t"),
    gradient: vector("gradient"), step: vector("step_in_lr"), momentum: vector("momentum"),
    momentumHat: vector("momentum_hat"), second: vector("second_moment"), secondHat: vector("second_moment_hat"),
    aggregate: vector("aggregate"), aggregateHat: vector("aggregate_hat"), priorities,
    buffer: capacity ? typed(e.buffer, Float32Array, rows * capacity * 2, "explain.buffer") : null,
  };
}

/* For each frame (a step of the union of all series' steps), the last row of `steps` at or before it. */
function uptoRows(steps, frameSteps) {
  const out = new Int32Array(frameSteps.length);
  let row = 0;
  for (let f = 0; f < frameSteps.length; f++) {
    while (row + 1 < steps.length && steps[row + 1] <= frameSteps[f]) row++;
    out[f] = steps[row] <= frameSteps[f] ? row : -1;
  }
  return out;
}
