/* cmx trajectory player: one file for three hosts (a Streamlit v2 component, a standalone HTML file, a notebook).
 *
 * Data contract (payload version 1, built by export/player/payload.py):
 *   title, note: plain text
 *   landscape: {spec, label, box: [xmin, xmax, ymin, ymax], image_key, image: PNG data URI or null (the browser has
 *              it already), scale: {log, colours: [#RRGGBB low to high], ticks: [{at: 0..1, text}]} or null,
 *              minima: [{x, y, value, label, global, sharpness, text}]}
 *   series[]:  {label, spec, kind, colour, dash: [on, off, ...] in line widths, runs N, recorded R,
 *              steps: base64 int32 (R), positions: base64 float32 (R, N, 2), losses: base64 float32 (R, N),
 *              stopped_at: [N] (-1: ran every step), stop_reason: [N] (0 ran, 1 diverged, 2 gradient undefined),
 *              basins: base64 int16 (R, K) or null, basin_runs: K (the first K runs have a basin track)}
 *   basin_names: [name of the basin of minimum i]; basin codes: -1 none, -2 diverged, -3 gradient undefined
 *   basin_colours: [#RRGGBB, cycled], overlay_colours: {gradient, momenta, aggregate, ascent}
 *   overlays:  {series, run, capacity C, gradient_scale, memory_scale, longest, position, gradient, momentum,
 *              aggregate, ascent: base64 float32 (R, 2) or null, stored: base64 float32 (R, C, 2) or null} or null;
 *              rows are the followed series' recorded steps, NaN where absent.
 *   can_undo: the host takes back the last start a click added (Backspace sends undo); absent: it does not
 * Events to the host: click {x, y} (rounded to about one pixel of the view), undo, need_image (an image_key it lacks).
 * Anything that cannot be read or drawn (text that is not JSON, a box too wide for floats) shows "The player cannot
 * show this: ..." in place of the map, never a blank or an uncaught error.
 * Every text from the payload is set with textContent or drawn on a canvas, never parsed as HTML.
 */

const IMAGES = new Map(); // image_key -> {image, ready, waiting: Set of players}: shared by every mount on the page
const PLAYERS = new WeakMap(); // Streamlit's parentElement -> its Player (the function is called again on new data)
const BASE_RATE = 30; // recorded points per second at speed 1x
const SPEEDS = [0.25, 0.5, 1, 2, 4];
const CLICK_SLOP = 4; // pixels a press may move and still be a click
const HOVER_REACH = 14; // pixels from a head within which the read-out names it
const TRACK_HEIGHT = 74;
const TRACK_GAP = 22;
const TRACK_LEFT = 64;
const STOP_WORDS = {1: "diverged", 2: "gradient undefined"};
const NO_BASIN = -1, DIVERGED_BASIN = -2, UNDEFINED_BASIN = -3;
const HEX = /^#[0-9a-fA-F]{6}$/;

/* ---------- the payload, decoded and checked ---------- */

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
  if (buffer.byteLength !== length * Kind.BYTES_PER_ELEMENT) throw new Error(`${what} has the wrong length`);
  return new Kind(buffer);
}

/* The payload from its JSON text, or an error a person can read (a file cut short ends in the middle of it). */
function parsed(jsonText) {
  try {
    return JSON.parse(jsonText);
  } catch (error) {
    throw new Error(`its data is not complete JSON (${error.message}); the file may have been cut short`);
  }
}

function colourOr(value, fallback) {
  return typeof value === "string" && HEX.test(value) ? value : fallback;
}

function text(value) {
  return typeof value === "string" ? value : "";
}

function finite(value) {
  return typeof value === "number" && Number.isFinite(value);
}

function prepare(payload) {
  if (!payload || payload.version !== 1) throw new Error("this player reads payload version 1");
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
  const frameSteps = Int32Array.from(new Set(series.flatMap((s) => Array.from(s.steps)))).sort();
  for (const s of series) s.upto = uptoRows(s.steps, frameSteps);
  const model = {
    title: text(payload.title), note: text(payload.note),
    landscape: {
      spec: text(land.spec), label: text(land.label), box, imageKey: typeof land.image_key === "string" ?
        land.image_key : null, image: typeof land.image === "string" && land.image.startsWith("data:image/png;base64,")
        ? land.image : null, scale: land.scale && Array.isArray(land.scale.colours) ? land.scale : null,
      minima: (land.minima || []).filter((m) => m && finite(m.x) && finite(m.y)),
    },
    series, frameSteps,
    basinNames: (payload.basin_names || []).map(text),
    basinColours: (payload.basin_colours || []).map((c) => colourOr(c, "#888888")),
    overlayColours: payload.overlay_colours || {},
    overlays: null,
  };
  if (payload.overlays) model.overlays = prepareOverlays(payload.overlays, series);
  return model;
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
  // Its marker (heads and legend): marker "square", "triangle" or "diamond" is that polygon, anything else a circle;
  // hollow: an outline only, drawn above the filled heads; marker_size and start_size (its start ring's): relative to
  // the smallest, so that markers at one point nest.
  const corners = s.marker === "triangle" ? 3 : s.marker === "square" || s.marker === "diamond" ? 4 : 0;
  const turn = s.marker === "square" ? Math.PI / 4 : -Math.PI / 2;
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

/* ---------- small helpers ---------- */

function element(tag, className, parent) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (parent) parent.appendChild(node);
  return node;
}

function button(parent, icon, label, onClick) {
  const node = element("button", "cmxp-button", parent);
  node.type = "button";
  node.textContent = icon;
  node.title = label;
  node.setAttribute("aria-label", label);
  node.addEventListener("click", onClick);
  return node;
}

function short(value) {
  if (!Number.isFinite(value)) return "—";
  const size = Math.abs(value);
  return size !== 0 && (size >= 1e5 || size < 1e-3) ? value.toExponential(2) : String(Number(value.toPrecision(4)));
}

function plural(count, word) {
  return `${count} ${word}${count === 1 ? "" : "s"}`;
}

function listSteps(steps) {
  return steps.length <= 5 ? steps.join(", ") : `${steps.slice(0, 5).join(", ")}, …`;
}

function sizeCanvas(canvas, width, height) {
  const ratio = window.devicePixelRatio || 1;
  canvas.width = Math.max(1, Math.round(width * ratio));
  canvas.height = Math.max(1, Math.round(height * ratio));
  canvas.style.width = `${width}px`;
  canvas.style.height = `${height}px`;
  const context = canvas.getContext("2d");
  context.setTransform(ratio, 0, 0, ratio, 0, 0);
  return context;
}

function layer(width, height) {
  const canvas = document.createElement("canvas");
  return {canvas, context: sizeCanvas(canvas, width, height)};
}

function drawStar(context, x, y, radius) {
  context.beginPath();
  for (let i = 0; i < 10; i++) {
    const r = i % 2 ? radius * 0.45 : radius, angle = -Math.PI / 2 + (i * Math.PI) / 5;
    context.lineTo(x + r * Math.cos(angle), y + r * Math.sin(angle));
  }
  context.closePath();
  context.fillStyle = "#FFFFFF";
  context.fill();
  context.strokeStyle = "#000000";
  context.lineWidth = 1;
  context.stroke();
}

function drawCross(context, x, y, size, colour) {
  context.beginPath();
  context.moveTo(x - size, y - size);
  context.lineTo(x + size, y + size);
  context.moveTo(x + size, y - size);
  context.lineTo(x - size, y + size);
  context.strokeStyle = "#000000";
  context.lineWidth = 4;
  context.stroke();
  context.strokeStyle = colour;
  context.lineWidth = 2.2;
  context.stroke();
}

function drawArrow(context, x0, y0, x1, y1, colour, width, dash) {
  const length = Math.hypot(x1 - x0, y1 - y0);
  if (!(length > 1)) return;
  context.save();
  context.strokeStyle = colour;
  context.fillStyle = colour;
  context.lineWidth = width;
  context.setLineDash(dash);
  context.beginPath();
  context.moveTo(x0, y0);
  context.lineTo(x1, y1);
  context.stroke();
  const head = Math.min(10, length / 2), angle = Math.atan2(y1 - y0, x1 - x0);
  context.setLineDash([]);
  context.beginPath();
  context.moveTo(x1, y1);
  context.lineTo(x1 - head * Math.cos(angle - 0.4), y1 - head * Math.sin(angle - 0.4));
  context.lineTo(x1 - head * Math.cos(angle + 0.4), y1 - head * Math.sin(angle + 0.4));
  context.closePath();
  context.fill();
  context.restore();
}

function labelText(context, words, x, y) {
  context.font = "11px system-ui, sans-serif";
  const width = context.measureText(words).width;
  context.fillStyle = "rgba(255,255,255,0.85)";
  context.fillRect(x - 2, y - 10, width + 4, 14);
  context.fillStyle = "#111111";
  context.fillText(words, x, y);
}

/* A polyline added to a context's path, leaving out every point within half a pixel of the last one drawn: a run of
 * 100,000 recorded points costs the pixels it crosses, not its points. `length` is the length drawn, in pixels. */
class Pen {
  constructor(context) {
    this.context = context;
    this.down = false;
    this.length = 0;
    this.x = 0;
    this.y = 0;
    this.pending = false; // a point left out, drawn if it is the polyline's last
    this.px = 0;
    this.py = 0;
  }

  point(x, y) {
    if (!this.down) {
      this.context.moveTo(x, y);
      [this.down, this.x, this.y, this.pending] = [true, x, y, false];
    } else if (Math.abs(x - this.x) < 0.5 && Math.abs(y - this.y) < 0.5) {
      [this.pending, this.px, this.py] = [true, x, y];
    } else {
      this.context.lineTo(x, y);
      this.length += Math.hypot(x - this.x, y - this.y);
      [this.x, this.y, this.pending] = [x, y, false];
    }
  }

  lift() {
    if (this.pending) {
      this.context.lineTo(this.px, this.py);
      this.length += Math.hypot(this.px - this.x, this.py - this.y);
    }
    this.down = false;
    this.pending = false;
  }
}

/* A curve over increasing x added to a context's path as at most four points per pixel column (its first, lowest,
 * highest and last there), so a track of 100,000 steps draws as fast as one of a few hundred. */
class ColumnPen {
  constructor(context) {
    this.context = context;
    this.column = null;
    this.down = false;
  }

  point(x, y) {
    const column = Math.round(x);
    if (this.column !== null && column === this.column.at) {
      const c = this.column;
      c.low = Math.min(c.low, y);
      c.high = Math.max(c.high, y);
      c.last = [x, y];
      return;
    }
    this.flush();
    this.column = {at: column, first: [x, y], low: y, high: y, last: [x, y]};
  }

  flush() {
    const c = this.column;
    if (!c) return;
    const [fx, fy] = c.first;
    if (this.down) this.context.lineTo(fx, fy);
    else this.context.moveTo(fx, fy);
    this.down = true;
    if (c.low < c.high) {
      this.context.lineTo(c.last[0], c.low);
      this.context.lineTo(c.last[0], c.high);
    }
    this.context.lineTo(c.last[0], c.last[1]);
    this.column = null;
  }

  lift() {
    this.flush();
    this.down = false;
  }
}

/* ---------- the player ---------- */

class Player {
  constructor(parent, host) {
    this.host = host; // {onClick(point), onNeedImage(key), onUndo(): each may be null}
    this.model = null;
    this.frame = 0;
    this.playing = false;
    this.speed = 2; // index into SPEEDS
    this.showOverlays = true;
    this.view = null; // {x0, x1, y0, y1}: what the map shows, always of the canvas's aspect
    this.zoomed = false;
    this.size = {width: 0, height: 0, tracks: 0};
    this.dirty = {background: true, marks: true, paths: true, tracks: true};
    this.pathsFrame = -1; // the frame the paths layer is drawn up to (-1: nothing drawn)
    this.tracksFrame = -1;
    this.asked = new Set(); // image keys requested from the host once
    this.pending = 0;
    this.lastTime = 0;
    this.carry = 0;
    this.drag = null;
    this.hover = null;
    this.statusText = [];
    this.textDirty = true; // the step line and status are rewritten at the next draw
    this.boxMode = false;
    this.panels = null; // the track panel's axes, computed once per payload
    this.build(parent);
  }

  /* DOM: built once per mount, filled on every payload. */
  build(parent) {
    const root = element("div", "cmxp", null);
    this.root = root;
    root.dataset.step = "0";
    // The whole player takes the keyboard: a click anywhere on it focuses it (a ring shows it has the keys).
    root.tabIndex = 0;
    root.setAttribute("role", "group");
    root.setAttribute("aria-label", "trajectory player");
    const head = element("div", "cmxp-head", root);
    this.titleNode = element("h3", "cmxp-title", head);
    this.noteNode = element("p", "cmxp-note", head);
    const body = element("div", "cmxp-body", root);
    const main = element("div", "cmxp-main", body);
    const bar = element("div", "cmxp-bar", main);
    bar.setAttribute("role", "toolbar");
    bar.setAttribute("aria-label", "player controls");
    button(bar, "|◀◀", "first step (Home)", () => this.goTo(0));
    button(bar, "◀|", "step back (←, Shift+← for 10)", () => this.stepBy(-1));
    this.playButton = button(bar, "▶", "play (Space)", () => this.togglePlay());
    button(bar, "|▶", "step forward (→, Shift+→ for 10)", () => this.stepBy(1));
    button(bar, "▶▶|", "last step (End)", () => this.goTo(Infinity));
    this.scrubber = element("input", "cmxp-scrubber", bar);
    this.scrubber.type = "range";
    this.scrubber.min = "0";
    this.scrubber.setAttribute("aria-label", "step");
    this.scrubber.addEventListener("input", () => this.goTo(Number(this.scrubber.value)));
    this.stepNode = element("span", "cmxp-step", bar);
    this.stepNode.setAttribute("aria-live", "off");
    this.speedNode = element("select", "cmxp-speed", bar);
    this.speedNode.setAttribute("aria-label", "speed");
    this.speedNode.title = "speed";
    SPEEDS.forEach((speed, index) => {
      const option = element("option", "", this.speedNode);
      option.value = String(index);
      option.textContent = `${speed}×`;
    });
    this.speedNode.value = String(this.speed);
    this.speedNode.addEventListener("change", () => { this.speed = Number(this.speedNode.value); });
    this.overlayButton = button(bar, "➚", "teaching overlays on/off", () => {
      this.showOverlays = !this.showOverlays;
      this.overlayButton.setAttribute("aria-pressed", String(this.showOverlays));
      this.overlayKey.hidden = !this.showOverlays;
      this.requestRender();
    });
    this.overlayButton.setAttribute("aria-pressed", "true");
    button(bar, "+", "zoom in (+)", () => this.zoomBy(1 / 1.5));
    button(bar, "−", "zoom out (-)", () => this.zoomBy(1.5));
    this.boxButton = button(bar, "⬚", "zoom to a box: drag on the map (or Shift+drag)", () => {
      this.boxMode = !this.boxMode;
      this.boxButton.setAttribute("aria-pressed", String(this.boxMode));
    });
    this.boxButton.setAttribute("aria-pressed", "false");
    button(bar, "⟲", "reset the view (0)", () => this.resetView());
    this.readout = element("div", "cmxp-readout", main);
    this.readout.setAttribute("aria-live", "polite");
    this.mapBox = element("div", "cmxp-map", main);
    this.canvas = element("canvas", "cmxp-canvas", this.mapBox);
    this.canvas.tabIndex = 0;
    this.canvas.setAttribute("role", "img");
    this.tracksCanvas = element("canvas", "cmxp-tracks", main);
    this.tracksCanvas.setAttribute("role", "img");
    this.tracksCanvas.setAttribute("aria-label", "loss, distance from the start and basin of every run against step");
    const side = element("div", "cmxp-side", body);
    this.legend = element("div", "cmxp-legend", side);
    this.legend.setAttribute("aria-label", "optimizers: press to show or hide");
    this.statusList = element("ul", "cmxp-status", side);
    this.statusList.setAttribute("aria-label", "what each optimizer's runs are doing at this step");
    this.overlayKey = element("div", "cmxp-key", side);
    this.markerKey = element("p", "cmxp-markers", side);
    this.markerKey.textContent = "○ start   ● now   ✕ stopped   ★ minimum";
    this.hintNode = element("p", "cmxp-hint", side);
    this.scaleCanvas = element("canvas", "cmxp-scale", side);
    this.scaleCanvas.setAttribute("role", "img");
    this.basinKey = element("div", "cmxp-basins", side);
    this.clickedNode = element("p", "cmxp-clicked", side);
    parent.appendChild(root);
    this.listen();
    this.resizer = new ResizeObserver(() => this.resize());
    this.resizer.observe(this.mapBox);
  }

  listen() {
    this.root.addEventListener("keydown", (event) => this.onKey(event));
    this.root.addEventListener("pointerdown", (event) => {
      const target = event.target;
      if (target === this.root || !target.closest || !target.closest("button, input, select, canvas")) {
        this.root.focus({preventScroll: true});
      }
    });
    const canvas = this.canvas;
    canvas.addEventListener("wheel", (event) => {
      event.preventDefault();
      const [x, y] = this.toData(...this.local(event));
      this.zoomBy(Math.pow(1.0015, event.deltaY), x, y);
    }, {passive: false});
    canvas.addEventListener("pointerdown", (event) => {
      if (event.button !== 0) return;
      canvas.setPointerCapture(event.pointerId);
      const [px, py] = this.local(event);
      this.drag = {px, py, x: px, y: py, box: this.boxMode || event.shiftKey, moved: false};
    });
    canvas.addEventListener("pointermove", (event) => {
      const [px, py] = this.local(event);
      if (!this.drag) {
        this.hover = [px, py];
        this.updateReadout();
        return;
      }
      const drag = this.drag;
      drag.moved = drag.moved || Math.hypot(px - drag.px, py - drag.py) > CLICK_SLOP;
      drag.x = px;
      drag.y = py;
      this.requestRender();
    });
    canvas.addEventListener("pointerup", (event) => this.endDrag(event));
    canvas.addEventListener("pointercancel", () => { this.drag = null; this.requestRender(); });
    canvas.addEventListener("pointerleave", () => { this.hover = null; this.updateReadout(); });
  }

  endDrag() {
    const drag = this.drag;
    this.drag = null;
    if (!drag) return;
    if (!drag.moved) {
      this.click(drag.px, drag.py);
    } else if (drag.box) {
      const [xa, ya] = this.toData(drag.px, drag.py), [xb, yb] = this.toData(drag.x, drag.y);
      if (Math.abs(drag.x - drag.px) > 6 && Math.abs(drag.y - drag.py) > 6) {
        this.setView(Math.min(xa, xb), Math.max(xa, xb), Math.min(ya, yb), Math.max(ya, yb));
      }
    } else {
      const v = this.view, [dx, dy] = [drag.x - drag.px, drag.y - drag.py];
      const perPixel = (v.x1 - v.x0) / this.size.width;
      this.setView(v.x0 - dx * perPixel, v.x1 - dx * perPixel, v.y0 + dy * perPixel, v.y1 + dy * perPixel);
    }
    this.requestRender();
  }

  onKey(event) {
    const tag = event.target && event.target.tagName;
    if (tag === "SELECT" && event.key !== " ") return; // a list box keeps its own arrow keys
    if (event.ctrlKey || event.metaKey || event.altKey) return; // the browser's own shortcuts
    const moves = {ArrowLeft: -1, ArrowRight: 1};
    if (event.key === " ") this.togglePlay();
    else if (event.key === "Backspace" && this.canUndo && this.host.onUndo) this.host.onUndo();
    else if (event.key in moves) this.stepBy(moves[event.key] * (event.shiftKey ? 10 : 1));
    else if (event.key === "Home") this.goTo(0);
    else if (event.key === "End") this.goTo(Infinity);
    else if (event.key === "+" || event.key === "=") this.zoomBy(1 / 1.5);
    else if (event.key === "-") this.zoomBy(1.5);
    else if (event.key === "0") this.resetView();
    else return;
    event.preventDefault();
  }

  /* ---------- data ---------- */

  setData(payload) {
    let model;
    try {
      model = prepare(typeof payload === "string" ? parsed(payload) : payload);
    } catch (error) {
      this.fail(error);
      return;
    }
    this.canUndo = Boolean(payload.can_undo) && Boolean(this.host.onUndo);
    this.hintNode.textContent = "Keys, once you click the player: Space play/pause · ← → step (Shift: 10) · " +
      `Home End · + − 0 zoom${this.canUndo ? " · Backspace undo the last added start" : ""}`;
    const previous = this.model;
    const sameLandscape = previous && previous.landscape.spec === model.landscape.spec &&
      previous.landscape.box.join() === model.landscape.box.join();
    if (previous) {
      const hidden = new Set(previous.series.filter((s) => !s.visible).map((s) => s.label));
      for (const s of model.series) s.visible = !hidden.has(s.label);
    }
    const step = previous ? previous.frameSteps[this.frame] : 0;
    this.model = model;
    this.root.classList.remove("cmxp-failed");
    this.frame = sameLandscape ? this.frameAtStep(step) : 0;
    if (!sameLandscape) this.view = null;
    this.panels = null;
    this.fill();
    this.loadImage();
    this.invalidate();
    this.resize();
    this.requestRender();
  }

  fail(error) {
    this.model = null;
    this.pause();
    this.root.classList.add("cmxp-failed");
    this.root.dataset.failed = "true";
    this.readout.textContent = `The player cannot show this: ${error && error.message ? error.message : error}`;
  }

  frameAtStep(step) {
    const steps = this.model.frameSteps;
    let frame = 0;
    while (frame + 1 < steps.length && steps[frame + 1] <= step) frame++;
    return frame;
  }

  fill() {
    const model = this.model;
    this.titleNode.textContent = model.title;
    this.titleNode.hidden = !model.title;
    this.noteNode.textContent = model.note;
    this.noteNode.hidden = !model.note;
    this.canvas.setAttribute("aria-label", `map of ${model.landscape.label || "the landscape"}: drag to pan, ` +
      "wheel to zoom, click to choose a point");
    this.scrubber.max = String(model.frameSteps.length - 1);
    this.fillLegend();
    this.fillOverlayKey();
    this.fillBasinKey();
    this.statusNodes = model.series.map(() => element("li", "", null));
    this.statusList.replaceChildren(...this.statusNodes);
    this.statusText = [];
    this.textDirty = true;
    this.drawScaleKey();
  }

  fillLegend() {
    const entries = this.model.series.map((s) => {
      const entry = element("button", "cmxp-entry", null);
      entry.type = "button";
      entry.setAttribute("aria-pressed", String(s.visible));
      entry.setAttribute("aria-label", `show or hide ${s.label}`);
      entry.title = `show or hide ${s.label}`;
      const swatch = element("canvas", "cmxp-swatch", entry);
      const context = sizeCanvas(swatch, 34, 12);
      context.strokeStyle = s.colour;
      context.lineWidth = 2;
      context.setLineDash(s.dash.map((v) => v * 2));
      context.beginPath();
      context.moveTo(1, 6);
      context.lineTo(25, 6);
      context.stroke();
      context.setLineDash([]);
      s.traceMarker(context, 28, 6, 3.5);
      if (s.hollow) {
        context.lineWidth = 1.8;
        context.stroke();
      } else {
        context.fillStyle = s.colour;
        context.fill();
      }
      element("span", "cmxp-entry-text", entry).textContent = `${s.label} · ${plural(s.runs, "run")}`;
      entry.addEventListener("click", () => {
        s.visible = !s.visible;
        entry.setAttribute("aria-pressed", String(s.visible));
        this.invalidate();
        this.requestRender();
      });
      return entry;
    });
    this.legend.replaceChildren(...entries);
  }

  fillOverlayKey() {
    const o = this.model.overlays, colours = this.model.overlayColours;
    this.overlayKey.replaceChildren();
    if (!o) return;
    const heading = element("p", "cmxp-key-title", this.overlayKey);
    heading.textContent = `Overlays follow ${o.series.label}, run ${o.run + 1}; arrows point where each pushes:`;
    const kinds = [
      [o.gradient, "−∇f (downhill)", colourOr(colours.gradient, "#000000"), 2, []],
      [o.momentum, "−momentum", colourOr(colours.momenta, "#4D4D4D"), 1.5, []],
      [o.stored, "−stored momenta", colourOr(colours.momenta, "#4D4D4D"), 1.2, [2, 3]],
      [o.aggregate, "−aggregate (CM's step)", colourOr(colours.aggregate, "#000000"), 3, [7, 4]],
      [o.ascent, "SAM's ascent point ◇", colourOr(colours.ascent, "#000000"), 1.2, [2, 3]],
    ];
    for (const [values, words, colour, width, dash] of kinds) {
      if (!values) continue;
      const row = element("div", "cmxp-key-row", this.overlayKey);
      const context = sizeCanvas(element("canvas", "cmxp-swatch", row), 34, 12);
      drawArrow(context, 2, 6, 32, 6, colour, width, dash);
      element("span", "", row).textContent = words;
    }
    this.overlayKey.hidden = !this.showOverlays;
  }

  fillBasinKey() {
    const model = this.model;
    this.basinKey.replaceChildren();
    const seen = new Set();
    for (const s of model.series) if (s.basins) for (const b of s.basins) seen.add(b);
    if (!seen.size) return;
    element("p", "cmxp-key-title", this.basinKey).textContent = "Basin lane:";
    for (const code of [...seen].sort((a, b) => (a < 0) - (b < 0) || a - b)) {
      const row = element("div", "cmxp-key-row", this.basinKey);
      const chip = element("span", "cmxp-chip", row);
      chip.style.background = this.basinColour(code);
      element("span", "", row).textContent = this.basinName(code);
    }
  }

  basinName(code) {
    if (code === DIVERGED_BASIN) return "diverged";
    if (code === UNDEFINED_BASIN) return "gradient undefined";
    if (code < 0) return "no listed minimum";
    return this.model.basinNames[code] || `minimum ${code}`;
  }

  basinColour(code) {
    if (code === DIVERGED_BASIN || code === UNDEFINED_BASIN) return "#000000";
    if (code < 0) return "#D9D9D9";
    const colours = this.model.basinColours;
    return colours.length ? colours[code % colours.length] : "#888888";
  }

  loadImage() {
    const {imageKey: key, image} = this.model.landscape;
    if (!key) return;
    let entry = IMAGES.get(key);
    if (!entry && image) {
      entry = {image: new Image(), ready: false, waiting: new Set()};
      entry.image.onload = () => {
        entry.ready = true;
        for (const player of entry.waiting) player.invalidate();
        for (const player of entry.waiting) player.requestRender();
        entry.waiting.clear();
      };
      entry.image.src = image;
      IMAGES.set(key, entry);
    }
    if (entry && !entry.ready) entry.waiting.add(this);
    if (!entry && !this.asked.has(key) && this.host.onNeedImage) {
      this.asked.add(key);
      this.host.onNeedImage(key);
    }
  }

  /* ---------- geometry ---------- */

  resize() {
    if (!this.model) return;
    const width = Math.floor(this.mapBox.clientWidth);
    if (width < 10) return;
    const [x0, x1, y0, y1] = this.model.landscape.box;
    const tall = Math.max(320, Math.min(window.innerHeight * 0.8, 900));
    const height = Math.round(Math.min(width * (y1 - y0) / (x1 - x0), tall));
    const panels = this.model.series.some((s) => s.basins) ? 3 : 2;
    const tracks = panels * (TRACK_HEIGHT + TRACK_GAP) + 16;
    if (width === this.size.width && height === this.size.height && tracks === this.size.tracks && this.view) {
      return;
    }
    this.size = {width, height, tracks};
    this.mapContext = sizeCanvas(this.canvas, width, height);
    this.tracksContext = sizeCanvas(this.tracksCanvas, width, tracks);
    this.layers = {background: layer(width, height), paths: layer(width, height), marks: layer(width, height),
      tracks: layer(width, tracks)};
    if (!this.zoomed || !this.view) this.fitView();
    else this.setView(this.view.x0, this.view.x1, this.view.y0, this.view.y1, true);
    this.drawScaleKey();
    this.invalidate();
    this.render();
  }

  fitView() {
    const [x0, x1, y0, y1] = this.model.landscape.box;
    this.setView(x0, x1, y0, y1, false);
    this.zoomed = false;
  }

  /* Show at least [x0, x1] x [y0, y1], widened to the canvas's aspect so that x and y keep one scale. */
  setView(x0, x1, y0, y1, zoomed = true) {
    const {width, height} = this.size;
    if (![x0, x1, y0, y1].every(Number.isFinite) || !(x1 > x0) || !(y1 > y0) || !width) return;
    const box = this.model.landscape.box, span = Math.max(box[1] - box[0], box[3] - box[2]);
    let perPixel = Math.max((x1 - x0) / width, (y1 - y0) / height);
    perPixel = Math.min(Math.max(perPixel, span * 1e-6 / width), span * 20 / width); // stay where floats are exact
    const cx = (x0 + x1) / 2, cy = (y0 + y1) / 2;
    this.view = {x0: cx - perPixel * width / 2, x1: cx + perPixel * width / 2, y0: cy - perPixel * height / 2,
      y1: cy + perPixel * height / 2};
    this.zoomed = zoomed;
    this.root.dataset.view = [this.view.x0, this.view.x1, this.view.y0, this.view.y1].join(",");
    this.invalidate();
  }

  zoomBy(factor, x, y) {
    const v = this.view;
    if (!v) return;
    const cx = x === undefined ? (v.x0 + v.x1) / 2 : x, cy = y === undefined ? (v.y0 + v.y1) / 2 : y;
    this.setView(cx + (v.x0 - cx) * factor, cx + (v.x1 - cx) * factor, cy + (v.y0 - cy) * factor,
      cy + (v.y1 - cy) * factor);
    this.requestRender();
  }

  resetView() {
    if (!this.model) return;
    this.fitView();
    this.invalidate();
    this.requestRender();
  }

  local(event) {
    const rect = this.canvas.getBoundingClientRect();
    return [event.clientX - rect.left, event.clientY - rect.top];
  }

  px(x) {
    return (x - this.view.x0) / (this.view.x1 - this.view.x0) * this.size.width;
  }

  py(y) {
    return (this.view.y1 - y) / (this.view.y1 - this.view.y0) * this.size.height;
  }

  toData(px, py) {
    const v = this.view;
    return [v.x0 + px / this.size.width * (v.x1 - v.x0), v.y1 - py / this.size.height * (v.y1 - v.y0)];
  }

  /* A click on the map (not a drag): the point, rounded to about one pixel of the view, goes to the host. */
  click(px, py) {
    if (!this.model || !this.view) return;
    const [x, y] = this.toData(px, py), box = this.model.landscape.box;
    if (!Number.isFinite(x) || !Number.isFinite(y) || x < box[0] || x > box[1] || y < box[2] || y > box[3]) return;
    const perPixel = (this.view.x1 - this.view.x0) / this.size.width;
    const digits = Math.min(12, Math.max(0, Math.ceil(-Math.log10(perPixel))));
    const point = {x: Number(x.toFixed(digits)), y: Number(y.toFixed(digits))};
    if (this.host.onClick) this.host.onClick(point);
    else this.clickedNode.textContent = `clicked x=${point.x}, y=${point.y}`;
  }

  /* ---------- time ---------- */

  goTo(frame) {
    if (!this.model) return;
    const last = this.model.frameSteps.length - 1;
    this.frame = Math.max(0, Math.min(last, Number.isFinite(frame) ? Math.round(frame) : last));
    this.requestRender();
  }

  stepBy(count) {
    this.pause();
    this.goTo(this.frame + count);
  }

  togglePlay() {
    if (this.playing) this.pause();
    else this.play();
  }

  play() {
    if (!this.model) return;
    if (this.frame >= this.model.frameSteps.length - 1) this.frame = 0;
    this.playing = true;
    this.lastTime = 0;
    this.carry = 0;
    this.playButton.textContent = "❚❚";
    this.playButton.title = "pause (Space)";
    this.playButton.setAttribute("aria-label", "pause (Space)");
    this.root.dataset.playing = "true";
    this.requestRender();
  }

  pause() {
    this.playing = false;
    this.playButton.textContent = "▶";
    this.playButton.title = "play (Space)";
    this.playButton.setAttribute("aria-label", "play (Space)");
    this.root.dataset.playing = "false";
  }

  requestRender() {
    if (!this.pending) this.pending = requestAnimationFrame((time) => this.tick(time));
  }

  tick(time) {
    this.pending = 0;
    if (this.playing && this.model) {
      if (this.lastTime) this.carry += (time - this.lastTime) / 1000 * BASE_RATE * SPEEDS[this.speed];
      this.lastTime = time;
      const advance = Math.floor(this.carry);
      this.carry -= advance;
      const last = this.model.frameSteps.length - 1;
      this.frame = Math.min(last, this.frame + advance);
      if (this.frame >= last) this.pause();
    }
    this.render();
    if (this.playing) this.requestRender();
  }

  invalidate() {
    this.dirty = {background: true, marks: true, paths: true, tracks: true};
  }

  /* ---------- drawing ---------- */

  /* Draw the current frame; whatever cannot be drawn says so in place of the map. */
  render() {
    try {
      this.draw();
    } catch (error) {
      this.fail(error);
    }
  }

  draw() {
    if (!this.model || !this.view || !this.layers) return;
    const {width, height} = this.size, layers = this.layers;
    if (this.dirty.background) this.drawBackground(layers.background.context);
    if (this.dirty.marks) this.drawMarks(layers.marks.context);
    this.drawPaths(layers.paths.context);
    this.drawTracks(layers.tracks.context);
    const context = this.mapContext;
    context.clearRect(0, 0, width, height);
    const drag = this.drag, shift = drag && drag.moved && !drag.box ? [drag.x - drag.px, drag.y - drag.py] : [0, 0];
    context.drawImage(layers.background.canvas, shift[0], shift[1], width, height);
    context.drawImage(layers.paths.canvas, shift[0], shift[1], width, height);
    context.drawImage(layers.marks.canvas, shift[0], shift[1], width, height);
    context.save();
    context.translate(shift[0], shift[1]);
    this.drawHeads(context);
    if (this.showOverlays) this.drawOverlays(context);
    context.restore();
    if (drag && drag.moved && drag.box) {
      context.strokeStyle = "#111111";
      context.setLineDash([4, 3]);
      context.lineWidth = 1;
      context.strokeRect(drag.px, drag.py, drag.x - drag.px, drag.y - drag.py);
      context.setLineDash([]);
    }
    this.composeTracks();
    this.showStep();
    if (!this.root.dataset.drawn) {
      this.root.dataset.drawn = "true";
      if (window.performance && performance.mark) performance.mark("cmx-player-first-draw");
    }
  }

  drawBackground(context) {
    const {width, height} = this.size, box = this.model.landscape.box;
    context.clearRect(0, 0, width, height);
    context.fillStyle = "#F2F2F2";
    context.fillRect(0, 0, width, height);
    const entry = this.model.landscape.imageKey ? IMAGES.get(this.model.landscape.imageKey) : null;
    const left = this.px(box[0]), top = this.py(box[3]), right = this.px(box[1]), bottom = this.py(box[2]);
    this.root.dataset.image = entry && entry.ready ? "drawn" : "missing";
    if (entry && entry.ready) {
      context.drawImage(entry.image, left, top, right - left, bottom - top);
    } else {
      context.fillStyle = "#FFFFFF";
      context.fillRect(left, top, right - left, bottom - top);
    }
    context.strokeStyle = "#9A9A9A";
    context.lineWidth = 1;
    context.strokeRect(left, top, right - left, bottom - top);
    this.dirty.background = false;
  }

  /* Static marks: minima with labels, every start, axis ticks. */
  drawMarks(context) {
    const {width, height} = this.size, v = this.view;
    context.clearRect(0, 0, width, height);
    const minima = this.model.landscape.minima.filter((m) => m.x >= v.x0 && m.x <= v.x1 && m.y >= v.y0 &&
      m.y <= v.y1);
    for (const m of minima) {
      const x = this.px(m.x), y = this.py(m.y);
      drawStar(context, x, y, 8);
      if (minima.length <= 12) labelText(context, text(m.text), x + 9, y - 7);
    }
    for (const s of this.visibleSeries()) { // each series' ring larger than the next one's: starts at one point nest
      const radius = (s.runs > 20 ? 2.5 : 4) * s.startSize;
      context.strokeStyle = s.colour;
      context.fillStyle = "#FFFFFF";
      context.lineWidth = 1.5;
      for (let n = 0; n < s.runs; n++) {
        const x = this.px(s.positions[2 * n]), y = this.py(s.positions[2 * n + 1]);
        if (!Number.isFinite(x + y)) continue;
        context.beginPath();
        context.arc(x, y, radius, 0, 2 * Math.PI);
        context.fill();
        context.stroke();
      }
    }
    this.drawTicks(context);
    this.dirty.marks = false;
  }

  drawTicks(context) {
    const {width, height} = this.size, v = this.view;
    const ticks = (low, high) => {
      const step = Math.pow(10, Math.floor(Math.log10((high - low) / 4)));
      const nice = [1, 2, 5, 10].map((m) => m * step).find((s) => (high - low) / s <= 6) || step * 10;
      const out = [];
      for (let t = Math.ceil(low / nice) * nice; t <= high; t += nice) out.push(Number(t.toPrecision(10)));
      return out;
    };
    for (const t of ticks(v.x0, v.x1)) {
      const x = this.px(t);
      if (x > 24 && x < width - 24) {
        context.fillStyle = "#222222";
        context.fillRect(x, height - 4, 1, 4);
        labelText(context, short(t), x + 3, height - 5);
      }
    }
    // y labels sit on their value, without a tick mark that would read as a minus sign.
    for (const t of ticks(v.y0, v.y1)) {
      const y = this.py(t);
      if (y > 14 && y < height - 24) labelText(context, short(t), 3, y + 4);
    }
  }

  visibleSeries() {
    return this.model.series.filter((s) => s.visible);
  }

  lineWidth(s) {
    return s.runs > 20 ? 1 : 2;
  }

  /* The paths layer holds every visible path up to this.pathsFrame; moving forward adds only the new segments. */
  drawPaths(context) {
    if (this.dirty.paths || this.frame < this.pathsFrame) {
      context.clearRect(0, 0, this.size.width, this.size.height);
      this.pathsFrame = 0;
      for (const s of this.model.series) s.dashOffset = new Float64Array(s.runs);
      this.dirty.paths = false;
    }
    if (this.frame === this.pathsFrame) return;
    const from = this.pathsFrame, to = this.frame;
    context.lineJoin = "round";
    context.lineCap = "round";
    for (const s of this.visibleSeries()) {
      const a = Math.max(0, s.upto[from]), b = s.upto[to];
      if (b <= a) continue;
      context.strokeStyle = s.colour;
      context.globalAlpha = s.runs > 20 ? 0.45 : 0.95;
      const width = this.lineWidth(s);
      context.lineWidth = width;
      if (!s.dash.length) {
        context.setLineDash([]);
        context.beginPath();
        for (let n = 0; n < s.runs; n++) this.tracePath(context, s, n, a, b);
        context.stroke();
        continue;
      }
      // A dashed path continues its pattern where the last piece ended: the offset is the length drawn so far.
      context.setLineDash(s.dash.map((d) => d * width * 2));
      for (let n = 0; n < s.runs; n++) {
        context.lineDashOffset = s.dashOffset[n];
        context.beginPath();
        s.dashOffset[n] += this.tracePath(context, s, n, a, b);
        context.stroke();
      }
    }
    context.globalAlpha = 1;
    context.setLineDash([]);
    this.pathsFrame = to;
  }

  /* Adds run n's path from row a to row b to the context's path (see Pen); returns its length in pixels. */
  tracePath(context, s, n, a, b) {
    const P = s.positions, stride = 2 * s.runs, pen = new Pen(context);
    for (let r = a; r <= b; r++) {
      const x = this.px(P[r * stride + 2 * n]), y = this.py(P[r * stride + 2 * n + 1]);
      if (!Number.isFinite(x + y) || Math.abs(x) > 1e6 || Math.abs(y) > 1e6) pen.lift();
      else pen.point(x, y);
    }
    pen.lift();
    return pen.length;
  }

  /* Where run n of s is at row r, and whether it has stopped by then; a stopped run's last finite point. */
  head(s, n, row) {
    const step = s.steps[row], stopped = s.stoppedAt[n] >= 0 && s.stoppedAt[n] <= step;
    const P = s.positions, stride = 2 * s.runs;
    let r = row;
    while (r > 0 && !Number.isFinite(P[r * stride + 2 * n] + P[r * stride + 2 * n + 1])) r--;
    return {x: P[r * stride + 2 * n], y: P[r * stride + 2 * n + 1], stopped, row: r};
  }

  drawHeads(context) {
    const {width, height} = this.size;
    // Heads at one point stay visible: the filled ones in order, each smaller than the one before (markerSize), then
    // the hollow ones, bare outlines that erase nothing, above them.
    const shown = this.visibleSeries();
    for (const s of [...shown.filter((t) => !t.hollow), ...shown.filter((t) => t.hollow)]) {
      const row = s.upto[this.frame];
      if (row < 1) continue; // at the start only the starts ○ show
      const radius = (s.runs > 20 ? 3 : 4) * s.markerSize;
      for (let n = 0; n < s.runs; n++) {
        const h = this.head(s, n, row);
        let x = this.px(h.x), y = this.py(h.y);
        if (!Number.isFinite(x + y)) continue;
        if (h.stopped) {
          // A run that left the view is marked at the view's edge, where it went out.
          x = Math.max(8, Math.min(width - 8, x));
          y = Math.max(8, Math.min(height - 8, y));
          drawCross(context, x, y, radius + 1, s.colour);
          continue;
        }
        s.traceMarker(context, x, y, radius);
        if (s.hollow) {
          context.lineWidth = 2;
          context.strokeStyle = s.colour;
        } else { // a white rim keeps it apart from its path and from the larger head under it
          context.fillStyle = s.colour;
          context.fill();
          context.lineWidth = 1;
          context.strokeStyle = "#FFFFFF";
        }
        context.stroke();
      }
    }
  }

  drawOverlays(context) {
    const o = this.model.overlays;
    if (!o || !o.series.visible || !o.position) return;
    const row = o.series.upto[this.frame];
    if (row < 0) return;
    const colours = this.model.overlayColours, cap = o.longest;
    const ox = o.position[2 * row], oy = o.position[2 * row + 1];
    if (!Number.isFinite(ox + oy)) return;
    const arrow = (vx, vy, scale, colour, width, dash) => {
      if (!Number.isFinite(vx + vy) || !scale) return;
      let dx = vx * scale, dy = vy * scale;
      const length = Math.hypot(dx, dy);
      if (cap && length > cap) {
        dx *= cap / length;
        dy *= cap / length;
      }
      drawArrow(context, this.px(ox), this.py(oy), this.px(ox + dx), this.py(oy + dy), colour, width, dash);
    };
    const memoryColour = colourOr(colours.momenta, "#4D4D4D");
    if (o.stored) {
      for (let c = 0; c < o.capacity; c++) {
        const at = (row * o.capacity + c) * 2;
        arrow(-o.stored[at], -o.stored[at + 1], o.memoryScale, memoryColour, 1.2, [2, 3]);
      }
    }
    if (o.momentum) arrow(-o.momentum[2 * row], -o.momentum[2 * row + 1], o.memoryScale, memoryColour, 1.5, []);
    if (o.aggregate) {
      arrow(-o.aggregate[2 * row], -o.aggregate[2 * row + 1], o.memoryScale, colourOr(colours.aggregate, "#000000"),
        3, [7, 4]);
    }
    if (o.gradient) {
      arrow(-o.gradient[2 * row], -o.gradient[2 * row + 1], o.gradientScale, colourOr(colours.gradient, "#000000"),
        2, []);
    }
    if (o.ascent && Number.isFinite(o.ascent[2 * row] + o.ascent[2 * row + 1])) {
      const x = this.px(o.ascent[2 * row]), y = this.py(o.ascent[2 * row + 1]);
      context.save();
      context.strokeStyle = colourOr(colours.ascent, "#000000");
      context.lineWidth = 1.2;
      context.setLineDash([2, 3]);
      context.beginPath();
      context.moveTo(this.px(ox), this.py(oy));
      context.lineTo(x, y);
      context.stroke();
      context.setLineDash([]);
      context.fillStyle = "#FFFFFF";
      context.beginPath();
      context.moveTo(x, y - 6);
      context.lineTo(x + 6, y);
      context.lineTo(x, y + 6);
      context.lineTo(x - 6, y);
      context.closePath();
      context.fill();
      context.stroke();
      context.restore();
    }
  }

  /* ---------- the track panel: loss, distance from the start, basin lane ---------- */

  trackPanels() {
    if (this.panels) return this.panels;
    const model = this.model, log = Boolean(model.landscape.scale && model.landscape.scale.log);
    let floor = Infinity;
    for (const s of model.series) for (const f of s.losses) if (Number.isFinite(f) && f < floor) floor = f;
    const shown = log ? (f) => Math.log10(f - floor + 1) : (f) => f;
    const range = (value) => {
      // Runs that stopped early (diverged far away) do not stretch the axes; they are clipped.
      let low = Infinity, high = -Infinity, any = false;
      for (const pass of [false, true]) {
        for (const s of model.series) {
          for (let n = 0; n < s.runs; n++) {
            if (!pass && s.stoppedAt[n] >= 0) continue;
            for (let r = 0; r < s.recorded; r++) {
              const v = value(s, n, r);
              if (Number.isFinite(v)) {
                low = Math.min(low, v);
                high = Math.max(high, v);
                any = true;
              }
            }
          }
        }
        if (any) break;
      }
      if (!any) return [0, 1];
      return high > low ? [low, high] : [low - 0.5, high + 0.5];
    };
    const loss = (s, n, r) => shown(s.losses[r * s.runs + n]);
    const distance = (s, n, r) => {
      const P = s.positions, at = (r * s.runs + n) * 2;
      return Math.hypot(P[at] - P[2 * n], P[at + 1] - P[2 * n + 1]);
    };
    const lossRange = range(loss);
    this.panels = [
      {title: log ? "loss f (log scale)" : "loss f", value: loss, range: lossRange,
        labels: log ? lossRange.map((v) => floor + Math.pow(10, v) - 1) : lossRange},
      {title: "distance from the start", value: distance, range: range(distance)},
    ];
    this.panels[1].labels = this.panels[1].range;
    if (model.series.some((s) => s.basins)) this.panels.push({title: "basin of each run (rows)", lane: true});
    return this.panels;
  }

  trackX(step) {
    const last = this.model.frameSteps[this.model.frameSteps.length - 1] || 1;
    return TRACK_LEFT + step / last * (this.size.width - TRACK_LEFT - 10);
  }

  drawTracks(context) {
    const panels = this.trackPanels(), width = this.size.width;
    if (this.dirty.tracks || this.frame < this.tracksFrame) {
      context.clearRect(0, 0, width, this.size.tracks);
      context.font = "11px system-ui, sans-serif";
      panels.forEach((panel, p) => {
        const top = p * (TRACK_HEIGHT + TRACK_GAP) + TRACK_GAP - 6;
        context.fillStyle = "#222222";
        context.fillText(panel.title, TRACK_LEFT, top - 5);
        context.strokeStyle = "#BBBBBB";
        context.lineWidth = 1;
        context.strokeRect(TRACK_LEFT, top, width - TRACK_LEFT - 10, TRACK_HEIGHT);
        if (panel.labels) {
          context.fillStyle = "#444444";
          context.fillText(short(panel.labels[1]), 4, top + 10);
          context.fillText(short(panel.labels[0]), 4, top + TRACK_HEIGHT);
        }
      });
      const last = this.model.frameSteps[this.model.frameSteps.length - 1];
      context.fillStyle = "#444444";
      context.fillText(`step ${last}`, width - 70, this.size.tracks - 2);
      this.tracksFrame = 0;
      this.dirty.tracks = false;
    }
    if (this.frame === this.tracksFrame) return;
    const from = this.tracksFrame, to = this.frame;
    panels.forEach((panel, p) => {
      const top = p * (TRACK_HEIGHT + TRACK_GAP) + TRACK_GAP - 6;
      context.save();
      context.beginPath();
      context.rect(TRACK_LEFT, top, width - TRACK_LEFT - 10, TRACK_HEIGHT);
      context.clip();
      if (panel.lane) this.drawLane(context, top, from, to);
      else this.drawCurves(context, panel, top, from, to);
      context.restore();
    });
    this.tracksFrame = to;
  }

  drawCurves(context, panel, top, from, to) {
    const [low, high] = panel.range;
    const y = (v) => top + TRACK_HEIGHT - 2 - (v - low) / (high - low) * (TRACK_HEIGHT - 4);
    for (const s of this.visibleSeries()) {
      const a = Math.max(0, s.upto[from]), b = s.upto[to];
      if (b <= a) continue;
      context.strokeStyle = s.colour;
      context.globalAlpha = s.runs > 20 ? 0.35 : 0.9;
      context.lineWidth = s.runs > 20 ? 1 : 1.5;
      context.beginPath();
      const pen = new ColumnPen(context);
      for (let n = 0; n < s.runs; n++) {
        const end = s.stoppedAt[n] >= 0 ? Math.min(b, this.lastRowBefore(s, s.stoppedAt[n])) : b;
        for (let r = a; r <= end; r++) {
          const v = y(panel.value(s, n, r)), x = this.trackX(s.steps[r]);
          if (!Number.isFinite(v) || Math.abs(v) > 1e6) pen.lift();
          else pen.point(x, v);
        }
        pen.lift();
      }
      context.stroke();
    }
    context.globalAlpha = 1;
  }

  lastRowBefore(s, step) {
    let r = 0;
    while (r + 1 < s.recorded && s.steps[r + 1] <= step) r++;
    return r;
  }

  drawLane(context, top, from, to) {
    const rows = this.visibleSeries().filter((s) => s.basins);
    const count = rows.reduce((sum, s) => sum + s.basinRuns, 0);
    if (!count) return;
    const height = TRACK_HEIGHT / count;
    let line = 0;
    for (const s of rows) {
      const a = Math.max(0, s.upto[from]), b = s.upto[to];
      for (let n = 0; n < s.basinRuns; n++, line++) {
        if (b <= a) continue;
        // One rectangle per stretch of steps in one basin.
        let start = a;
        for (let r = a + 1; r <= b + 1; r++) {
          if (r <= b && s.basins[r * s.basinRuns + n] === s.basins[start * s.basinRuns + n]) continue;
          const x0 = this.trackX(s.steps[start]), x1 = this.trackX(s.steps[Math.min(r, b)]);
          context.fillStyle = this.basinColour(s.basins[start * s.basinRuns + n]);
          context.fillRect(x0, top + line * height, Math.max(1, x1 - x0), Math.max(1, height - (height > 3 ? 1 : 0)));
          start = r;
        }
      }
      context.fillStyle = s.colour;
      context.fillRect(TRACK_LEFT - 6, top + (line - s.basinRuns) * height, 4, s.basinRuns * height);
    }
  }

  composeTracks() {
    const context = this.tracksContext, {width, tracks} = this.size;
    context.clearRect(0, 0, width, tracks);
    context.drawImage(this.layers.tracks.canvas, 0, 0, width, tracks);
    const x = this.trackX(this.model.frameSteps[this.frame]);
    context.fillStyle = "#111111";
    context.fillRect(x - 0.5, TRACK_GAP - 8, 1.5, tracks - TRACK_GAP - 6);
  }

  drawScaleKey() {
    const scale = this.model.landscape.scale, canvas = this.scaleCanvas;
    canvas.hidden = !scale;
    if (!scale) return;
    const width = Math.min(260, Math.max(160, this.legend.clientWidth || 220)), height = 44;
    const context = sizeCanvas(canvas, width, height);
    const gradient = context.createLinearGradient(8, 0, width - 8, 0);
    const colours = scale.colours.map((c) => colourOr(c, "#888888"));
    colours.forEach((c, i) => gradient.addColorStop(colours.length > 1 ? i / (colours.length - 1) : 0, c));
    context.fillStyle = "#222222";
    context.font = "11px system-ui, sans-serif";
    context.fillText(scale.log ? "f (log scale)" : "f", 8, 11);
    context.fillStyle = gradient;
    context.fillRect(8, 15, width - 16, 10);
    context.fillStyle = "#222222";
    context.font = "10px system-ui, sans-serif";
    const ticks = (Array.isArray(scale.ticks) ? scale.ticks : []).filter((t) => t && finite(t.at) && t.at >= 0 &&
      t.at <= 1);
    const every = Math.ceil(ticks.length / 5); // at most five labels fit the key
    for (const [index, tick] of ticks.entries()) {
      if (index % every) continue;
      const x = 8 + tick.at * (width - 16), words = text(tick.text);
      const w = context.measureText(words).width;
      context.fillRect(x, 25, 1, 4);
      context.fillText(words, Math.max(0, Math.min(width - w, x - w / 2)), 40);
    }
    canvas.setAttribute("aria-label", `colour key of f${scale.log ? " on a log scale" : ""}`);
  }

  /* ---------- text: the step, the status lines, the hover read-out ---------- */

  showStep() {
    const steps = this.model.frameSteps, step = steps[this.frame];
    if (this.textDirty || this.root.dataset.step !== String(step) || this.scrubber.value !== String(this.frame)) {
      this.textDirty = false;
      this.root.dataset.step = String(step);
      this.scrubber.value = String(this.frame);
      this.scrubber.setAttribute("aria-valuetext", `step ${step}`);
      this.stepNode.textContent = `step ${step} / ${steps[steps.length - 1]}`;
      this.updateStatus();
      this.updateReadout();
    }
  }

  updateStatus() {
    this.model.series.forEach((s, i) => {
      const words = `${s.label}: ${this.status(s)}`;
      if (this.statusText[i] !== words) {
        this.statusText[i] = words;
        this.statusNodes[i].textContent = words;
      }
    });
  }

  status(s) {
    const row = s.upto[this.frame], step = this.model.frameSteps[this.frame];
    if (row < 0) return "not started";
    const parts = [];
    const stopped = {1: [], 2: []};
    const active = [];
    for (let n = 0; n < s.runs; n++) {
      if (s.stoppedAt[n] >= 0 && s.stoppedAt[n] <= step) (stopped[s.reasons[n]] || stopped[1]).push(n);
      else active.push(n);
    }
    if (s.basins) {
      const stay = new Map(), moved = new Map();
      let between = 0, untracked = 0;
      for (const n of active) {
        if (n >= s.basinRuns) {
          untracked++;
          continue;
        }
        const first = s.basins[n], now = s.basins[row * s.basinRuns + n];
        if (now === first && now >= 0) stay.set(now, (stay.get(now) || 0) + 1);
        else if (now >= 0) {
          let r = row;
          while (r > 0 && s.basins[(r - 1) * s.basinRuns + n] !== first) r--;
          if (!moved.has(now)) moved.set(now, []);
          moved.get(now).push(s.steps[r]);
        } else between++;
      }
      for (const [code, count] of stay) parts.push(`${plural(count, "run")} in ${this.basinName(code)}`);
      for (const [code, steps] of moved) {
        steps.sort((a, b) => a - b);
        parts.push(`${steps.length} escaped (step${steps.length === 1 ? "" : "s"} ${listSteps(steps)}) → ` +
          this.basinName(code));
      }
      if (between) parts.push(`${plural(between, "run")} in no listed basin`);
      if (untracked) parts.push(`${plural(untracked, "run")} without a basin track`);
    } else if (active.length) {
      let low = Infinity, high = -Infinity;
      for (const n of active) {
        const f = s.losses[row * s.runs + n];
        if (Number.isFinite(f)) {
          low = Math.min(low, f);
          high = Math.max(high, f);
        }
      }
      parts.push(`${plural(active.length, "run")}, f ${low === high ? short(low) : `${short(low)} to ${short(high)}`}`);
    }
    for (const reason of [1, 2]) {
      const runs = stopped[reason];
      if (runs.length === 1) parts.push(`run ${runs[0] + 1} ${STOP_WORDS[reason]} at step ${s.stoppedAt[runs[0]]}`);
      else if (runs.length) {
        parts.push(`${runs.length} ${STOP_WORDS[reason]} (steps ${listSteps(runs.map((n) => s.stoppedAt[n]))})`);
      }
    }
    return parts.join("; ");
  }

  /* The nearest visible head within HOVER_REACH pixels, else the coordinate under the pointer. */
  updateReadout() {
    if (!this.model || !this.view) return;
    if (!this.hover) {
      this.readout.textContent = "Hover over a run for its numbers; drag to pan, wheel or ⬚ to zoom.";
      return;
    }
    const [hx, hy] = this.hover;
    let best = null, bestDistance = HOVER_REACH;
    for (const s of this.visibleSeries()) {
      const row = s.upto[this.frame];
      if (row < 0) continue;
      for (let n = 0; n < s.runs; n++) {
        const h = this.head(s, n, row), d = Math.hypot(this.px(h.x) - hx, this.py(h.y) - hy);
        if (d < bestDistance) {
          bestDistance = d;
          best = {s, n, h};
        }
      }
    }
    if (!best) {
      const [x, y] = this.toData(hx, hy);
      this.readout.textContent = `x=${short(x)}, y=${short(y)}`;
      return;
    }
    const {s, n, h} = best, P = s.positions, stride = 2 * s.runs, r = h.row;
    const length = r > 0 ? Math.hypot(P[r * stride + 2 * n] - P[(r - 1) * stride + 2 * n],
      P[r * stride + 2 * n + 1] - P[(r - 1) * stride + 2 * n + 1]) : 0;
    const state = h.stopped ? `, ${STOP_WORDS[s.reasons[n]] || "stopped"} at step ${s.stoppedAt[n]}` : "";
    this.readout.textContent = `${s.label} · run ${n + 1} · step ${s.steps[r]} · x=${short(h.x)}, y=${short(h.y)}` +
      ` · f=${short(s.losses[r * s.runs + n])} · step length ${short(length)}${state}`;
  }

  destroy() {
    this.pause();
    if (this.pending) cancelAnimationFrame(this.pending);
    this.resizer.disconnect();
    this.root.remove();
  }
}

/* Standalone file and notebook: the player in `root` (payload: the object, or its JSON text), clicks shown as text
 * there. */
export function mountPlayer(root, payload) {
  const player = new Player(root, {onClick: null, onNeedImage: null});
  player.setData(payload);
  return player;
}

/* Streamlit (st.components.v2): called again with the same parentElement whenever `data` changes; the player,
 * its step, view and play state live on. */
export default function (component) {
  const {data, parentElement, setTriggerValue} = component;
  let player = PLAYERS.get(parentElement);
  if (!player) {
    player = new Player(parentElement, {});
    PLAYERS.set(parentElement, player);
  }
  player.host = {
    onClick: (point) => setTriggerValue("click", point),
    onNeedImage: (key) => setTriggerValue("need_image", key),
    onUndo: () => setTriggerValue("undo", true),
  };
  player.setData(data);
  return () => {
    player.destroy();
    PLAYERS.delete(parentElement);
  };
}
