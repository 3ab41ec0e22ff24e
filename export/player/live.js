/* cmx trajectory player: the live part (export/player/live.py builds it; model.js's header states it): the settings a
 * page may change (each optimizer's knobs, the steps, the starts), checked as Python's specs.Field checks them, and
 * the series rerun with engine.js. No DOM: controls.js draws the controls and calls these.
 */

import {runProgram} from "./engine.js";

const FIELD_KINDS = ["float", "int", "choice", "bool", "text"];
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i; // a number as a person types it (no 0x10, no Infinity)

function isNumber(value) {
  return typeof value === "number" && Number.isFinite(value);
}

function words(value) {
  return typeof value === "string" ? value : "";
}

/* A field of the live part, checked, with JS names. */
export function readField(f) {
  if (!f || typeof f.name !== "string" || !FIELD_KINDS.includes(f.kind)) throw new Error("a field is malformed");
  const bound = (v) => (isNumber(v) ? v : null);
  const slider = f.slider && isNumber(f.slider.low) && isNumber(f.slider.high) && f.slider.low < f.slider.high ?
    {low: f.slider.low, high: f.slider.high, log: f.slider.log === true && f.slider.low > 0,
      step: isNumber(f.slider.step) && f.slider.step > 0 ? f.slider.step : null} : null;
  return {name: f.name, title: words(f.title) || f.name, symbol: words(f.symbol) || f.name, kind: f.kind,
    help: words(f.help), range: words(f.range), value: f.value, default: f.default, low: bound(f.low),
    high: bound(f.high), lowOpen: f.low_open === true, highOpen: f.high_open === true,
    choices: Array.isArray(f.choices) ? f.choices.filter((c) => typeof c === "string") : [], knob: f.knob === true,
    slider};
}

/* The payload's live part as the page uses it: null when there is none, {reason} when the page cannot rerun it. */
export function readLive(part, seriesCount) {
  if (part === null || part === undefined) return null;
  if (!part.landscape) return {reason: words(part.reason) || "this page cannot rerun its runs"};
  const starts = part.starts;
  const whole = (v) => Number.isInteger(v) && v >= 1;
  if (!Array.isArray(part.series) || part.series.length !== seriesCount || !Array.isArray(starts) || !starts.length ||
    !starts.every((p) => Array.isArray(p) && p.length === 2 && p.every(isNumber)) ||
    ![part.steps, part.max_steps, part.points_per_run, part.limit, part.max_starts].every(whole)) {
    throw new Error("its live part does not match its series");
  }
  return {
    landscape: part.landscape, starts: starts.map(([x, y]) => [x, y]), steps: part.steps, maxSteps: part.max_steps,
    pointsPerRun: part.points_per_run, limit: part.limit, maxStarts: part.max_starts,
    runsFixed: words(part.runs_fixed), revision: words(part.revision),
    series: part.series.map((s) => ({kind: words(s.kind), name: words(s.name), fields: (s.fields || []).map(readField),
      optimizer: s.optimizer && typeof s.optimizer.kind === "string" ? s.optimizer : null,
      reason: words(s.reason)})),
  };
}

/* What the page runs: every series' parameter values, the starts [[x, y]] and the steps (a copy to change). */
export function settingsOf(live) {
  return {values: live.series.map((s) => Object.fromEntries(s.fields.map((f) => [f.name, f.value]))),
    starts: live.starts.map(([x, y]) => [x, y]), steps: live.steps};
}

/* A value for `field` from a control (a number, a number's text, a choice, a bool), checked as specs.Field.check
 * checks it; an Error in Python's words otherwise: "lr must be a number in (0, 10000] (got -1)". */
export function checkedValue(field, raw) {
  if (field.kind === "choice" && field.choices.includes(raw)) return raw;
  if (field.kind === "bool" && typeof raw === "boolean") return raw;
  if (field.kind === "int" || field.kind === "float") {
    const value = typeof raw === "number" ? raw : DECIMAL.test(String(raw).trim()) ? Number(raw) : NaN;
    const above = field.low === null || value > field.low || (!field.lowOpen && value === field.low);
    const below = field.high === null || value < field.high || (!field.highOpen && value === field.high);
    if (isNumber(value) && (field.kind === "float" || Number.isInteger(value)) && above && below) return value;
  }
  throw new Error(`${field.name} must be ${field.range} (got ${String(raw).slice(0, 40) || "nothing"})`);
}

/* Python's repr of a float: its shortest digits, written with an exponent below 1e-4 and from 1e16. */
function pythonFloat(value) {
  const [digits, exponent] = value.toExponential().split("e");
  const e = Number(exponent);
  if (e < -4 || e >= 16) return `${digits}e${e < 0 ? "-" : "+"}${String(Math.abs(e)).padStart(2, "0")}`;
  return Number.isInteger(value) ? `${value}.0` : String(value);
}

/* A value of a field of `kind` as specs.Field.format writes it (and so a label): 0.05, 1e-08, 5, true, grad_norm. */
export function formatValue(value, kind = "float") {
  if (typeof value === "boolean" || !isNumber(value)) return String(value);
  if (kind === "int" || (Number.isInteger(value) && Math.abs(value) < 1e15)) return value.toFixed(0);
  return pythonFloat(value);
}

const ALWAYS_SHOWN = new Set(["lr"]);

/* Each series' label as export.labels.optimizer_labels writes it: its name and, in brackets, every parameter (seed
 * aside) that differs between the series, differs from its default, or is lr; repeats numbered " #k". */
export function labels(live, settings) {
  const seen = new Map();
  live.series.forEach((s, k) => {
    for (const f of s.fields) {
      if (!seen.has(f.name)) seen.set(f.name, new Set());
      seen.get(f.name).add(settings.values[k][f.name]);
    }
  });
  const out = live.series.map((s, k) => {
    const values = settings.values[k];
    const shown = s.fields.filter((f) => f.name !== "seed" && (ALWAYS_SHOWN.has(f.name) || seen.get(f.name).size > 1 ||
      values[f.name] !== f.default));
    shown.sort((a, b) => ALWAYS_SHOWN.has(a.name) - ALWAYS_SHOWN.has(b.name)); // lr last, the rest in order
    const text = shown.map((f) => `${f.symbol}=${formatValue(values[f.name], f.kind)}`).join(", ");
    return s.name + (text ? ` (${text})` : "");
  });
  const counts = new Map(), numbered = new Map();
  for (const label of out) counts.set(label, (counts.get(label) || 0) + 1);
  return out.map((label) => {
    if (counts.get(label) < 2) return label;
    numbered.set(label, (numbered.get(label) || 0) + 1);
    return `${label} #${numbered.get(label)}`;
  });
}

/* Run-steps a change costs: every start, every step, each series it reruns. */
export function cost(settings, seriesCount) {
  return settings.starts.length * settings.steps * seriesCount;
}

/* Series k rerun with `settings`, as the payload's arrays (float32 positions (R, N, 2) and losses (R, N), int32
 * steps, stops): every k-th step recorded so that a run keeps at most the live part's points_per_run. */
export function rerun(live, k, settings) {
  const optimizer = live.series[k].optimizer;
  const every = Math.max(1, Math.ceil(settings.steps / live.pointsPerRun));
  const result = runProgram({landscape: live.landscape, starts: settings.starts, steps: settings.steps, every,
    optimizer: {kind: optimizer.kind, params: {...optimizer.params, ...settings.values[k]}}});
  const runs = settings.starts.length, recorded = result.recordedSteps.length, d = live.landscape.dim;
  const positions = new Float32Array(recorded * runs * 2);
  for (let i = 0; i < recorded * runs; i++) {
    positions[2 * i] = result.positions[d * i];
    positions[2 * i + 1] = result.positions[d * i + 1];
  }
  return {runs, recorded, steps: result.recordedSteps, positions, losses: Float32Array.from(result.losses),
    stoppedAt: Array.from(result.stoppedAt), reasons: Array.from(result.stopReason)};
}
