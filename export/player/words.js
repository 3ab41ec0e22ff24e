/* cmx trajectory player: what it says in words: the legend, the basin and colour keys, the step line, the status
 * line per optimizer and the hover read-out. Methods of Player (player.js mixes them in). */

import {DIVERGED_BASIN, STOP_WORDS, UNDEFINED_BASIN, colourOr, finite, text} from "./model.js";
import {button, element, listSteps, plural, short, sizeCanvas} from "./canvas.js";

const HOVER_REACH = 14; // pixels from a head within which the read-out names it

export class Words {
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
      if (this.explaining) this.fillExplain();
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
      if (untracked) {
        parts.push(`${plural(untracked, "run")} more (basins are tracked for the first ${s.basinRuns} runs only)`);
      }
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
      this.tip.hidden = true;
      return;
    }
    const {s, n, h} = best, P = s.positions, stride = 2 * s.runs, r = h.row;
    const length = r > 0 ? Math.hypot(P[r * stride + 2 * n] - P[(r - 1) * stride + 2 * n],
      P[r * stride + 2 * n + 1] - P[(r - 1) * stride + 2 * n + 1]) : 0;
    const state = h.stopped ? `, ${STOP_WORDS[s.reasons[n]] || "stopped"} at step ${s.stoppedAt[n]}` : "";
    this.readout.textContent = `${s.label} · run ${n + 1} · step ${s.steps[r]} · x=${short(h.x)}, y=${short(h.y)}` +
      ` · f=${short(s.losses[r * s.runs + n])} · step length ${short(length)}${state}`;
    this.tip.textContent = `${s.label}, run ${n + 1}\nstep ${s.steps[r]} · f=${short(s.losses[r * s.runs + n])}` +
      `\nx=${short(h.x)}, y=${short(h.y)}${state}`;
    this.tip.hidden = false;
    const left = Math.min(hx + 14, this.size.width - this.tip.offsetWidth - 4);
    this.tip.style.left = `${Math.max(4, left)}px`;
    this.tip.style.top = `${hy + 14 + this.tip.offsetHeight > this.size.height ? hy - this.tip.offsetHeight - 8 :
      hy + 14}px`;
  }
}
