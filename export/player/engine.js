/* cmx's engine in plain JS: the NumPy engine's runs (experiments/run.py, optimizers/, landscapes/) computed in the
 * page or in node. An ES module with no imports that fetches nothing; its top-level names differ from player.js's,
 * so the two files can also be inlined one after the other.
 *
 * Data contract (programs are built by export/player/engine_spec.py, which refuses what this file cannot run):
 *   run program:       {landscape, optimizer, starts: [[x0, ..., x_d-1] per run], steps, every, run_ids?}
 *   landscape program: {kind, dim, low: [d], high: [d], ...the kind's parameters}, kind one of LANDSCAPE_KINDS:
 *     goldstein_price, himmelblau, six_hump_camel, beale, ackley, rastrigin: nothing more (in the plane)
 *     rosenbrock: a, b;   quadratic: A [d][d], c [d] (f = ½ (x-c)ᵀ A (x-c), in any dimension)
 *     quadratic_basins: centres [K][2], hessians [K][2][2], depths [K], tau, exp_floor, exp_at_floor
 *       (two_basin and random_basins in the plane: f = -tau log Σ exp(-q_k/tau))
 *     custom: code, a formula as instructions (export/player/formula_program.py states them)
 *   optimizer program: {kind: its registry name, a key of OPTIMIZERS; params: every parameter as the registry
 *     checked it}; params.noise > 0 adds gradient noise around any of them, as optimizers/registry.py does.
 *   runProgram(program) -> {recordedSteps Int32Array (R), positions Float64Array (R, N, d), losses Float64Array
 *     (R, N), stoppedAt Int32Array (N) (-1: ran every step), stopReason Int8Array (N) (0 ran, 1 diverged,
 *     2 gradient undefined), gradEvals Float64Array (N)}; arrays are flat and row-major. Recorded: every `every`-th
 *     step, the start and the last step always.
 * Arithmetic: each step does NumPy's operations in NumPy's order on float64 (a matrix product as OpenBLAS's fused
 * multiply-adds), so where a surface needs + - * / and squares alone (Goldstein-Price, quadratics, Rosenbrock,
 * Himmelblau) a run without noise is NumPy's bit for bit (for normal numbers: the fused multiply-add is emulated by
 * Dekker's split, which is exact only above 2.2e-308). exp, log, cos, tan and x**k (k > 2) are the browser's,
 * which round some last bits differently from NumPy's SIMD routines: there runs agree to about 1e-15 a step, and the
 * difference stays that small except where the dynamics are chaotic (SAM bouncing in a minimum amplifies one bit to
 * the lr's scale within 300 steps, as it amplifies a start moved by one bit in NumPy itself). The random stream is
 * optimizers/counter_rng.py's: splitmix64 on two uint32 halves, bit for bit; its normals take counter_rng's
 * formulas with the browser's log and cos (a last bit may differ).
 */

import {LANDSCAPE_KINDS, landscapeOf, square} from "./surfaces.js";

export {LANDSCAPE_KINDS, landscapeOf}; // the surfaces are part of the engine's interface

// ---- b^t, as Python computes float ** int (rounded once) ----------------------------------------------------------

const SPLITTER = 134217729; // 2^27 + 1: Veltkamp's split of a double into two 26-bit halves

/* The rounding error of product = a * b, exactly: Dekker's product of the split halves. */
function productError(a, b, product) {
  const ac = SPLITTER * a, bc = SPLITTER * b;
  const a1 = ac - (ac - a), a2 = a - a1, b1 = bc - (bc - b), b2 = b - b1;
  return a1 * b1 - product + a1 * b2 + a2 * b1 + a2 * b2;
}

/* (ah + al) (bh + bl) as a double-double [high, low]. */
function doubleDoubleProduct(ah, al, bh, bl) {
  const product = ah * bh, error = productError(ah, bh, product) + (ah * bl + al * bh);
  const high = product + error;
  return [high, error - (high - product)];
}

/* base^exponent for an integer exponent >= 0, by squaring in double-double and rounding once at the end. Math.pow is
 * an ulp off Python's for a few percent of Adam's bias corrections; this, for none before 0.999^2904 (where Python's
 * pow is the one an ulp off), nor where b^t is exactly halfway between two doubles (b of a few bits, as 493/512 at
 * t = 6), which this rounds to even and glibc's pow may not. */
function powerOfInteger(base, exponent) {
  let rh = 1, rl = 0, bh = base, bl = 0;
  for (let rest = exponent; rest > 0; rest = Math.floor(rest / 2)) {
    if (rest % 2 === 1) [rh, rl] = doubleDoubleProduct(rh, rl, bh, bl);
    if (rest > 1) [bh, bl] = doubleDoubleProduct(bh, bl, bh, bl);
  }
  return rh + rl;
}

// ---- the counter-based random stream (optimizers/counter_rng.py) ------------------------------------------------
// A uint64 is two uint32 halves. The 64-bit helpers leave their result in WORD_HIGH, WORD_LOW: no allocation in the
// noise loop, which hashes two words per coordinate per gradient evaluation.

const GOLDEN = [0x9e3779b9, 0x7f4a7c15];
const MIX1 = [0xbf58476d, 0x1ce4e5b9];
const MIX2 = [0x94d049bb, 0x133111eb];
export const NOISE_STREAM = 1;
export const BUFFER_STREAM = 2;
const TWO_32 = 4294967296;
let WORD_HIGH = 0, WORD_LOW = 0;

function wordProduct(ah, al, bh, bl) {
  // al * bl in 16-bit pieces (each partial product is exact in a double), the cross terms mod 2^32.
  const a0 = al & 0xffff, a1 = al >>> 16, b0 = bl & 0xffff, b1 = bl >>> 16;
  const p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0;
  const middle = (p00 >>> 16) + (p01 & 0xffff) + (p10 & 0xffff);
  const carried = a1 * b1 + (p01 >>> 16) + (p10 >>> 16) + (middle >>> 16);
  WORD_HIGH = (carried + Math.imul(ah, bl) + Math.imul(al, bh)) >>> 0;
  WORD_LOW = Math.imul(al, bl) >>> 0;
}

function wordSum(ah, al, bh, bl) {
  const low = al + bl;
  WORD_LOW = low >>> 0;
  WORD_HIGH = (ah + bh + (low >= TWO_32 ? 1 : 0)) >>> 0;
}

/* splitmix64's finaliser. */
function wordMix(high, low) {
  let h = (high ^ (high >>> 30)) >>> 0, l = (low ^ ((low >>> 30) | (high << 2))) >>> 0;
  wordProduct(h, l, MIX1[0], MIX1[1]);
  h = WORD_HIGH;
  l = WORD_LOW;
  const h2 = (h ^ (h >>> 27)) >>> 0, l2 = (l ^ ((l >>> 27) | (h << 5))) >>> 0;
  wordProduct(h2, l2, MIX2[0], MIX2[1]);
  h = WORD_HIGH;
  l = WORD_LOW;
  WORD_HIGH = (h ^ (h >>> 31)) >>> 0;
  WORD_LOW = (l ^ ((l >>> 31) | (h << 1))) >>> 0;
}

/* key + mix(data + GOLDEN), mixed: jax's fold_in, for an integer 0 <= data < 2^53. */
function foldIn(high, low, data) {
  wordSum(Math.floor(data / TWO_32), data >>> 0, GOLDEN[0], GOLDEN[1]);
  wordMix(WORD_HIGH, WORD_LOW);
  wordSum(high, low, WORD_HIGH, WORD_LOW);
  wordMix(WORD_HIGH, WORD_LOW);
}

/* Calls visit(row, column, high, low) with the key of every (run, coordinate): counter_rng._keys. */
function forEachKey(seed, stream, runIds, counter, width, visit) {
  wordSum(Math.floor(seed / TWO_32), seed >>> 0, GOLDEN[0], GOLDEN[1]);
  wordMix(WORD_HIGH, WORD_LOW);
  foldIn(WORD_HIGH, WORD_LOW, stream);
  foldIn(WORD_HIGH, WORD_LOW, counter);
  const headHigh = WORD_HIGH, headLow = WORD_LOW;
  for (let row = 0; row < runIds.length; row++) {
    const run = runIds[row];
    wordProduct(Math.floor(run / TWO_32), run >>> 0, MIX1[0], MIX1[1]);
    wordSum(headHigh, headLow, WORD_HIGH, WORD_LOW);
    wordMix(WORD_HIGH, WORD_LOW);
    const runHigh = WORD_HIGH, runLow = WORD_LOW;
    for (let column = 0; column < width; column++) {
      wordProduct(0, column + 1, GOLDEN[0], GOLDEN[1]);
      wordSum(runHigh, runLow, WORD_HIGH, WORD_LOW);
      wordMix(WORD_HIGH, WORD_LOW);
      visit(row, column, WORD_HIGH, WORD_LOW);
    }
  }
}

/* (N, width) keys as uint32 pairs [high, low] per key, for the tests. */
export function randomWords(seed, stream, runIds, counter, width) {
  const words = new Uint32Array(runIds.length * width * 2);
  forEachKey(seed, stream, runIds, counter, width, (row, column, high, low) => {
    words[2 * (row * width + column)] = high;
    words[2 * (row * width + column) + 1] = low;
  });
  return words;
}

/* (N, width) floats in (0, 1): the top 53 bits of each key, plus a half, times 2^-53. */
export function uniform(seed, stream, runIds, counter, width, out = new Float64Array(runIds.length * width)) {
  forEachKey(seed, stream, runIds, counter, width, (row, column, high, low) => {
    out[row * width + column] = (high * 2097152 + (low >>> 11) + 0.5) * 1.1102230246251565e-16;
  });
  return out;
}

/* (N, width) standard normals by Box-Muller on two uniforms, counter_rng.normal's formulas. */
export function normal(seed, stream, runIds, counter, width, out = new Float64Array(runIds.length * width)) {
  const u = uniform(seed, stream, runIds, counter, 2 * width);
  for (let row = 0; row < runIds.length; row++) {
    for (let j = 0; j < width; j++) {
      const radius = u[row * 2 * width + j], angle = u[row * 2 * width + width + j];
      out[row * width + j] = Math.sqrt(-2.0 * Math.log(radius)) * Math.cos(2.0 * Math.PI * angle);
    }
  }
  return out;
}

/* (N,) integers uniform in [0, high). */
export function integers(seed, stream, runIds, counter, high) {
  const u = uniform(seed, stream, runIds, counter, 1);
  return Int32Array.from(u, (value) => Math.min(Math.trunc(value * high), high - 1));
}

// ---- optimizers: {gradEvals, init(n, d, runIds) -> state, update(state, x, grad, xNew)} ----------------------------
// `grad(points, out)` writes the gradient at points (n*d) into out and returns it; `update` writes the new points
// into xNew and advances the state in place. Each mirrors its optimizers/ module: the equation there, these loops.

/* Euclidean norm of each run's vector into out (n): optimizers.base.row_norms. */
function rowNorms(a, d, out) {
  for (let r = 0; r < out.length; r++) {
    let sum = square(a[r * d]);
    for (let j = 1; j < d; j++) sum += square(a[r * d + j]);
    out[r] = Math.sqrt(sum);
  }
  return out;
}

/* x - (lr / (1-b1^t)) * direction / (sqrt(v)/sqrt(1-b2^t) + eps) into out: optimizers.base.bias_corrected_step. */
function biasCorrectedStep(x, direction, v, t, lr, b1, b2, eps, out) {
  const root = Math.sqrt(1.0 - powerOfInteger(b2, t)), scale = lr / (1.0 - powerOfInteger(b1, t));
  for (let i = 0; i < x.length; i++) out[i] = x[i] - (direction[i] / (Math.sqrt(v[i]) / root + eps)) * scale;
}

function sgd({lr}) {
  return {
    gradEvals: 1,
    init: (n, d) => ({g: new Float64Array(n * d)}),
    update(state, x, grad, xNew) {
      const g = grad(x, state.g);
      for (let i = 0; i < x.length; i++) xNew[i] = x[i] - lr * g[i];
    },
  };
}

function momentum({lr, momentum: mu, nesterov}) {
  return {
    gradEvals: 1,
    init: (n, d) => ({t: 0, buf: new Float64Array(n * d), g: new Float64Array(n * d)}),
    update(state, x, grad, xNew) {
      const g = grad(x, state.g), buf = state.buf;
      for (let i = 0; i < x.length; i++) {
        buf[i] = state.t === 0 ? g[i] : mu * buf[i] + g[i];
        xNew[i] = x[i] - lr * (nesterov ? g[i] + mu * buf[i] : buf[i]);
      }
      state.t += 1;
    },
  };
}

function adam({lr, b1, b2, eps}) {
  return {
    gradEvals: 1,
    init: (n, d) => ({t: 0, m: new Float64Array(n * d), v: new Float64Array(n * d), g: new Float64Array(n * d)}),
    update(state, x, grad, xNew) {
      const g = grad(x, state.g), {m, v} = state;
      for (let i = 0; i < m.length; i++) {
        m[i] = m[i] * b1 + g[i] * (1.0 - b1);
        v[i] = v[i] * b2 + g[i] * g[i] * (1.0 - b2);
      }
      state.t += 1;
      biasCorrectedStep(x, m, v, state.t, lr, b1, b2, eps, xNew);
    },
  };
}

/* The critical buffer (optimizers/critical_buffer.py): slot-major priorities (C, n) and vectors (C, n, d). */
function emptyBuffer(n, d, capacity, runIds) {
  return {n, d, capacity, runIds, size: 0, offers: 0, priorities: new Float64Array(capacity * n),
    vectors: new Float64Array(capacity * n * d)};
}

/* Sum of the stored vectors into out (n*d), slot after slot (zero while empty). */
function bufferTotal(buffer, out) {
  const width = buffer.n * buffer.d, vectors = buffer.vectors;
  for (let i = 0; i < width; i++) {
    let sum = buffer.size > 0 ? vectors[i] : 0;
    for (let slot = 1; slot < buffer.size; slot++) sum += vectors[slot * width + i];
    out[i] = sum;
  }
  return out;
}

/* critical_buffer.offer: store (priority (n), vector (n*d)) per run under `rule`, then decay every priority. */
function offer(buffer, priority, vector, rule, seed, decay) {
  const {n, d, capacity, priorities, vectors} = buffer;
  const write = (slot, r) => {
    priorities[slot * n + r] = priority[r];
    for (let j = 0; j < d; j++) vectors[(slot * n + r) * d + j] = vector[r * d + j];
  };
  if (buffer.size < capacity || rule === "fifo" || rule === "legacy_slot0") {
    const slot = buffer.size < capacity ? buffer.size : rule === "fifo" ? buffer.offers % capacity : 0;
    for (let r = 0; r < n; r++) write(slot, r);
    buffer.size = Math.max(buffer.size, slot + 1);
  } else if (rule === "random") {
    const slots = integers(seed, BUFFER_STREAM, buffer.runIds, buffer.offers, capacity);
    for (let r = 0; r < n; r++) write(slots[r], r);
  } else { // "priority": the first slot of smallest priority, if the new priority is strictly larger
    for (let r = 0; r < n; r++) {
      let smallest = priorities[r];
      for (let slot = 1; slot < capacity; slot++) smallest = Math.min(smallest, priorities[slot * n + r]);
      if (!(priority[r] > smallest)) continue;
      let slot = 0;
      while (priorities[slot * n + r] !== smallest) slot++;
      write(slot, r);
    }
  }
  for (let i = 0; i < priorities.length; i++) priorities[i] *= decay;
  buffer.offers += 1;
}

/* Adam+CM's aggregate of a momentum u (optimizers.critical.momentum_aggregate) into out: u + mean(buffer) ("sum")
 * or the mean of u and the stored momenta together ("mean"). */
function momentumAggregate(u, buffer, aggregate, out) {
  bufferTotal(buffer, out);
  for (let i = 0; i < out.length; i++) {
    out[i] = aggregate === "sum" ? (buffer.size === 0 ? 0 : out[i] / buffer.size) + u[i]
      : (out[i] + u[i]) / (buffer.size + 1);
  }
  return out;
}

/* Adam with critical momenta, every knob of optimizers.critical.adam_cm (its docstring states the equations). */
function adamCM({lr, b1, b2, eps, top_c: capacity, decay, priority, aggregate, second_moment: secondMoment, seed,
  first_step: firstStep, bias_correction: biasCorrection, replacement}) {
  const rule = replacement === "legacy_slot0" ? "legacy_slot0"
    : priority === "fifo" || priority === "random" ? priority : "priority";
  const correctsAggregate = biasCorrection === "aggregate";
  return {
    gradEvals: 1,
    init(n, d, runIds) {
      const array = () => new Float64Array(n * d);
      return {t: 0, m: array(), v: array(), g: array(), a: array(), direction: array(), scratch: array(),
        gNorms: new Float64Array(n), mNorms: new Float64Array(n), buffer: emptyBuffer(n, d, capacity, runIds)};
    },
    update(state, x, grad, xNew) {
      const {m, v, a, buffer, scratch} = state, d = buffer.d;
      const g = grad(x, state.g), gNorms = rowNorms(g, d, state.gNorms);
      const t = state.t + 1, held = firstStep === "hold" && state.t === 0;
      let direction = a;
      if (held) { // the first call stores the gradient and does not move
        a.fill(0);
        offer(buffer, gNorms, g, rule, seed, decay);
      } else {
        for (let i = 0; i < m.length; i++) m[i] = m[i] * b1 + g[i] * (1.0 - b1);
        momentumAggregate(m, buffer, aggregate, a); // the buffer before this step's offer
        if (!correctsAggregate) { // the aggregate of the corrected momentum m/(1-b1^t)
          const correction = 1.0 - powerOfInteger(b1, t);
          for (let i = 0; i < m.length; i++) scratch[i] = m[i] / correction;
          direction = momentumAggregate(scratch, buffer, aggregate, state.direction);
        }
        offer(buffer, priority === "momentum_norm" ? rowNorms(m, d, state.mNorms) : gNorms, m, rule, seed, decay);
      }
      const source = secondMoment === "gradient" ? g : secondMoment === "aggregate" ? a : direction;
      // with the aggregate corrected, "direction" squares a/(1-b1^t), the step's direction
      const divisor = secondMoment === "direction" && correctsAggregate ? 1.0 - powerOfInteger(b1, t) : 1;
      for (let i = 0; i < v.length; i++) {
        const s = divisor === 1 ? source[i] : source[i] / divisor;
        v[i] = v[i] * b2 + s * s * (1.0 - b2);
      }
      state.t = t;
      biasCorrectedStep(x, direction, v, t, lr, correctsAggregate ? b1 : 0.0, b2, eps, xNew);
    },
  };
}

/* Feed the base optimizer h = g + mean(buffer) (h = g while the buffer is empty), then offer (||g||, g) and decay:
 * optimizers.critical.critical_gradients (Adam+CG around Adam). */
function criticalGradients(base, capacity, decay) {
  return {
    gradEvals: base.gradEvals,
    init(n, d, runIds) {
      return {inner: base.init(n, d, runIds), buffer: emptyBuffer(n, d, capacity, runIds), g: new Float64Array(n * d),
        h: new Float64Array(n * d), norms: new Float64Array(n)};
    },
    update(state, x, grad, xNew) {
      const {buffer, h} = state, g = grad(x, state.g);
      if (buffer.size === 0) h.set(g);
      else momentumAggregate(g, buffer, "sum", h); // g + mean(buffer)
      offer(buffer, rowNorms(g, buffer.d, state.norms), g, "priority", 0, decay);
      base.update(state.inner, x, (_, out) => {
        out.set(h);
        return out;
      }, xNew);
    },
  };
}

/* SAM around any base: e = rho g / (||g|| + 1e-12), the base steps from x with the gradient at x + e. */
function sam(base, rho) {
  return {
    gradEvals: base.gradEvals + 1,
    init(n, d, runIds) {
      return {inner: base.init(n, d, runIds), d, g: new Float64Array(n * d), e: new Float64Array(n * d),
        ascent: new Float64Array(n * d), norms: new Float64Array(n)};
    },
    update(state, x, grad, xNew) {
      const {d, e, ascent} = state, g = grad(x, state.g), norms = rowNorms(g, d, state.norms);
      for (let r = 0; r < norms.length; r++) {
        const scale = rho / (norms[r] + 1e-12);
        for (let j = 0; j < d; j++) e[r * d + j] = scale * g[r * d + j];
      }
      base.update(state.inner, x, (y, out) => {
        for (let i = 0; i < y.length; i++) ascent[i] = y[i] + e[i];
        return grad(ascent, out);
      }, xNew);
    },
  };
}

/* Every gradient the base sees gets sigma * N(0, I); run i's draw at evaluation k is the stream's (seed, i, k). */
function gradientNoise(base, sigma, seed) {
  return {
    gradEvals: base.gradEvals,
    init(n, d, runIds) {
      return {inner: base.init(n, d, runIds), evals: 0, runIds, d, draw: new Float64Array(n * d)};
    },
    update(state, x, grad, xNew) {
      let calls = 0;
      base.update(state.inner, x, (y, out) => {
        normal(seed, NOISE_STREAM, state.runIds, state.evals + calls, state.d, state.draw);
        calls += 1;
        grad(y, out);
        for (let i = 0; i < out.length; i++) out[i] += sigma * state.draw[i];
        return out;
      }, xNew);
      state.evals += calls;
    },
  };
}

/* The optimizers by registry name: a new one is its function above and one line here. */
const OPTIMIZERS = {
  sgd: (p) => sgd(p),
  momentum: (p) => momentum(p),
  adam: (p) => adam(p),
  adam_sam: (p) => sam(adam(p), p.rho),
  adam_cm: (p) => adamCM(p),
  adam_sam_cm: (p) => sam(adamCM(p), p.rho),
  adam_cg: (p) => criticalGradients(adam(p), p.top_c, p.decay),
};
export const OPTIMIZER_KINDS = Object.keys(OPTIMIZERS);

export function optimizerOf(program) {
  const build = OPTIMIZERS[program.kind], params = program.params;
  if (!build) throw new Error(`the engine has no optimizer '${program.kind}'`);
  return params.noise > 0 ? gradientNoise(build(params), params.noise, params.seed) : build(params);
}

// ---- runs: experiments.run.advance ------------------------------------------------------------------------------

const FAR_WIDTHS = 10.0; // a run is diverged once a coordinate is this many domain widths from the domain's centre
export const DIVERGED = 1, UNDEFINED = 2; // stopReason's codes (0: ran every step)

/* The recorded steps: 0, every `every`-th, and the last (experiments.run.recorded_step_indices). */
function recordedSteps(steps, every) {
  const kept = [];
  for (let t = 0; t <= steps; t += every) kept.push(t);
  if (kept[kept.length - 1] !== steps) kept.push(steps);
  return Int32Array.from(kept);
}

/* Advance n runs from starts (n*d) for `steps` steps. A run whose point leaves FAR_WIDTHS domain widths or stops
 * being finite is stopped: "gradient undefined" where the landscape's gradient was nan at its last (finite) point,
 * where it stays, else "diverged", where it went. A stopped run never moves again. */
export function run(landscape, optimizer, starts, n, steps, every = 1, runIds = null) {
  const d = landscape.dim, ids = runIds ?? Float64Array.from({length: n}, (_, r) => r);
  const centre = landscape.low.map((low, j) => (low + landscape.high[j]) / 2);
  const reach = landscape.low.map((low, j) => FAR_WIDTHS * (landscape.high[j] - low));
  const keep = recordedSteps(steps, every);
  const positions = new Float64Array(keep.length * n * d);
  const stoppedAt = new Int32Array(n).fill(-1), stopReason = new Int8Array(n);
  const grad = (points, out) => landscape.grad(points, n, out);
  const state = optimizer.init(n, d, ids);
  const rowGradient = new Float64Array(d);
  let x = Float64Array.from(starts), xNew = new Float64Array(n * d), stopped = 0, slot = 1;
  positions.set(x, 0);
  const near = (points, r) => {
    for (let j = 0; j < d; j++) if (!(Math.abs(points[r * d + j] - centre[j]) <= reach[j])) return false;
    return true;
  };
  for (let t = 1; t <= steps; t++) {
    optimizer.update(state, x, grad, xNew);
    for (let r = 0; r < n; r++) {
      if (stoppedAt[r] < 0 && !near(xNew, r)) {
        stoppedAt[r] = t;
        const undefinedHere = near(x, r)
          && landscape.grad(x.subarray(r * d, r * d + d), 1, rowGradient).some(Number.isNaN);
        stopReason[r] = undefinedHere ? UNDEFINED : DIVERGED;
        stopped += 1;
        if (undefinedHere) xNew.set(x.subarray(r * d, r * d + d), r * d);
      } else if (stoppedAt[r] >= 0 && stoppedAt[r] < t) {
        xNew.set(x.subarray(r * d, r * d + d), r * d); // frozen where it stopped
      }
    }
    [x, xNew] = [xNew, x];
    if (slot < keep.length && keep[slot] === t) positions.set(x, n * d * slot++);
    if (stopped === n) break;
  }
  for (; slot < keep.length; slot++) positions.set(x, n * d * slot); // every run stopped: the rest repeat x
  const losses = new Float64Array(keep.length * n);
  for (let row = 0; row < keep.length; row++) {
    landscape.value(positions.subarray(row * n * d, (row + 1) * n * d), n, losses.subarray(row * n, (row + 1) * n));
  }
  const gradEvals = Float64Array.from(stoppedAt, (at) => (at >= 0 ? at : steps) * optimizer.gradEvals);
  return {recordedSteps: keep, positions, losses, stoppedAt, stopReason, gradEvals};
}

/* A whole run program (see the data contract above). */
export function runProgram(program) {
  const landscape = landscapeOf(program.landscape), optimizer = optimizerOf(program.optimizer);
  const starts = Float64Array.from(program.starts.flat());
  const ids = program.run_ids ? Float64Array.from(program.run_ids) : null;
  return run(landscape, optimizer, starts, program.starts.length, program.steps, program.every ?? 1, ids);
}
