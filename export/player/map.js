/* cmx trajectory player: the map's layers: the landscape's picture, the marks (minima, starts, ticks), the paths
 * drawn incrementally as the frame advances, and each run's head. Methods of Player (player.js mixes them in). */

import {text} from "./model.js";
import {Pen, drawCross, drawStar, labelText, short} from "./canvas.js";

export const IMAGES = new Map(); // image_key -> {image, ready, waiting: Set of players}: shared by every mount

export class MapLayers {
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
}
