"""Trajectories as an animated GIF: the contour is drawn once, each frame only blits the paths over it."""

from __future__ import annotations

import io

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from PIL import Image

from experiments import work
from experiments.run import RunResult
from export import palette
from export.figures import draw_landscape, landscape_title, require_2d, runs_caption, styles_of
from landscapes import Landscape
from specs import Field

FRAMES = Field("frames", "int", 200, "frames in the animation", low=2, high=2000)
FPS = Field("fps", "int", 20, "frames per second", low=1, high=100)
# Drawing one frame, in run-steps (benchmarks/work_weights.py measures both: largest x 1.5): its fixed part (the blit
# and the palette quantisation) and each path redrawn on it.
FRAME_WORK = 340_000.0
PATH_FRAME_WORK = 2_100.0


def gif_work(frames: int, paths: int) -> work.Work:
    """What trajectory_gif costs: `frames` frames, each redrawing `paths` paths (runs x optimizers)."""
    return work.Work((("drawing the frames", float(frames) * (FRAME_WORK + PATH_FRAME_WORK * paths)),))


def frame_rows(recorded: int, frames: int) -> np.ndarray:
    """(F,) indices into `recorded` recorded points, evenly spread from the first to the last."""
    return np.unique(np.round(np.linspace(0, recorded - 1, min(frames, recorded))).astype(int))


def trajectory_gif(landscape: Landscape, results: dict[str, RunResult], frames: int = 200, fps: int = 20,
                   dpi: int = 80) -> bytes:
    """An animated GIF (bytes) of every optimizer's runs (keyed by label) moving over the landscape, in the palette
    of every other view: each kind's colour, dash and marker at the current point, start ○, stopped ✕.

    Frame k shows each path up to the k-th of `frames` evenly spaced recorded steps (never beyond).
    The palette is taken from the last frame (where every path is drawn), so colours do not flicker; the bytes
    depend only on the inputs.
    """
    require_2d(landscape, "an animation")
    frames, fps = FRAMES.check(frames), FPS.check(fps)
    styles = styles_of(results)
    figure = Figure(figsize=(6.0, 5.0), dpi=dpi, layout="constrained")
    canvas = FigureCanvasAgg(figure)
    ax = figure.subplots()
    draw_landscape(ax, landscape)
    paths, heads, stops, rows = {}, {}, {}, {}
    longest = max(result.positions.shape[0] for result in results.values())
    frame_count = len(frame_rows(longest, frames))
    for name, result in results.items():
        positions = np.where(np.isfinite(result.positions), result.positions, np.nan)[..., :2]  # (R, N, 2)
        style = styles[name]
        paths[name] = (positions, LineCollection([], colors=style.colour, linewidths=1.5, animated=True,
                                                 linestyles=style.matplotlib_linestyle))
        ax.add_collection(paths[name][1])
        ax.plot(positions[0, :, 0], positions[0, :, 1], palette.START_MARKER, color="white",
                markeredgecolor=style.colour, markersize=5 * style.start_size, linestyle="none")
        heads[name] = ax.plot([], [], color=style.colour, **style.matplotlib_marker_style(6), animated=True,
                              label=name, linestyle=style.matplotlib_linestyle)[0]
        stops[name] = (result, ax.plot([], [], palette.DIVERGED_MARKER, color=style.colour, markeredgecolor="black",
                                       markersize=8, animated=True, linestyle="none")[0])
        # this optimizer's recorded row at each frame (optimizers may have recorded different numbers of points)
        rows[name] = np.round(np.linspace(0, positions.shape[0] - 1, frame_count)).astype(int)
    ax.legend(handles=list(heads.values()), fontsize=8, loc="upper right")
    ax.set_title(landscape_title(landscape), fontsize=10)
    figure.supxlabel(runs_caption(results), fontsize=8)
    counter = ax.text(0.02, 0.02, "", transform=ax.transAxes, fontsize=9, animated=True, zorder=7,
                      bbox={"boxstyle": "round,pad=0.2", "fc": "white", "ec": "none", "alpha": 0.85})
    clock = max(results, key=lambda name: results[name].positions.shape[0])  # the series whose steps the counter reads
    canvas.draw()
    background = canvas.copy_from_bbox(figure.bbox)

    def render(k: int) -> Image.Image:
        canvas.restore_region(background)
        for name, (positions, collection) in paths.items():
            upto = rows[name][k]
            collection.set_segments([positions[: upto + 1, i] for i in range(positions.shape[1])])
            result, stop = stops[name]
            step = result.recorded_steps[upto]
            gone = result.stopped & (result.stopped_at <= step)
            heads[name].set_data(positions[upto, ~gone, 0], positions[upto, ~gone, 1])
            stop.set_data(positions[upto, gone, 0], positions[upto, gone, 1])
            ax.draw_artist(collection)
        for name in sorted(stops, key=lambda name: styles[name].hollow):  # heads above paths, hollow ones on top
            ax.draw_artist(heads[name])
            ax.draw_artist(stops[name][1])
        steps = results[clock].recorded_steps
        counter.set_text(f"step {int(steps[rows[clock][k]])} / {int(steps[-1])}")
        ax.draw_artist(counter)
        return Image.fromarray(np.asarray(canvas.buffer_rgba())[..., :3].copy())

    last = render(frame_count - 1)
    colour_table = last.quantize(colors=255, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    images = [render(k).quantize(palette=colour_table, dither=Image.Dither.NONE) for k in range(frame_count - 1)]
    images.append(last.quantize(palette=colour_table, dither=Image.Dither.NONE))
    out = io.BytesIO()
    images[0].save(out, format="GIF", save_all=True, append_images=images[1:], duration=round(1000 / fps), loop=0)
    return out.getvalue()
