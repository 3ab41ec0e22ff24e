/* cmx trajectory player: the teaching overlays of the followed run (gradient, momenta, buffer, aggregate, SAM's
 * ascent point, the √v̂ box) and the "explain this step" panel. Methods of Player (player.js mixes them in). */

import {colourOr, finite} from "./model.js";
import {drawArrow, element, short, sizeCanvas} from "./canvas.js";

export class Overlays {
  fillOverlayKey() {
    const o = this.model.overlays, colours = this.model.overlayColours;
    this.overlayKey.replaceChildren();
    if (!o) return;
    const heading = element("p", "cmxp-key-title", this.overlayKey);
    heading.textContent = `Overlays follow ${o.series.label}, run ${o.run + 1}; arrows point where each pushes:`;
    const kinds = [
      [o.gradient, "−∇f (downhill)", colourOr(colours.gradient, "#000000"), 2, []],
      [o.momentum, "−momentum", colourOr(colours.momenta, "#4D4D4D"), 1.5, []],
      [o.stored, "−stored momenta", colourOr(colours.momenta, "#4D4D4D"), 1.2, [2, 3]],
      [o.aggregate, "−aggregate (CM's step)", colourOr(colours.aggregate, "#000000"), 3, [7, 4]],
      [o.ascent, "SAM's ascent point ◇", colourOr(colours.ascent, "#000000"), 1.2, [2, 3]],
    ];
    for (const [values, words, colour, width, dash] of kinds) {
      if (!values) continue;
      const row = element("div", "cmxp-key-row", this.overlayKey);
      const context = sizeCanvas(element("canvas", "cmxp-swatch", row), 34, 12);
      drawArrow(context, 2, 6, 32, 6, colour, width, dash);
      element("span", "", row).textContent = words;
    }
    this.overlayKey.hidden = !this.showOverlays;
  }

  drawOverlays(context) {
    const o = this.model.overlays;
    if (!o || !o.series.visible || !o.position) return;
    const row = o.series.upto[this.frame];
    if (row < 0) return;
    const colours = this.model.overlayColours, cap = o.longest;
    const ox = o.position[2 * row], oy = o.position[2 * row + 1];
    if (!Number.isFinite(ox + oy)) return;
    const arrow = (vx, vy, scale, colour, width, dash) => {
      if (!Number.isFinite(vx + vy) || !scale) return;
      let dx = vx * scale, dy = vy * scale;
      const length = Math.hypot(dx, dy);
      if (cap && length > cap) {
        dx *= cap / length;
        dy *= cap / length;
      }
      drawArrow(context, this.px(ox), this.py(oy), this.px(ox + dx), this.py(oy + dy), colour, width, dash);
    };
    const memoryColour = colourOr(colours.momenta, "#4D4D4D");
    const e = o.explain;
    if (this.explaining && e && e.secondHat && finite(e.parameters.b1) && o.memoryScale) {
      // √v̂ per coordinate times (1−β1^t), on the momentum arrows' scale: an arrow of m (or a) reaching the edge
      // is a step of exactly lr in that coordinate (the step is lr·m̂/(√v̂+ε) with m̂ = m/(1−β1^t)).
      const shrink = (1 - Math.pow(e.parameters.b1, e.t[row])) * o.memoryScale;
      const wx = Math.sqrt(e.secondHat[2 * row]) * shrink, wy = Math.sqrt(e.secondHat[2 * row + 1]) * shrink;
      if (Number.isFinite(wx + wy) && wx + wy > 0) {
        const left = this.px(ox - wx), top = this.py(oy + wy);
        context.save();
        context.strokeStyle = memoryColour;
        context.lineWidth = 1.5;
        context.setLineDash([5, 3]);
        context.strokeRect(left, top, Math.max(1, this.px(ox + wx) - left), Math.max(1, this.py(oy - wy) - top));
        context.restore();
      }
    }
    if (o.stored) {
      for (let c = 0; c < o.capacity; c++) {
        const at = (row * o.capacity + c) * 2;
        arrow(-o.stored[at], -o.stored[at + 1], o.memoryScale, memoryColour, 1.2, [2, 3]);
      }
    }
    if (o.momentum) arrow(-o.momentum[2 * row], -o.momentum[2 * row + 1], o.memoryScale, memoryColour, 1.5, []);
    if (o.aggregate) {
      arrow(-o.aggregate[2 * row], -o.aggregate[2 * row + 1], o.memoryScale, colourOr(colours.aggregate, "#000000"),
        3, [7, 4]);
    }
    if (o.gradient) {
      arrow(-o.gradient[2 * row], -o.gradient[2 * row + 1], o.gradientScale, colourOr(colours.gradient, "#000000"),
        2, []);
    }
    if (o.ascent && Number.isFinite(o.ascent[2 * row] + o.ascent[2 * row + 1])) {
      const x = this.px(o.ascent[2 * row]), y = this.py(o.ascent[2 * row + 1]);
      context.save();
      context.strokeStyle = colourOr(colours.ascent, "#000000");
      context.lineWidth = 1.2;
      context.setLineDash([2, 3]);
      context.beginPath();
      context.moveTo(this.px(ox), this.py(oy));
      context.lineTo(x, y);
      context.stroke();
      context.setLineDash([]);
      context.fillStyle = "#FFFFFF";
      context.beginPath();
      context.moveTo(x, y - 6);
      context.lineTo(x + 6, y);
      context.lineTo(x, y + 6);
      context.lineTo(x - 6, y);
      context.closePath();
      context.fill();
      context.stroke();
      context.restore();
    }
  }

  toggleExplain() {
    const explain = this.model && this.model.overlays && this.model.overlays.explain;
    this.explaining = Boolean(explain) && !this.explaining;
    this.explainButton.setAttribute("aria-pressed", String(this.explaining));
    this.explainNode.hidden = !this.explaining;
    this.textDirty = true;
    this.requestRender();
  }

  /* The followed run's next step, quantity by quantity (export/player/explain.py computes every number). */
  fillExplain() {
    const o = this.model.overlays, e = o.explain, row = o.series.upto[this.frame];
    const node = this.explainNode;
    node.replaceChildren();
    const say = (words, className = "") => { element("p", className, node).textContent = words; };
    if (row < 0 || !finite(e.t[row]) || !e.step || !Number.isFinite(e.step[2 * row])) {
      say(`${o.series.label}, run ${o.run + 1}: no step leaves this point (the run ended or stopped).`);
      return;
    }
    const t = Math.round(e.t[row]), p = e.parameters, pair = (a) => (a ? [a[2 * row], a[2 * row + 1]] : null);
    const moved = pair(e.step), length = Math.hypot(moved[0], moved[1]);
    say(`Step ${t} of ${o.series.label}, run ${o.run + 1}, from the point shown: it moves ${short(length)} lr ` +
      `(${short(moved[0])} lr in x, ${short(moved[1])} lr in y).`, "cmxp-explain-title");
    const table = element("table", "cmxp-explain-table", node);
    const head = element("tr", "", element("thead", "", table));
    for (const words of ["", "x", "y"]) element("th", "", head).textContent = words;
    const body = element("tbody", "", table);
    const line = (name, values, how) => { // the values, and under them how they were made
      if (!values || !Number.isFinite(values[0] + values[1])) return;
      const tr = element("tr", "", body);
      element("th", "", tr).textContent = name;
      for (const value of values) element("td", "", tr).textContent = short(value);
      const note = element("td", "cmxp-explain-how", element("tr", "", body));
      note.colSpan = 3;
      note.textContent = how;
    };
    const b1 = p.b1, b2 = p.b2, cm = Boolean(e.aggregate);
    line("g", pair(e.gradient), "the gradient the step used");
    line("m", pair(e.momentum), finite(b1) ? `β₁m + (1−β₁)g, β₁ = ${b1}` : `μ·m + g, μ = ${p.momentum}`);
    line("v", pair(e.second), `β₂v + (1−β₂)${cm ? "a" : "g"}², β₂ = ${b2}`);
    if (finite(b1)) line("m̂", pair(e.momentumHat), `m / (1−β₁^${t}) = m / ${short(1 - Math.pow(b1, t))}`);
    if (finite(b2)) line("v̂", pair(e.secondHat), `v / (1−β₂^${t}) = v / ${short(1 - Math.pow(b2, t))}`);
    if (cm) {
      line("a", pair(e.aggregate), "m + mean of the buffer below");
      line("â", pair(e.aggregateHat), `a / (1−β₁^${t}): the direction`);
    }
    line("Δx / lr", moved, e.secondHat ? `−${cm ? "â" : "m̂"} / (√v̂ + ε), the step in lr` : "the step in lr");
    if (e.buffer) {
      const entries = [];
      for (let c = 0; c < e.capacity; c++) {
        const at = (row * e.capacity + c) * 2, priority = e.priorities[row * e.capacity + c];
        if (finite(priority)) entries.push(`#${c + 1} priority ${short(priority)}: (${short(e.buffer[at])}, ` +
          `${short(e.buffer[at + 1])})`);
      }
      say(entries.length ? `Buffer the step averages (C = ${p.top_c}, priorities ×${p.decay} each step): ` +
        entries.join("; ") : "The buffer is empty: this first call stores the gradient and does not move.");
    }
    if (e.secondHat) {
      say("Dashed box on the map: √v̂ per coordinate on the arrows' scale; where the " +
        `${cm ? "aggregate" : "momentum"} arrow crosses its edge, the step is one lr in that coordinate.`,
      "cmxp-explain-note");
    }
  }
}
