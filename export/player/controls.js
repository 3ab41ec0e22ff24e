/* cmx trajectory player: the live controls (each optimizer's knobs as a slider and an exact number box, the steps and
 * the starts) and what a change does: the series it touches rerun in the page (live.js), the player redrawn, the
 * teaching overlays and basin lanes of the changed runs hidden (Python computes them), and so are the payload's title
 * and note unless starts were only added (they were written for the runs first shown), and the host told (the app).
 * Every control is named by its knob inside its optimizer's group ("lr" in "Adam+CM (lr=0.05)"). Methods of Player
 * (player.js mixes them in).
 */

import {checkedValue, cost, formatValue, labels, rerun, settingsOf} from "./live.js";
import {align} from "./model.js";
import {button, element, plural} from "./canvas.js";

const START_REACH = 9; // pixels from a start ○ within which a press picks it up
const LOG_STOPS = 1000; // a log slider's positions
const STEPS_SLIDER_HIGH = 100000; // the steps slider's end (the number box takes more)

/* A log slider's value at a position: rounded to 3 significant digits, or to a whole number for an integer. */
function logValue(slider, position, kind) {
  const value = slider.low * Math.pow(slider.high / slider.low, position / LOG_STOPS);
  return kind === "int" ? Math.round(value) : Number(value.toPrecision(3));
}

function logPosition(slider, value) {
  const position = Math.round(LOG_STOPS * Math.log(value / slider.low) / Math.log(slider.high / slider.low));
  return Math.max(0, Math.min(LOG_STOPS, position));
}

function startsText(starts) {
  return starts.map(([x, y]) => `${formatValue(x)},${formatValue(y)}`).join("; ");
}

export class Controls {
  /* The panel, built anew for each payload the player takes (a rerun only updates it: a control in use keeps focus). */
  fillControls() {
    const live = this.model.live, panel = this.controlsNode;
    panel.replaceChildren();
    panel.hidden = !live;
    this.settings = live && !live.reason ? settingsOf(live) : null;
    this.liveChanged = false;
    this.unsent = null; // a change the host has not heard of
    delete this.root.dataset.live;
    this.firstWords = [this.model.title, this.model.note];
    this.knobViews = new Map(); // "k.name" -> shows a value in its slider and number box
    this.knobGroups = [];
    if (!live) return;
    element("p", "cmxp-key-title", panel).textContent = "Change and see";
    this.liveNote = element("p", "cmxp-live-note", panel);
    this.liveNote.setAttribute("aria-live", "polite");
    if (live.reason) {
      this.liveNote.textContent = `No live controls: ${live.reason}.`;
      return;
    }
    this.liveNote.textContent = "Each change reruns the runs in this page.";
    live.series.forEach((s, k) => this.knobGroup(k));
    this.runsGroup();
  }

  group(label) {
    const node = element("div", "cmxp-knobs", this.controlsNode);
    node.setAttribute("role", "group");
    node.setAttribute("aria-label", label);
    const heading = element("p", "cmxp-knobs-name", node);
    heading.textContent = label;
    return {node, heading};
  }

  knobGroup(k) {
    const s = this.model.live.series[k], series = this.model.series[k], group = this.group(series.label);
    group.heading.style.borderColor = series.colour;
    this.knobGroups.push(group);
    if (!s.optimizer) {
      element("p", "cmxp-knob-why", group.node).textContent = `No controls: ${s.reason}.`;
      return;
    }
    const knobs = s.fields.filter((f) => f.knob), first = knobs.filter((f) => f.name === "lr");
    const rest = knobs.filter((f) => f.name !== "lr");
    const values = () => this.settings.values[k];
    const add = (parent, f) => this.knobView(parent, f, () => values()[f.name], (raw, commit) =>
      this.changeKnob(k, f, raw, commit), `${k}.${f.name}`);
    for (const f of first) add(group.node, f);
    if (rest.length) {
      const more = element("details", "cmxp-more", group.node);
      element("summary", "", more).textContent = plural(rest.length, "more setting");
      for (const f of rest) add(more, f);
    }
  }

  /* One knob: its title, then a slider and an exact number box (numbers), a list (choices) or a check box. */
  knobView(parent, field, value, change, key) {
    const line = element("div", "cmxp-knob", parent);
    element("span", "cmxp-knob-title", line).textContent = field.title;
    line.title = `${field.help} (${field.range})`;
    const named = (node) => {
      node.setAttribute("aria-label", field.symbol);
      return node;
    };
    if (field.kind === "choice" || field.kind === "bool") {
      const input = named(element(field.kind === "bool" ? "input" : "select", "cmxp-knob-choice", line));
      if (field.kind === "bool") input.type = "checkbox";
      for (const choice of field.choices) {
        const option = element("option", "", input);
        option.value = option.textContent = choice;
      }
      const show = (v) => { if (field.kind === "bool") input.checked = v; else input.value = v; };
      input.addEventListener("change", () => change(field.kind === "bool" ? input.checked : input.value, true));
      show(value());
      this.knobViews.set(key, show);
      return;
    }
    const slider = field.slider, range = slider ? named(element("input", "cmxp-knob-slider", line)) : null;
    const box = named(element("input", "cmxp-knob-number", line));
    box.type = "number";
    box.step = "any";
    if (range) {
      range.type = "range";
      range.min = slider.log ? "0" : String(slider.low);
      range.max = slider.log ? String(LOG_STOPS) : String(slider.high);
      range.step = slider.log ? "1" : String(slider.step || "any");
      const read = () => (slider.log ? logValue(slider, Number(range.value), field.kind) : Number(range.value));
      range.addEventListener("input", () => {
        box.value = String(read());
        change(read(), false);
      });
      range.addEventListener("change", () => change(read(), true));
    }
    box.addEventListener("change", () => change(box.value, true));
    const show = (v) => {
      box.value = String(v);
      if (range) range.value = String(slider.log ? logPosition(slider, v) : v);
    };
    show(value());
    this.knobViews.set(key, show);
  }

  runsGroup() {
    const live = this.model.live, group = this.group("runs");
    if (live.runsFixed) {
      element("p", "cmxp-knob-why", group.node).textContent = `The ${live.runsFixed}.`;
      return;
    }
    const steps = {name: "steps", title: "steps", symbol: "steps", kind: "int", help: "optimizer steps of every run",
      range: `an integer in [1, ${live.maxSteps}]`, low: 1, high: live.maxSteps, lowOpen: false, highOpen: false,
      slider: {low: 1, high: Math.min(live.maxSteps, STEPS_SLIDER_HIGH), log: true}};
    this.knobView(group.node, steps, () => this.settings.steps, (raw, commit) => this.changeSteps(steps, raw, commit),
      "steps");
    const line = element("div", "cmxp-knob", group.node);
    element("span", "cmxp-knob-title", line).textContent = "starts x,y; x,y";
    this.startsBox = element("input", "cmxp-knob-starts", line);
    this.startsBox.setAttribute("aria-label", "starts");
    this.startsBox.value = startsText(this.settings.starts);
    this.startsBox.addEventListener("change", () => this.changeStartsText(this.startsBox.value));
    element("p", "cmxp-knob-why", group.node).textContent =
      "Drag a start ○ on the map to move it; click the map to add one.";
    button(group.node, "↺ the runs first shown", "back to the runs first shown", () => this.resetLive());
  }

  /* The field's new value from raw input, or undefined: refused (the panel says why), or the value it has (a
   * slider's change after its last input: the runs are drawn, and the host is told if it may not know). */
  changedValue(field, raw, before, commit) {
    let value;
    try {
      value = checkedValue(field, raw);
    } catch (error) {
      this.sayLive(error.message, true);
      return undefined;
    }
    if (value !== before) return value;
    if (commit) this.tellHost();
    return undefined;
  }

  changeKnob(k, field, raw, commit) {
    const before = this.settings.values[k][field.name];
    const value = this.changedValue(field, raw, before, commit);
    if (value === undefined) return;
    this.settings.values[k][field.name] = value;
    if (!this.rerunSeries([k], commit)) {
      this.settings.values[k][field.name] = before;
      this.knobViews.get(`${k}.${field.name}`)(before);
    }
  }

  changeSteps(field, raw, commit) {
    const before = this.settings.steps;
    const value = this.changedValue(field, raw, before, commit);
    if (value === undefined) return;
    this.settings.steps = value;
    if (!this.rerunSeries(this.model.series.map((s, k) => k), commit)) {
      this.settings.steps = before;
      this.knobViews.get("steps")(before);
    }
  }

  /* New starts (every series reruns from them), unless the page refuses them: then it says why and keeps the old. */
  changeStarts(starts) {
    const live = this.model.live, box = this.model.landscape.box;
    const refused = !starts.length ? "There must be a start." :
      starts.length > live.maxStarts ? `This page holds at most ${plural(live.maxStarts, "start")}.` :
        starts.some(([x, y]) => !(x >= box[0] && x <= box[1] && y >= box[2] && y <= box[3])) ?
          `A start must lie in the box [${box.join(", ")}].` : "";
    const before = this.settings.starts;
    if (!refused) this.settings.starts = starts;
    if (refused || !this.rerunSeries(this.model.series.map((s, k) => k), true)) {
      this.settings.starts = before;
      if (refused) this.sayLive(refused, true);
    }
    this.startsBox.value = startsText(this.settings.starts);
  }

  changeStartsText(words) {
    const starts = words.split(";").filter((part) => part.trim()).map((part) => part.split(",").map((v) =>
      (v.trim() === "" ? NaN : Number(v))));
    if (!starts.every((p) => p.length === 2 && p.every(Number.isFinite))) {
      this.sayLive(`Starts are written x,y; x,y (got ${words.slice(0, 40)}).`, true);
      this.startsBox.value = startsText(this.settings.starts);
      return;
    }
    this.changeStarts(starts);
  }

  /* Whether a click may add a start here (else it goes to the host, or is shown as text). */
  addsStarts() {
    const live = this.settings && this.model.live;
    return Boolean(live) && !live.runsFixed && this.settings.starts.length < live.maxStarts;
  }

  addStart(point) {
    this.changeStarts([...this.settings.starts, [point.x, point.y]]);
  }

  /* The start ○ under (px, py), if the starts can move: its index, else -1. */
  startAt(px, py) {
    if (!this.settings || this.model.live.runsFixed || !this.view) return -1;
    let best = -1, reach = START_REACH;
    this.settings.starts.forEach(([x, y], n) => {
      const distance = Math.hypot(this.px(x) - px, this.py(y) - py);
      if (distance <= reach) [best, reach] = [n, distance];
    });
    return best;
  }

  moveStart(n, px, py) {
    const {width, height} = this.size, box = this.model.landscape.box;
    const inside = (p, a, b) => Math.max(Math.min(a, b), Math.min(Math.max(a, b), p));
    const point = this.pointAt(inside(px, this.px(box[0]), this.px(box[1])), inside(py, this.py(box[2]),
      this.py(box[3])));
    if (!point || !width || !height) return;
    this.changeStarts(this.settings.starts.map((start, m) => (m === n ? [point.x, point.y] : start)));
  }

  drawDraggedStart(context, drag) {
    context.beginPath();
    context.arc(drag.x, drag.y, 6, 0, 2 * Math.PI);
    context.lineWidth = 2;
    context.strokeStyle = "#111111";
    context.setLineDash([3, 2]);
    context.stroke();
    context.setLineDash([]);
  }

  /* Rerun series `indices` with the settings and redraw; past the page's limit it says so and (in the app) hands the
   * change to the host on commit. False when the change was not made (the caller takes it back). */
  rerunSeries(indices, commit) {
    const live = this.model.live, runSteps = cost(this.settings, indices.length);
    if (runSteps > live.limit) {
      const size = `${plural(this.settings.starts.length, "run")} × ${plural(this.settings.steps, "step")}` +
        `${indices.length > 1 ? ` × ${indices.length} optimizers` : ""} is ${runSteps.toLocaleString("en")} ` +
        `run-steps, more than the ${live.limit.toLocaleString("en")} this page computes at once`;
      if (!this.host.onLive) {
        this.sayLive(`${size}: lower the steps or the starts, or run it in Python.`, true);
        return false;
      }
      this.unsent = {drawn: false};
      if (commit) this.tellHost();
      this.sayLive(`${size}: the server computes it.`, false);
      return true;
    }
    const started = performance.now();
    for (const k of indices) {
      const series = this.model.series[k];
      Object.assign(series, rerun(live, k, this.settings), {basins: null, basinRuns: 0});
      if (this.model.overlays && this.model.overlays.series === series) this.model.overlays = null;
    }
    this.redrawRerun();
    const took = performance.now() - started;
    if (performance.measure) performance.measure("cmx-live-recompute", {start: started, duration: took,
      detail: {runSteps}});
    this.sayLive(`Rerun in this page in ${Math.max(1, Math.round(took))} ms (${runSteps.toLocaleString("en")} ` +
      "run-steps). The teaching overlays and basin lanes are Python's: they are hidden for runs changed here" +
      `${this.host.onLive ? " until the server runs these settings" : ""}.`, false);
    this.unsent = {drawn: true};
    if (commit) this.tellHost();
    return true;
  }

  redrawRerun() {
    const model = this.model, last = model.frameSteps.length - 1, step = model.frameSteps[this.frame];
    align(model);
    labels(model.live, this.settings).forEach((label, k) => {
      model.series[k].label = label;
      this.knobGroups[k].node.setAttribute("aria-label", label);
      this.knobGroups[k].heading.textContent = label;
    });
    this.frame = this.frame >= last ? model.frameSteps.length - 1 : this.frameAtStep(step);
    // The title and note were written for the runs first shown: they hold while starts were only added to them.
    [model.title, model.note] = this.onlyAddedStarts() ? this.firstWords : ["", ""];
    this.liveChanged = true;
    this.root.dataset.live = "changed";
    this.panels = null;
    this.fill();
    Object.assign(this.dirty, {marks: true, paths: true, tracks: true}); // the landscape's picture stays as it is
    this.resize();
    this.render();
  }

  onlyAddedStarts() {
    const live = this.model.live, settings = this.settings;
    return settings.steps === live.steps && live.starts.every(([x, y], n) => n < settings.starts.length &&
      settings.starts[n][0] === x && settings.starts[n][1] === y) &&
      live.series.every((s, k) => s.fields.every((f) => settings.values[k][f.name] === f.value));
  }

  sayLive(words, problem) {
    this.liveNote.textContent = words;
    this.liveNote.classList.toggle("cmxp-live-problem", problem);
  }

  /* The host (the app) learns a committed change it has not heard of (this.unsent: whether the page drew its runs):
   * the knobs of every series, the starts and the steps. */
  tellHost() {
    if (!this.unsent || !this.host.onLive) return;
    const live = this.model.live, drawn = this.unsent.drawn;
    this.unsent = null;
    this.sentChanges = (this.sentChanges || 0) + 1;
    this.host.onLive({optimizers: live.series.map((s, k) => ({name: s.kind, values: Object.fromEntries(
      s.fields.filter((f) => f.knob).map((f) => [f.name, this.settings.values[k][f.name]]))})),
    starts: this.settings.starts, steps: this.settings.steps, drawn, seq: this.sentChanges});
  }

  /* The host took this page's change and sent back the runs the page changed (page_runs, the app's rerun after a
   * change): the page's own stay. So they do over a payload the host built before it heard of the page's last change
   * (a run already under way then: it answers the change with its next). Any other payload, even of those same runs
   * (an undo back to them), is shown. */
  keepsChanges(payload) {
    if (payload && typeof payload.live_seq === "number" && payload.live_seq < (this.sentChanges || 0)) return true;
    const live = this.liveChanged && this.model && this.model.live;
    return Boolean(live && live.revision && payload && payload.page_runs && payload.live
                   && payload.live.revision === live.revision);
  }

  resetLive() {
    this.liveChanged = false;
    this.setData(this.received);
    if (!this.settings) return;
    this.unsent = {drawn: true};
    this.tellHost();
  }
}
