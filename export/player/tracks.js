/* cmx trajectory player: the track panels under the map (loss, distance from the start, each run's basin lane against
 * the step), drawn incrementally as the frame advances. Methods of Player (player.js mixes them in). */

import {ColumnPen, short} from "./canvas.js";

export const TRACK_HEIGHT = 74;
export const TRACK_GAP = 22;
const TRACK_LEFT = 64;

export class Tracks {
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
    return TRACK_LEFT + step / last * (this.size.room - TRACK_LEFT - 10);
  }

  drawTracks(context) {
    const panels = this.trackPanels(), width = this.size.room; // the tracks span the room, the map its box
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
    const last = this.model.frameSteps[this.model.frameSteps.length - 1] || 1, span = this.size.room - TRACK_LEFT - 10;
    for (const s of this.visibleSeries()) {
      const a = Math.max(0, s.upto[from]), b = s.upto[to];
      if (b <= a) continue;
      context.strokeStyle = s.colour;
      context.globalAlpha = s.runs > 20 ? 0.35 : 0.9;
      context.lineWidth = s.runs > 20 ? 1 : 1.5;
      context.setLineDash(s.dash.map((d) => d * context.lineWidth * 2)); // its dash, as on the map
      context.beginPath();
      const pen = new ColumnPen(context);
      for (let n = 0; n < s.runs; n++) {
        const end = s.stoppedAt[n] >= 0 ? Math.min(b, this.lastRowBefore(s, s.stoppedAt[n])) : b;
        for (let r = a; r <= end; r++) {
          const v = y(panel.value(s, n, r)), x = TRACK_LEFT + s.steps[r] / last * span; // this.trackX
          if (!Number.isFinite(v) || Math.abs(v) > 1e6) pen.lift();
          else pen.point(x, v);
        }
        pen.lift();
      }
      context.stroke();
    }
    context.setLineDash([]);
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
    const context = this.tracksContext, {room: width, tracks} = this.size;
    context.clearRect(0, 0, width, tracks);
    context.drawImage(this.layers.tracks.canvas, 0, 0, width, tracks);
    const x = this.trackX(this.model.frameSteps[this.frame]);
    context.fillStyle = "#111111";
    context.fillRect(x - 0.5, TRACK_GAP - 8, 1.5, tracks - TRACK_GAP - 6);
  }
}
