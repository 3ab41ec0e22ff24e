/* The JS engine's harness for the tests and the benchmark: one JSON request per line on stdin, one JSON answer per
 * line on stdout, until stdin closes (tests/js/node_engine.py is its Python end).
 *
 * Requests and answers (float64 arrays travel as base64 of their little-endian bytes, so nan, inf and every bit
 * survive; N runs, d coordinates, R recorded steps):
 *   {op: "run", program}  (a run program, export/player/engine.js's data contract) ->
 *     {recorded_steps [R], positions (R, N, d), losses (R, N), stopped_at [N], stop_reason [N], grad_evals [N]}
 *   {op: "evaluate", landscape, points: [[x, y], ...]} -> {values (N), grads (N, d)}
 *   {op: "random", seed, stream, runs: [ids], counter, width, high} ->
 *     {words: [[high, low] uint32 halves per key], uniform (N, width), normal (N, width), integers [N] below high}
 *   {op: "kinds"} -> {landscapes: [...], optimizers: [...]}: what the engine declares it runs
 *   {op: "time", program, repeats} -> {seconds}: the fastest of `repeats` runs of the program
 *   {op: "live", part, values: [{knob: value}] per series, starts?, steps?, rerun?: k} (part: a payload's live part,
 *     export/player/live.py) -> {labels: [...]} and, with rerun, series k rerun by live.js: {recorded_steps, positions
 *     (R, N, 2) and losses (R, N) as float32 values, stopped_at, stop_reason}
 *   {op: "format", values: [[value, kind]]} -> {texts}: live.js's formatValue of each
 *   {op: "check", field (a live part's field), raws: [...]} -> {checked: [{value} or {error}]}: live.js's checkedValue
 * A request the engine cannot serve answers {error: its message}. CMX_ENGINE_DIR, if set, is the folder to load from.
 */
import {readFileSync} from "node:fs";
import {createInterface} from "node:readline";

// engine.js, the surfaces.js it imports and live.js are ES modules with .js names and no package.json beside them:
// node (18 and up) reads a data: URL as one, so they are joined into one (the imports dropped), as html.py joins the
// player's. CMX_ENGINE_DIR names another folder holding them (the tests run altered engines to see that they fail).
const folder = process.env.CMX_ENGINE_DIR ? new URL(`file://${process.env.CMX_ENGINE_DIR}/`) :
  new URL("../../export/player/", import.meta.url);
const source = ["surfaces.js", "engine.js", "live.js"].map((name) => readFileSync(new URL(name, folder), "utf8"))
  .join("\n")
  .replace(/^import \{[^}]*\} from "\.\/[a-z]+\.js";$/gm, "").replace(/^export \{[^}]*\};.*$/gm, "");
const engine = await import(`data:text/javascript;base64,${Buffer.from(source).toString("base64")}`);

const bytes = (array) => Buffer.from(array.buffer, array.byteOffset, array.byteLength).toString("base64");

function answer(request) {
  switch (request.op) {
    case "run": {
      const result = engine.runProgram(request.program);
      return {recorded_steps: Array.from(result.recordedSteps), positions: bytes(result.positions),
        losses: bytes(result.losses), stopped_at: Array.from(result.stoppedAt),
        stop_reason: Array.from(result.stopReason), grad_evals: Array.from(result.gradEvals)};
    }
    case "evaluate": {
      const landscape = engine.landscapeOf(request.landscape), n = request.points.length;
      const points = Float64Array.from(request.points.flat());
      return {values: bytes(landscape.value(points, n, new Float64Array(n))),
        grads: bytes(landscape.grad(points, n, new Float64Array(n * landscape.dim)))};
    }
    case "random": {
      const {seed, stream, counter, width, high} = request, runs = Float64Array.from(request.runs);
      const words = engine.randomWords(seed, stream, runs, counter, width);
      return {words: Array.from({length: words.length / 2}, (_, i) => [words[2 * i], words[2 * i + 1]]),
        uniform: bytes(engine.uniform(seed, stream, runs, counter, width)),
        normal: bytes(engine.normal(seed, stream, runs, counter, width)),
        integers: Array.from(engine.integers(seed, stream, runs, counter, high))};
    }
    case "live": {
      const live = engine.readLive(request.part, request.part.series.length), settings = engine.settingsOf(live);
      request.values.forEach((values, k) => Object.assign(settings.values[k], values));
      if (request.starts) settings.starts = request.starts;
      if (request.steps) settings.steps = request.steps;
      const reply = {labels: engine.labels(live, settings)};
      if (Number.isInteger(request.rerun)) {
        const run = engine.rerun(live, request.rerun, settings);
        Object.assign(reply, {recorded_steps: Array.from(run.steps), positions: bytes(Float64Array.from(run.positions)),
          losses: bytes(Float64Array.from(run.losses)), stopped_at: run.stoppedAt, stop_reason: run.reasons});
      }
      return reply;
    }
    case "format":
      return {texts: request.values.map(([value, kind]) => engine.formatValue(value, kind))};
    case "check": {
      const field = engine.readField(request.field);
      return {checked: request.raws.map((raw) => {
        try {
          return {value: engine.checkedValue(field, raw)};
        } catch (error) {
          return {error: error.message};
        }
      })};
    }
    case "kinds":
      return {landscapes: engine.LANDSCAPE_KINDS, optimizers: engine.OPTIMIZER_KINDS};
    case "time": {
      let best = Infinity;
      for (let i = 0; i < request.repeats; i++) {
        const start = performance.now();
        engine.runProgram(request.program);
        best = Math.min(best, (performance.now() - start) / 1000);
      }
      return {seconds: best};
    }
    default:
      throw new Error(`unknown op ${JSON.stringify(request.op)}`);
  }
}

for await (const line of createInterface({input: process.stdin})) {
  let reply;
  try {
    reply = answer(JSON.parse(line));
  } catch (error) {
    reply = {error: String(error && error.stack || error)};
  }
  process.stdout.write(JSON.stringify(reply) + "\n");
}
