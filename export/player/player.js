/* cmx trajectory player: one player for three hosts (a Streamlit v2 component, a standalone HTML file, a notebook).
 *
 * The player is a few ES modules, each a part with one job; the data contract is at the top of model.js. In the app
 * the browser imports them from the component's folder; export/player/html.py joins them into one inline script for
 * the standalone file and the notebook (nothing is fetched). This file holds the Player: its DOM, its input (mouse,
 * keys, host events), its data, its view and time, and the frame loop; tracks.js, overlays.js, words.js, map.js and
 * controls.js (the live controls: engine.js reruns the series in the page) lend it their methods.
 */

import {parsed, prepare, showing} from "./model.js";
import {button, element, layer, sizeCanvas} from "./canvas.js";
import {IMAGES, MapLayers} from "./map.js";
import {Overlays} from "./overlays.js";
import {TRACK_GAP, TRACK_HEIGHT, Tracks} from "./tracks.js";
import {Words} from "./words.js";
import {Controls} from "./controls.js";
// the modules the ones above import, named here so the browser fetches them all at once, not four levels deep
import "./live.js";
import "./engine.js";
import "./surfaces.js";

const PLAYERS = new WeakMap(); // Streamlit's parentElement -> its Player (the function is called again on new data)
const LAST_STEPS = new Map(); // what a closed player showed (its landscape and series) -> the step it was at
const BASE_RATE = 30; // recorded points per second at speed 1x
const SPEEDS = [0.25, 0.5, 1, 2, 4];
const CLICK_SLOP = 4; // pixels a press may move and still be a click

class Player {
  constructor(parent, host) {
    // {onClick(point), onNeedImage(key), onUndo(), onLive(settings), onShown(): each may be null}
    this.host = host;
    this.model = null;
    this.frame = 0;
    this.playing = false;
    this.speed = 2; // index into SPEEDS
    this.showOverlays = true;
    this.explaining = false; // the "explain this step" panel is open
    this.view = null; // {x0, x1, y0, y1}: what the map shows, always of the canvas's aspect
    this.zoomed = false;
    this.size = {width: 0, height: 0, tracks: 0, room: 0}; // room: the width the player has, the map may be narrower
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
    this.explainButton = button(bar, "explain", "explain this step: every quantity of the followed run's next step (E)",
      () => this.toggleExplain());
    this.explainButton.setAttribute("aria-pressed", "false");
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
    this.tip = element("div", "cmxp-tip", this.mapBox); // the hovered run's numbers, beside the pointer
    this.tip.setAttribute("aria-hidden", "true"); // the read-out line says the same to a screen reader
    this.tip.hidden = true;
    this.canvas.tabIndex = 0;
    this.canvas.setAttribute("role", "img");
    this.tracksCanvas = element("canvas", "cmxp-tracks", main);
    this.tracksCanvas.setAttribute("role", "img");
    this.tracksCanvas.setAttribute("aria-label", "loss, distance from the start and basin of every run against step");
    const side = element("div", "cmxp-side", body);
    this.legend = element("div", "cmxp-legend", side);
    this.legend.setAttribute("aria-label", "optimizers: press to show or hide");
    this.controlsNode = element("section", "cmxp-controls", side);
    this.controlsNode.setAttribute("aria-label", "live controls");
    this.controlsNode.hidden = true;
    this.controlsNode.addEventListener("keydown", (event) => event.stopPropagation()); // its inputs keep their keys
    this.explainNode = element("div", "cmxp-explain", side);
    this.explainNode.setAttribute("aria-live", "polite");
    this.explainNode.hidden = true;
    this.statusList = element("ul", "cmxp-status", side);
    this.statusList.setAttribute("aria-label", "what each optimizer's runs are doing at this step");
    this.overlayKey = element("div", "cmxp-key", side);
    this.markerKey = element("p", "cmxp-markers", side);
    this.markerKey.textContent = "○ start   ● now (a repeated optimizer: □ △ ◇, as in the legend)   ✕ stopped   " +
      "★ minimum";
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
      const box = this.boxMode || event.shiftKey;
      this.drag = {px, py, x: px, y: py, box, moved: false, start: box ? -1 : this.startAt(px, py)};
    });
    canvas.addEventListener("pointermove", (event) => {
      const [px, py] = this.local(event);
      if (!this.drag) {
        canvas.style.cursor = this.startAt(px, py) >= 0 ? "grab" : "";
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
    canvas.addEventListener("pointerleave", () => {
      this.hover = null;
      this.tip.hidden = true;
      this.updateReadout();
    });
  }

  endDrag() {
    const drag = this.drag;
    this.drag = null;
    if (!drag) return;
    if (!drag.moved) {
      this.click(drag.px, drag.py);
    } else if (drag.start >= 0) {
      this.moveStart(drag.start, drag.x, drag.y);
    } else if (drag.box) {
      const [xa, ya] = this.toData(drag.px, drag.py), [xb, yb] = this.toData(drag.x, drag.y);
      if (Math.abs(drag.x - drag.px) > 6 && Math.abs(drag.y - drag.py) > 6) {
        this.setView(Math.min(xa, xb), Math.max(xa, xb), Math.min(ya, yb), Math.max(ya, yb));
      }
      this.boxMode = false; // one box per press of ⬚: the next drag pans again
      this.boxButton.setAttribute("aria-pressed", "false");
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
    else if (event.key === "e" || event.key === "E") this.toggleExplain();
    else return;
    event.preventDefault();
  }

  setData(payload) {
    let model;
    try {
      const data = typeof payload === "string" ? parsed(payload) : payload;
      if (this.keepsChanges(data)) return;
      model = prepare(data);
    } catch (error) {
      this.fail(error);
      return;
    }
    this.received = payload;
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
    const step = previous ? previous.frameSteps[this.frame] : LAST_STEPS.get(showing(model));
    this.model = model;
    this.loadImage(); // first: decoding the picture takes longer than building the rest
    this.root.classList.remove("cmxp-failed");
    delete this.root.dataset.failed;
    // The same runs shown again (back from another view) open where they were left.
    const kept = sameLandscape || (!previous && step !== undefined);
    this.frame = kept ? this.frameAtStep(step) : model.openAtEnd ? model.frameSteps.length - 1 : 0;
    if (!sameLandscape) this.view = null;
    this.panels = null;
    this.fill();
    this.fillControls();
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
    this.shown();
  }

  /* The first figure, or the sentence saying why there is none, is on screen: tell the host once (the page waits
   * for it to draw its controls). */
  shown() {
    if (this.told || !this.host.onShown) return;
    this.told = true;
    this.host.onShown();
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
    const explainable = Boolean(model.overlays && model.overlays.explain);
    this.explainButton.hidden = !explainable;
    if (!explainable && this.explaining) this.toggleExplain();
    this.fillLegend();
    this.fillOverlayKey();
    this.fillBasinKey();
    this.statusNodes = model.series.map(() => element("li", "", null));
    this.statusList.replaceChildren(...this.statusNodes);
    this.statusText = [];
    this.textDirty = true;
    this.drawScaleKey();
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

  resize() {
    if (!this.model) return;
    const room = Math.floor(this.mapBox.clientWidth);
    if (room < 10) return;
    const [x0, x1, y0, y1] = this.model.landscape.box;
    const tall = Math.max(320, Math.min(window.innerHeight * 0.8, 900));
    const height = Math.round(Math.min(room * (y1 - y0) / (x1 - x0), tall));
    // A map held to the window's height is as wide as its box's shape, not the room: no grey bands at its sides.
    const width = Math.max(10, Math.min(room, Math.round(height * (x1 - x0) / (y1 - y0))));
    const panels = this.model.series.some((s) => s.basins) ? 3 : 2;
    const tracks = panels * (TRACK_HEIGHT + TRACK_GAP) + 16;
    if (width === this.size.width && height === this.size.height && tracks === this.size.tracks &&
      room === this.size.room && this.view) {
      return;
    }
    this.size = {width, height, tracks, room};
    this.mapContext = sizeCanvas(this.canvas, width, height);
    this.tracksContext = sizeCanvas(this.tracksCanvas, room, tracks);
    this.layers = {background: layer(width, height), paths: layer(width, height), marks: layer(width, height),
      tracks: layer(room, tracks)};
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

  /* The point under (px, py), rounded to about one pixel of the view; null outside the landscape's box. */
  pointAt(px, py) {
    if (!this.model || !this.view) return null;
    const [x, y] = this.toData(px, py), box = this.model.landscape.box;
    if (!Number.isFinite(x) || !Number.isFinite(y) || x < box[0] || x > box[1] || y < box[2] || y > box[3]) return null;
    const perPixel = (this.view.x1 - this.view.x0) / this.size.width;
    const digits = Math.min(12, Math.max(0, Math.ceil(-Math.log10(perPixel))));
    return {x: Number(x.toFixed(digits)), y: Number(y.toFixed(digits))};
  }

  /* A click on the map (not a drag): a start there (the page reruns its runs, and tells its host), else the point
   * goes to the host, or is shown. */
  click(px, py) {
    const point = this.pointAt(px, py);
    if (!point) return;
    if (this.addsStarts()) this.addStart(point);
    else if (this.host.onClick) this.host.onClick(point);
    else this.clickedNode.textContent = `clicked x=${point.x}, y=${point.y}`;
  }

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
    const drag = this.drag, pans = drag && drag.moved && !drag.box && drag.start < 0;
    const shift = pans ? [drag.x - drag.px, drag.y - drag.py] : [0, 0];
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
    if (drag && drag.moved && drag.start >= 0) this.drawDraggedStart(context, drag);
    this.composeTracks();
    this.showStep();
    // The first figure is the map with its picture (it decodes after the first frame) and the paths on it.
    if (this.root.dataset.drawn || (this.model.landscape.imageKey && this.root.dataset.image !== "drawn")) return;
    this.root.dataset.drawn = "true";
    if (window.performance && performance.mark) performance.mark("cmx-player-first-draw");
    this.shown();
  }

  destroy() {
    if (this.model) LAST_STEPS.set(showing(this.model), this.model.frameSteps[this.frame]);
    this.pause();
    if (this.pending) cancelAnimationFrame(this.pending);
    this.resizer.disconnect();
    this.root.remove();
  }
}

// The parts written in other files are methods of the player too: each file's class lends its methods.
for (const part of [MapLayers, Tracks, Overlays, Words, Controls]) {
  for (const name of Object.getOwnPropertyNames(part.prototype)) {
    if (name !== "constructor") Player.prototype[name] = part.prototype[name];
  }
}

/* Standalone file and notebook: the player in `root` (payload: the object, or its JSON text); with a live part a
 * click adds a start, else it is shown as text there. */
export function mountPlayer(root, payload) {
  const player = new Player(root, {onClick: null, onNeedImage: null, onLive: null});
  player.setData(payload);
  return player;
}

/* Streamlit (st.components.v2): called again with the same parentElement whenever `data` changes; the player,
 * its step, view and play state live on. */
export default function streamlitPlayer(component) {
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
    onLive: (settings) => setTriggerValue("live", settings),
    onShown: data && data.report_shown ? () => setTriggerValue("shown", true) : null,
  };
  player.setData(data);
  return () => {
    player.destroy();
    PLAYERS.delete(parentElement);
  };
}
