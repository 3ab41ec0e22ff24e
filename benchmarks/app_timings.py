"""`make bench-app`: the app as a user feels it, timed in real Chromium against a running `streamlit run app.py`.

Prints each figure beside its target (issue 12) and exits 1 if one is missed:
- the Explorer's first figure: from navigation (fresh browser context, server warm) to the player's first draw with
  the landscape's picture, and its ratio to a bare Streamlit page's one image (benchmarks/bare_page.py), timed side
  by side (target 1.3x); and to the whole page (the controls, drawn by the run the player asks for);
- a display-only change (overlays, speed, scrub, zoom): from the input to the next painted frame, no script run;
- a change that recomputes (an optimizer's lr): from the input to the redrawn player, and the bytes the server sent;
- playback frames per second with 8 optimizers x 100 runs x 1000 steps (requestAnimationFrame, headless);
- one run of 100,000 recorded points: from 'last step' to the painted frame (issue 18: it took 0.86 s before);
- the Escape lab and the Basin map: first figure on a revisit (results cached), and that the revisit reruns nothing;
- the player's live controls (issue 23): an lr moved in the standalone page, from the slider's input to the redrawn
  frame, timed in the page (the engine's rerun, the arrays, the redraw of every path at the last step; the wait for
  the display's next frame is not counted), for 3 runs x 300 steps and 100 runs x 1000 steps of Adam+CM; and the JS
  engine's run-steps per second against NumPy's at N = 1, 10, 100 (benchmarks/js_engine.py, in node: reported).
Each timing is the median of a few repeats; the machine's load average is printed with them.
"""

from __future__ import annotations

import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]
IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'
PAGE_CHOICE = '[data-testid="stSidebar"] [role="radiogroup"]'  # drawn by every run but the Explorer's figure-first one
# Run from the page's first moment: when the sidebar's choice of page, drawn with everything but the figure, appeared.
WATCH_THE_REST = ("new MutationObserver((changes, observer) => {"
                  f"  if (document.querySelector('{PAGE_CHOICE}')) {{"
                  "    window.__cmxRestAt = performance.now(); observer.disconnect(); }"
                  "}).observe(document, {childList: true, subtree: true});")
DRAWN = ".cmxp[data-image='drawn']"
CURVE_DRAWN = '[data-testid="stVegaLiteChart"] svg g.mark-symbol.role-mark path'  # the escape curve's dots
MAP_DRAWN = 'img[alt^="basin map"]'  # a basin map's picture (visible once it has a size: loaded)
REPEATS = 3


@dataclass(frozen=True)
class Figure:
    name: str
    value: float
    unit: str
    bound: float
    at_most: bool = True

    @property
    def met(self) -> bool:
        return self.value <= self.bound if self.at_most else self.value >= self.bound

    def line(self) -> str:
        need = f"<= {self.bound:g}" if self.at_most else f">= {self.bound:g}"
        return f"app {self.name} = {self.value:.3g} {self.unit} (need {need}) {'ok' if self.met else 'MISSED'}"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_server(script: Path = ROOT / "app.py") -> tuple[subprocess.Popen, str]:
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "streamlit", "run", str(script), "--server.headless",
                                "true", "--server.address", "127.0.0.1", "--server.port", str(port)],
                               cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while True:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2):
                return process, url
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                raise SystemExit("streamlit did not start") from None
            time.sleep(0.2)


COUNT_RUNS = """() => {
    window.__cmxRuns = 0;
    const app = document.querySelector('[data-testid="stApp"]');
    new MutationObserver(() => {
        if (app.getAttribute('data-test-script-state') === 'running') window.__cmxRuns += 1;
    }).observe(app, {attributes: true, attributeFilter: ['data-test-script-state']});
}"""
NEXT_FRAME = ("() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(() => "
              "done(performance.now()))))")


IMAGE_PAINTED = """() => new Promise((done) => new PerformanceObserver((list, observer) => {
    const image = list.getEntries().find((entry) => entry.element && entry.element.tagName === "IMG");
    if (image) { observer.disconnect(); done(image.startTime); }
}).observe({type: "largest-contentful-paint", buffered: true}))"""


def bare_page_first_image(browser, url: str) -> float:
    """Seconds from navigation to the bare page's image painted (its largest contentful paint), fresh context."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    try:
        page.goto(url)
        page.wait_for_selector('[data-testid="stImage"] img', timeout=120_000)
        return page.evaluate(IMAGE_PAINTED) / 1000
    finally:
        context.close()


def whole_page(page, timeout: float = 120_000) -> None:
    """Wait until the page is drawn whole and the script is idle: a session's first run of the Explorer draws its
    figure alone, and the run the player then asks for draws the rest (ui/first_look.py)."""
    page.wait_for_selector(PAGE_CHOICE, timeout=timeout)
    page.wait_for_selector(IDLE, timeout=timeout)


def explorer_first_figure(browser, url: str) -> tuple[float, float]:
    """Seconds from navigation to the player's first draw (the map, its picture and the paths), and to the rest of the
    page (the controls), in a fresh context."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.add_init_script(WATCH_THE_REST)
    try:
        page.goto(f"{url}/?page=explorer")
        page.wait_for_selector(DRAWN, timeout=120_000)
        whole_page(page)
        first = page.evaluate("performance.getEntriesByName('cmx-player-first-draw')[0].startTime") / 1000
        return first, page.evaluate("window.__cmxRestAt") / 1000
    finally:
        context.close()


CLICK_TO_FRAME = ("(button) => new Promise((done) => { const start = performance.now(); button.click(); "
                  "requestAnimationFrame(() => requestAnimationFrame(() => done(performance.now() - start))); })")


def display_change_seconds(page) -> list[float]:
    """Seconds from each display-only input to the next painted frame (the script must not run), timed inside the
    page: from the click's dispatch to the second animation frame after it, so Playwright's own round trips to the
    browser (tens of milliseconds, which no user's click pays) are left out."""
    seconds = []
    for name in ("teaching overlays on/off", "zoom in (+)", "reset the view (0)", "step forward (→, Shift+→ for 10)"):
        button = page.get_by_role("button", name=name).element_handle()
        seconds.append(page.evaluate(CLICK_TO_FRAME, button) / 1000)
    return seconds


def recompute_seconds(page, lr: str) -> float:
    """An lr typed into the first optimizer: seconds from Enter to the redrawn player (COUNT_RUNS installed)."""
    box = page.get_by_label("lr (exact)").first  # in sight beside the optimizer's name
    box.fill(lr)
    runs = page.evaluate("window.__cmxRuns")
    start = time.perf_counter()
    box.press("Enter")
    # COUNT_RUNS's counter, not the "running" state, which a quick rerun can pass through between two polls
    page.wait_for_function(f"window.__cmxRuns > {runs}", timeout=30_000)
    page.wait_for_selector(IDLE, timeout=60_000)
    page.evaluate(NEXT_FRAME)
    return time.perf_counter() - start


def bytes_per_recompute(browser, url: str) -> tuple[list[float], int, float, int]:
    """The recompute timings and the bytes of one recompute, on a page whose websocket frames are counted."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    frames: list[int] = []
    page.on("websocket", lambda ws: ws.on("framereceived", lambda payload: frames.append(
        len(payload) if isinstance(payload, (bytes, str)) else 0)))
    try:
        page.goto(f"{url}/?page=explorer")
        page.wait_for_selector(DRAWN, timeout=120_000)
        whole_page(page)
        page.evaluate(COUNT_RUNS)
        display = display_change_seconds(page)
        runs_after_display = page.evaluate("window.__cmxRuns")
        timings, sent = [], []
        for lr in ("0.04", "0.03", "0.045"):
            before = sum(frames)
            timings.append(recompute_seconds(page, lr))
            sent.append(sum(frames) - before)
        return display, runs_after_display, statistics.median(timings), int(statistics.median(sent))
    finally:
        context.close()


def playback_fps(browser) -> float:
    """Frames per second while the standalone player plays 8 optimizers x 100 runs x 1000 steps of two_basin."""
    from experiments.run import run
    from export.labels import optimizer_labels
    from export.player import build_payload, landscape_picture, standalone_html
    from landscapes import build_landscape
    from optimizers import OPTIMIZERS

    landscape = build_landscape("two_basin")
    starts = np.random.default_rng(0).uniform(landscape.domain.low, landscape.domain.high, (100, 2))
    specs = ["adam:lr=0.05", "adam_sam:lr=0.05", "adam_cm:lr=0.05", "adam_sam_cm:lr=0.05", "adam_cg:lr=0.05",
             "momentum:lr=0.01", "sgd:lr=0.05", "adam:lr=0.02"]
    methods = [OPTIMIZERS.build(spec) for spec in specs]
    labels = optimizer_labels([(m.name, m.params) for m in methods])
    results = {label: run(landscape, method, starts, 1000) for label, method in zip(labels, methods)}
    page_text = standalone_html(build_payload(landscape, results, landscape_picture(landscape)))
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "player.html"
        path.write_text(page_text, encoding="utf-8")
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        try:
            page.goto(path.as_uri())
            page.wait_for_selector(DRAWN, timeout=60_000)
            page.get_by_role("button", name="play (Space)").click()
            return page.evaluate("""() => new Promise((done) => {
                let frames = 0; const start = performance.now();
                const count = (now) => { frames++; if (now - start < 3000) requestAnimationFrame(count);
                                         else done(frames * 1000 / (now - start)); };
                requestAnimationFrame(count);
            })""")
        finally:
            page.close()


def long_run_draw_seconds(browser) -> float:
    """Seconds from 'last step' to the painted frame for one Adam+CM run of 100,000 recorded steps (the player draws
    the pixels a path crosses, not its points)."""
    from experiments.run import run
    from export.player import build_payload, landscape_picture, standalone_html
    from landscapes import build_landscape

    landscape = build_landscape("two_basin:sharpness=16")
    result = run(landscape, "adam_cm:lr=0.05", np.array([[-1.0, 0.0]]), 100_000, max_work=None)
    page_text = standalone_html(build_payload(landscape, {"Adam+CM": result}, landscape_picture(landscape)))
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "player.html"
        path.write_text(page_text, encoding="utf-8")
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        try:
            page.goto(path.as_uri())
            page.wait_for_selector(DRAWN, timeout=60_000)
            return statistics.median(page.evaluate("""async () => {
                document.querySelector('.cmxp-bar button[title^="first step"]').click();
                await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
                const start = performance.now();
                document.querySelector('.cmxp-bar button[title^="last step"]').click();
                await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
                return (performance.now() - start) / 1000; }""") for _ in range(REPEATS))
        finally:
            page.close()


LIVE_MOVES = 12  # lr moves timed per size (the first two warm the page's compiler and are left out)


def live_recompute_ms(browser, runs: int, steps: int) -> float:
    """Milliseconds the standalone player takes to rerun `runs` Adam+CM runs of `steps` steps and redraw them on its
    last step when its lr slider moves (the player's own 'cmx-live-recompute' measure, the median of the moves)."""
    from export.player import explore

    starts = np.random.default_rng(0).uniform((-1.5, -0.5), (-0.5, 0.5), (runs, 2))  # around the sharp basin
    exploration = explore("two_basin:sharpness=16", "adam_cm:lr=0.05", starts, steps, basins=False, max_work=None)
    with tempfile.TemporaryDirectory() as folder:
        path = exploration.save(Path(folder) / "player.html")
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        try:
            page.goto(path.as_uri())
            page.wait_for_selector(".cmxp[data-drawn]", timeout=60_000)
            page.get_by_role("button", name="last step (End)").click()
            page.get_by_role("slider", name="lr").focus()
            for _ in range(LIVE_MOVES):
                page.keyboard.press("ArrowLeft")
            times = page.evaluate("performance.getEntriesByName('cmx-live-recompute').map((e) => e.duration)")
            if len(times) != LIVE_MOVES:
                raise SystemExit(f"the player reran {len(times)} times for {LIVE_MOVES} lr moves")
            return statistics.median(times[2:])
        finally:
            page.close()


def js_engine_speeds() -> list[tuple[int, float, float]]:
    """benchmarks/js_engine.py's run-steps per second, JS (node) and NumPy, at N = 1, 10, 100."""
    from benchmarks.js_engine import speeds
    from tests.js.node_engine import NodeEngine

    with NodeEngine() as engine:
        return speeds(engine)


def revisit_seconds(browser, url: str, page_name: str, ready: str) -> float:
    """Seconds to the page's first figure on a second visit in a fresh context (the results are cached)."""
    seconds = 0.0
    for _ in range(2):  # the first visit computes, the second is timed
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        page = context.new_page()
        try:
            start = time.perf_counter()
            page.goto(f"{url}/?page={page_name}")
            page.wait_for_selector(ready, timeout=300_000)
            page.wait_for_selector(IDLE, timeout=300_000)
            seconds = time.perf_counter() - start
        finally:
            context.close()
    return seconds


SURFACE_DRAWN = '[data-testid="stPlotlyChart"] .js-plotly-plot .gl-container canvas'  # the 3-D view's WebGL canvas


def surface_view_seconds(browser, url: str) -> float:
    """Seconds from choosing the 3-D view on a drawn Explorer (fresh context) to the plotly surface drawn and the
    script idle: the one view that still loads plotly's script."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    try:
        page.goto(f"{url}/?page=explorer")
        page.wait_for_selector(DRAWN, timeout=120_000)
        whole_page(page)
        start = time.perf_counter()
        page.get_by_text("3-D surface", exact=True).click()
        page.wait_for_selector(SURFACE_DRAWN, timeout=120_000)
        page.wait_for_selector(IDLE, timeout=120_000)
        return time.perf_counter() - start
    finally:
        context.close()


def main() -> int:
    from playwright.sync_api import sync_playwright

    if not os.path.exists(CHROMIUM):
        print(f"{CHROMIUM} is missing: apt-get install chromium")
        return 1
    load = " ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"# cmx app timings in headless Chromium, 1400 x 1000, {os.cpu_count()} cores, load average {load}")
    process, url = start_server()
    bare_process, bare_url = start_server(ROOT / "benchmarks" / "bare_page.py")
    figures: list[Figure] = []
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            explorer_first_figure(browser, url)  # each server's first visit imports and warms its caches
            bare_page_first_image(browser, bare_url)
            firsts, wholes, bares = [], [], []
            for _ in range(REPEATS + 4):  # side by side: the machine's load falls on both alike
                bares.append(bare_page_first_image(browser, bare_url))
                first, whole = explorer_first_figure(browser, url)
                firsts.append(first)
                wholes.append(whole)
            first, whole, bare = statistics.median(firsts), statistics.median(wholes), statistics.median(bares)
            print(f"bare Streamlit page, one image: {bare:.3g} s; Explorer's first figure: {first:.3g} s, "
                  f"its whole page: {whole:.3g} s", flush=True)
            figures.append(Figure("explorer_first_figure", first, "s", 2.0))
            figures.append(Figure("explorer_first_figure_over_bare_page", first / bare, "x", 1.3))
            figures.append(Figure("explorer_whole_page", whole, "s", 2.5))
            display, reruns, recompute, sent = bytes_per_recompute(browser, url)
            figures.append(Figure("display_change_max", max(display), "s", 0.1))
            figures.append(Figure("display_change_script_runs", reruns, "runs", 0))
            figures.append(Figure("recompute_redrawn", recompute, "s", 0.7))
            figures.append(Figure("bytes_per_recompute", sent / 1000, "kB", 150))
            figures.append(Figure("playback_fps_8x100x1000", playback_fps(browser), "fps", 50, at_most=False))
            figures.append(Figure("one_run_of_100000_points_drawn", long_run_draw_seconds(browser), "s", 0.5))
            figures.append(Figure("escape_lab_first_figure_cached",
                                  revisit_seconds(browser, url, "escape", CURVE_DRAWN), "s", 3.0))
            figures.append(Figure("basin_map_first_figure_cached",
                                  revisit_seconds(browser, url, "basins", MAP_DRAWN), "s", 3.0))
            surface = statistics.median(surface_view_seconds(browser, url) for _ in range(REPEATS))
            figures.append(Figure("live_recompute_3x300_adam_cm", live_recompute_ms(browser, 3, 300), "ms", 16))
            figures.append(Figure("live_recompute_100x1000_adam_cm", live_recompute_ms(browser, 100, 1000), "ms", 100))
            browser.close()
    finally:
        for server in (process, bare_process):
            server.terminate()
            server.wait(timeout=15)
    for figure in figures:
        print(figure.line(), flush=True)
    print(f"app surface_view_switch = {surface:.3g} s (reported: the 3-D view has no target)", flush=True)
    for count, js, numpy in js_engine_speeds():
        print(f"app js_engine_run_steps_per_second N={count} = {js:.3g} (numpy {numpy:.3g}, js/numpy {js / numpy:.3g}; "
              "reported)", flush=True)
    missed = [f for f in figures if not f.met]
    print(f"app targets met: {len(figures) - len(missed)} of {len(figures)}")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
