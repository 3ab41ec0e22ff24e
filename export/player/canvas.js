/* cmx trajectory player: small DOM and canvas helpers (elements, numbers in words, marks, arrows, labels) and the
 * pens that draw long paths at most a few points a pixel. */

export function element(tag, className, parent) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (parent) parent.appendChild(node);
  return node;
}

export function button(parent, icon, label, onClick) {
  const node = element("button", "cmxp-button", parent);
  node.type = "button";
  node.textContent = icon;
  node.title = label;
  node.setAttribute("aria-label", label);
  node.addEventListener("click", onClick);
  return node;
}

export function short(value) {
  if (!Number.isFinite(value)) return "—";
  const size = Math.abs(value);
  return size !== 0 && (size >= 1e5 || size < 1e-3) ? value.toExponential(2) : String(Number(value.toPrecision(4)));
}

export function plural(count, word) {
  return `${count} ${word}${count === 1 ? "" : "s"}`;
}

export function listSteps(steps) {
  return steps.length <= 5 ? steps.join(", ") : `${steps.slice(0, 5).join(", ")}, …`;
}

export function sizeCanvas(canvas, width, height) {
  const ratio = window.devicePixelRatio || 1;
  canvas.width = Math.max(1, Math.round(width * ratio));
  canvas.height = Math.max(1, Math.round(height * ratio));
  canvas.style.width = `${width}px`;
  canvas.style.height = `${height}px`;
  const context = canvas.getContext("2d");
  context.setTransform(ratio, 0, 0, ratio, 0, 0);
  return context;
}

export function layer(width, height) {
  const canvas = document.createElement("canvas");
  return {canvas, context: sizeCanvas(canvas, width, height)};
}

export function drawStar(context, x, y, radius) {
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

export function drawCross(context, x, y, size, colour) {
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

export function drawArrow(context, x0, y0, x1, y1, colour, width, dash) {
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

/* A label on a white plate at (x, y), moved left or down as needed to stay whole inside the canvas. */
export function labelText(context, words, x, y) {
  context.font = "11px system-ui, sans-serif";
  const width = context.measureText(words).width;
  const canvasWidth = context.canvas.width / (window.devicePixelRatio || 1);
  x = Math.max(2, Math.min(x, canvasWidth - width - 3));
  y = Math.max(12, y);
  context.fillStyle = "rgba(255,255,255,0.85)";
  context.fillRect(x - 2, y - 10, width + 4, 14);
  context.fillStyle = "#111111";
  context.fillText(words, x, y);
}

/* A polyline added to a context's path, leaving out every point within half a pixel of the last one drawn: a run of
 * 100,000 recorded points costs the pixels it crosses, not its points. `length` is the length drawn, in pixels. */
export class Pen {
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
 * highest and last there), so a track of 100,000 steps draws as fast as one of a few hundred. A column of one point
 * adds one point (the path's segments are what the stroke costs). */
export class ColumnPen {
  constructor(context) {
    this.context = context;
    this.open = false; // a column is being gathered: at, its first point, low, high, its last point, its count
    this.at = 0;
    this.fx = 0;
    this.fy = 0;
    this.low = 0;
    this.high = 0;
    this.lx = 0;
    this.ly = 0;
    this.count = 0;
    this.down = false;
    this.points = 0; // points added to the current polyline
  }

  point(x, y) {
    const column = Math.round(x);
    if (this.open && column === this.at) {
      if (y < this.low) this.low = y;
      if (y > this.high) this.high = y;
      this.lx = x;
      this.ly = y;
      this.count++;
      return;
    }
    this.flush();
    this.open = true;
    this.at = column;
    this.fx = this.lx = x;
    this.fy = this.ly = this.low = this.high = y;
    this.count = 1;
  }

  flush() {
    if (!this.open) return;
    const context = this.context;
    if (this.down) context.lineTo(this.fx, this.fy);
    else context.moveTo(this.fx, this.fy);
    this.down = true;
    this.points++;
    if (this.count > 1) {
      if (this.low < this.high) {
        context.lineTo(this.lx, this.low);
        context.lineTo(this.lx, this.high);
      }
      context.lineTo(this.lx, this.ly);
      this.points++;
    }
    this.open = false;
  }

  lift() {
    this.flush();
    if (this.points === 1) this.context.lineTo(this.fx, this.fy); // a lone point is a zero-length line, as before
    this.down = false;
    this.points = 0;
  }
}
