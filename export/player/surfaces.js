/* cmx's engine in plain JS, its surfaces: every landscape the engine runs, each {dim, low, high, value, grad} over
 * flat (n, d) points, built from a landscape program (engine.js's header states the data contract; engine.js imports
 * this file). Where a surface needs only + - * / and squares, its value and gradient are NumPy's bit for bit. */

// ---- landscapes: {dim, low, high, value(X, n, out (n)), grad(X, n, out (n*d))} over flat (n, d) points -----------
// Each closed form is the one its landscapes/ class evaluates, operation by operation (`value` is f, what
// experiments.run records as the losses).

export const square = (v) => v * v; // NumPy's x**2 is this product, and so is Math.pow(x, 2); x**3 and up are pow's

function planar(program, value, grad) {
  return {
    dim: 2,
    low: program.low,
    high: program.high,
    value(X, n, out) {
      for (let r = 0; r < n; r++) out[r] = value(X[2 * r], X[2 * r + 1]);
      return out;
    },
    grad(X, n, out) {
      for (let r = 0; r < n; r++) grad(X[2 * r], X[2 * r + 1], out, 2 * r);
      return out;
    },
  };
}

/* landscapes.classic.GoldsteinPrice: f = a(w) b(u) with w = x + y, u = 2x - 3y, and its `_factors`. */
function goldsteinPrice(program) {
  return planar(program, (x, y) => {
    const a = 1 + square(x + y + 1) * (19 - 14 * x + 3 * square(x) - 14 * y + 6 * x * y + 3 * square(y));
    const b = 30 + square(2 * x - 3 * y) * (18 - 32 * x + 12 * square(x) + 48 * y - 36 * x * y + 27 * square(y));
    return a * b;
  }, (x, y, out, i) => {
    const w = x + y, s = w + 1.0, p = 19.0 + w * (3.0 * w - 14.0), pW = 6.0 * w - 14.0;
    const a = 1.0 + s * s * p, aW = s * (2.0 * p + s * pW);
    const u = 2.0 * x - 3.0 * y, q = 18.0 + u * (3.0 * u - 16.0), qU = 6.0 * u - 16.0;
    const b = 30.0 + u * u * q, bU = u * (2.0 * q + u * qU);
    const common = aW * b, cross = a * bU;
    out[i] = common + 2.0 * cross;
    out[i + 1] = common - 3.0 * cross;
  });
}

function rosenbrock(program) {
  const {a, b} = program;
  return planar(program, (x, y) => square(a - x) + b * square(y - square(x)), (x, y, out, i) => {
    const r = y - square(x);
    out[i] = -2 * (a - x) - 4 * b * x * r;
    out[i + 1] = 2 * b * r;
  });
}

function himmelblau(program) {
  return planar(program, (x, y) => square(square(x) + y - 11) + square(x + square(y) - 7), (x, y, out, i) => {
    const u = square(x) + y - 11, w = x + square(y) - 7;
    out[i] = 4 * x * u + 2 * w;
    out[i + 1] = 2 * u + 4 * y * w;
  });
}

function sixHumpCamel(program) {
  return planar(program, (x, y) => (4 - 2.1 * square(x) + x ** 4 / 3) * square(x) + x * y
    + (4 * square(y) - 4) * square(y), (x, y, out, i) => {
    out[i] = 8 * x - 8.4 * x ** 3 + 2 * x ** 5 + y;
    out[i + 1] = x - 8 * y + 16 * y ** 3;
  });
}

function beale(program) {
  return planar(program, (x, y) => square(1.5 - x + x * y) + square(2.25 - x + x * square(y))
    + square(2.625 - x + x * y ** 3), (x, y, out, i) => {
    const u1 = 1.5 - x + x * y, u2 = 2.25 - x + x * square(y), u3 = 2.625 - x + x * y ** 3;
    out[i] = 2 * u1 * (y - 1) + 2 * u2 * (square(y) - 1) + 2 * u3 * (y ** 3 - 1);
    out[i + 1] = 2 * u1 * x + 4 * u2 * x * y + 6 * u3 * x * square(y);
  });
}

/* np.rint: to the nearest integer, halves to even (Math.round takes halves up). */
function roundHalfEven(v) {
  const r = Math.round(v);
  return r - v === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/* landscapes.classic.sin_cos_2pi: sin 2πx and cos 2πx from tan(π r), r = x - rint(x). */
function sinCos2Pi(v) {
  const t = Math.tan((v - roundHalfEven(v)) * Math.PI);
  const twiceCos2 = 2.0 / (t * t + 1.0);
  return [t * twiceCos2, twiceCos2 - 1.0];
}

/* Ackley in the plane (d = 2): the cone's gradient is 0 at its tip. */
function ackley(program) {
  return planar(program, (x, y) => {
    const s = Math.sqrt((square(x) + square(y)) / 2);
    const c = (Math.cos(2 * Math.PI * x) + Math.cos(2 * Math.PI * y)) / 2;
    return -20 * Math.exp(-0.2 * s) - Math.exp(c) + Math.E + 20;
  }, (x, y, out, i) => {
    const s = Math.sqrt((square(x) + square(y)) / 2);
    const cone = s === 0 ? 0.0 : Math.exp(-0.2 * s) * (4.0 / 2) / s;
    const [sinX, cosX] = sinCos2Pi(x), [sinY, cosY] = sinCos2Pi(y);
    const wave = Math.exp((cosX + cosY) / 2) * (2 * Math.PI / 2);
    out[i] = cone * x + wave * sinX;
    out[i + 1] = cone * y + wave * sinY;
  });
}

function rastrigin(program) {
  const term = (v) => square(v) - 10 * Math.cos(2 * Math.PI * v);
  const slope = (v) => 2 * v + 20 * Math.PI * Math.sin(2 * Math.PI * v);
  return planar(program, (x, y) => 10 * 2 + (term(x) + term(y)), (x, y, out, i) => {
    out[i] = slope(x);
    out[i + 1] = slope(y);
  });
}

/* round-to-odd(x + y): the sum truncated toward zero, its last bit set when inexact (for the fused multiply-add). */
const ODD_VIEW = new Float64Array(1), ODD_WORDS = new Uint32Array(ODD_VIEW.buffer); // little-endian: [low, high]

function oddSum(x, y) {
  const sum = x + y, yPart = sum - x, error = (x - (sum - yPart)) + (y - yPart);
  if (error === 0 || !Number.isFinite(sum)) return sum;
  ODD_VIEW[0] = sum;
  if (error < 0 === sum > 0) { // the exact sum lies nearer zero: one ulp less in magnitude
    if (ODD_WORDS[0] === 0) ODD_WORDS[1] -= 1;
    ODD_WORDS[0] -= 1;
  }
  ODD_WORDS[0] |= 1;
  return ODD_VIEW[0];
}

/* a b + c rounded once, as a fused multiply-add instruction computes it (Boldo & Melquiond 2008: the exact product,
 * an exact sum, a round-to-odd sum, one rounding). */
function fusedMultiplyAdd(a, b, c) {
  const product = a * b;
  if (!Number.isFinite(product) || !Number.isFinite(c)) return product + c;
  const high = c + product, productPart = high - c;
  const low = (c - (high - productPart)) + (product - productPart);
  return high + oddSum(low, productError(a, b, product));
}

/* ½ (x-c)ᵀ A (x-c) in any dimension; the gradient is (x - c) A, row by row (x itself when c is 0, as in NumPy). A
 * product by A sums its terms in order with fused multiply-adds: NumPy's matmul, as OpenBLAS computes it here. */
function quadratic(program) {
  const d = program.dim, A = program.A.flat(), c = program.c, centred = c.some((v) => v !== 0);
  const offset = new Float64Array(d), product = new Float64Array(d);
  function multiply(X, r, shift) {
    for (let i = 0; i < d; i++) offset[i] = shift ? X[r * d + i] - c[i] : X[r * d + i];
    for (let j = 0; j < d; j++) {
      let sum = offset[0] * A[j];
      for (let i = 1; i < d; i++) sum = fusedMultiplyAdd(offset[i], A[i * d + j], sum);
      product[j] = sum;
    }
  }
  return {
    dim: d,
    low: program.low,
    high: program.high,
    value(X, n, out) {
      for (let r = 0; r < n; r++) {
        multiply(X, r, true);
        let sum = product[0] * offset[0];
        for (let j = 1; j < d; j++) sum += product[j] * offset[j];
        out[r] = 0.5 * sum;
      }
      return out;
    },
    grad(X, n, out) {
      for (let r = 0; r < n; r++) {
        multiply(X, r, centred);
        for (let j = 0; j < d; j++) out[r * d + j] = product[j];
      }
      return out;
    },
  };
}

/* landscapes.quadratics.QuadraticBasins in the plane: q_k = depth_k + ½ (x-c_k)ᵀ A_k (x-c_k), f the smooth minimum
 * -tau log Σ exp(-q_k/tau), the gradient Σ w_k A_k (x - c_k) with softmax weights; exponents are raised to
 * exp_floor and exp(exp_floor) subtracted, as there. Round bowls multiply by their scale, as NumPy does. */
function quadraticBasins(program) {
  const {centres, hessians, depths, tau, exp_floor: floor, exp_at_floor: atFloor} = program;
  const K = centres.length;
  const round = hessians.every((A) => A[0][1] === 0 && A[1][0] === 0 && A[1][1] === A[0][0]);
  const Gx = new Float64Array(K), Gy = new Float64Array(K), q = new Float64Array(K);
  function bowls(x, y) {
    for (let k = 0; k < K; k++) {
      const dx = x - centres[k][0], dy = y - centres[k][1], A = hessians[k];
      if (round) {
        Gx[k] = dx * A[0][0];
        Gy[k] = dy * A[0][0];
      } else {
        Gx[k] = A[0][0] * dx + A[0][1] * dy;
        Gy[k] = A[1][0] * dx + A[1][1] * dy;
      }
      q[k] = (dx * Gx[k] + dy * Gy[k]) * 0.5 + depths[k];
    }
  }
  const weight = (exponent) => Math.exp(Math.max(exponent, floor)) - atFloor;
  return planar(program, (x, y) => {
    bowls(x, y);
    let low = q[0];
    for (let k = 1; k < K; k++) low = Math.min(low, q[k]);
    let total = weight((low - q[0]) / tau);
    for (let k = 1; k < K; k++) total += weight((low - q[k]) / tau);
    return low - Math.log(total) * tau;
  }, (x, y, out, i) => {
    bowls(x, y);
    let top = q[0] / -tau;
    for (let k = 1; k < K; k++) top = Math.max(top, q[k] / -tau);
    let total = 0;
    for (let k = 0; k < K; k++) {
      q[k] = weight(q[k] / -tau - top);
      total = k === 0 ? q[0] : total + q[k];
    }
    let gx = 0, gy = 0;
    for (let k = 0; k < K; k++) {
      const w = q[k] / total;
      gx = k === 0 ? Gx[0] * w : gx + Gx[k] * w;
      gy = k === 0 ? Gy[0] * w : gy + Gy[k] * w;
    }
    out[i] = gx;
    out[i + 1] = gy;
  });
}

/* Each formula function: [value, slope(a, value)], autograd's derivative rules (landscapes.formula.FUNCTIONS). */
const FORMULA_FUNCTIONS = {
  sin: [Math.sin, (a) => Math.cos(a)],
  cos: [Math.cos, (a) => -Math.sin(a)],
  tan: [Math.tan, (a) => 1 / square(Math.cos(a))],
  asin: [Math.asin, (a) => 1 / Math.sqrt(1 - square(a))],
  acos: [Math.acos, (a) => -1 / Math.sqrt(1 - square(a))],
  atan: [Math.atan, (a) => 1 / (1 + square(a))],
  sinh: [Math.sinh, (a) => Math.cosh(a)],
  cosh: [Math.cosh, (a) => Math.sinh(a)],
  tanh: [Math.tanh, (a) => 1 / square(Math.cosh(a))],
  exp: [Math.exp, (a, value) => value],
  log: [Math.log, (a) => 1 / a],
  log2: [Math.log2, (a) => 1 / a / Math.LN2],
  log10: [Math.log10, (a) => 1 / a / Math.LN10],
  sqrt: [Math.sqrt, (a) => 0.5 * a ** -0.5],
  abs: [Math.abs, (a) => (a === 0 ? 0 : a / Math.abs(a))],
};

/* A custom formula: its instructions evaluated with forward-mode derivatives (a value and the two partial
 * derivatives per instruction); a constant operand has no derivative, as autograd never differentiates one. The
 * gradient is nan wherever f is not finite, as landscapes.formula.Custom makes it. */
function custom(program) {
  const code = program.code, size = code.length;
  const constant = code.map(([op]) => op === "const");
  const value = new Float64Array(size), dx = new Float64Array(size), dy = new Float64Array(size);
  function evaluate(x, y) {
    for (let i = 0; i < size; i++) {
      const [op, a, b] = code[i];
      let v, slopeA = 0, slopeB = 0; // d(value)/d(operand a), d(value)/d(operand b)
      if (op === "x" || op === "y" || op === "const") {
        value[i] = op === "x" ? x : op === "y" ? y : a;
        dx[i] = op === "x" ? 1 : 0;
        dy[i] = op === "y" ? 1 : 0;
        continue;
      }
      const va = value[a], vb = value[b];
      switch (op) {
        case "neg": v = -va; slopeA = -1; break;
        case "add": v = va + vb; slopeA = 1; slopeB = 1; break;
        case "sub": v = va - vb; slopeA = 1; slopeB = -1; break;
        case "mul": v = va * vb; slopeA = vb; slopeB = va; break;
        case "div": v = va / vb; slopeA = 1 / vb; slopeB = -va / (vb * vb); break;
        case "pow":
          v = vb === 2 ? va * va : va ** vb; // NumPy's power by 2 is the product, whatever the browser's pow does
          slopeA = constant[a] ? 0 : vb * va ** (vb === 0 ? 1 : vb - 1);
          slopeB = constant[b] ? 0 : Math.log(va === 0 ? 1 : va) * v;
          break;
        default: {
          const [apply, slope] = FORMULA_FUNCTIONS[op];
          v = apply(va);
          slopeA = slope(va, v);
        }
      }
      value[i] = v;
      dx[i] = (constant[a] ? 0 : slopeA * dx[a]) + (b === undefined || constant[b] ? 0 : slopeB * dx[b]);
      dy[i] = (constant[a] ? 0 : slopeA * dy[a]) + (b === undefined || constant[b] ? 0 : slopeB * dy[b]);
    }
  }
  return planar(program, (x, y) => {
    evaluate(x, y);
    return value[size - 1];
  }, (x, y, out, i) => {
    evaluate(x, y);
    const defined = Number.isFinite(value[size - 1]);
    out[i] = defined ? dx[size - 1] : NaN;
    out[i + 1] = defined ? dy[size - 1] : NaN;
  });
}

/* The landscapes by program kind (export/player/engine_spec.py names them). */
const LANDSCAPES = {
  goldstein_price: goldsteinPrice,
  rosenbrock,
  himmelblau,
  six_hump_camel: sixHumpCamel,
  beale,
  ackley,
  rastrigin,
  quadratic,
  quadratic_basins: quadraticBasins,
  custom,
};
export const LANDSCAPE_KINDS = Object.keys(LANDSCAPES);

export function landscapeOf(program) {
  const build = LANDSCAPES[program.kind];
  if (!build) throw new Error(`the engine has no landscape '${program.kind}'`);
  return build(program);
}
