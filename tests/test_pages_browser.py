"""The Escape lab, the Basin map and Learn's chart in a real Chromium: nothing cut at 1400 and 800 px, the curve's ticks
are the swept values, the basin key is in view, an optimizer kind (or a basin) has one colour on screen and in the PNG
download, choosing a sample reruns only its fragment, no page loads plotly, and the first figure's time with results
cached.

Screenshots go to test-artifacts/ (git-ignored). Waits on Streamlit's `data-test-script-state`, on each page's drawn
chart and on the player's `data-drawn`, never on a fixed sleep.
"""

from __future__ import annotations

import io
import time
from urllib.parse import parse_qs, urlencode, urlparse

import numpy as np
import pytest
from PIL import Image

from benchmarks.app_timings import whole_page
from export import palette
from export.figures import basin_key
from landscapes import build_landscape
from optimizers import OPTIMIZERS
from tests.browser_support import IDLE, ROOT
from ui.pages import escape_lab

pytestmark = pytest.mark.browser

ARTIFACTS = ROOT / "test-artifacts"
CURVE = '[data-testid="stVegaLiteChart"] svg'  # a Vega-Lite chart, drawn as SVG (ui.drawing.VEGA_SVG)
DOTS = "g.mark-symbol.role-mark path"  # a Vega-Lite chart's dots (the legend's are role-legend-symbol)
MAPS = 'img[alt^="basin map"]'  # the Basin map's pictures
MAPS_LOADED = f"() => [...document.querySelectorAll('{MAPS}')].every(image => image.complete && image.naturalWidth)"
DRAWN = {"escape": f"{CURVE} {DOTS}", "basins": MAPS, "learn": f"{CURVE} {DOTS}"}  # each page's first chart, drawn
LINKS = {"escape": {"page": "escape", "runs": "60", "steps": "120", "values": "2, 4, 8, 16, 32"},
         "basins": {"page": "basins", "resolution": "24", "steps": "120"}, "learn": {"page": "learn"}}
PHASE_LINK = {**LINKS["escape"], "values": "4, 16", "axis2": "lr", "values2": "0.02, 0.05, 0.1"}  # a phase diagram
CELLS = "g.mark-rect.role-mark path"  # a Vega-Lite chart's rects: the phase diagram's cells
# The narrow width's layout checks are long (a page each) and run with the slow checks (make test-slow, in CI)
WIDTHS = (1400, pytest.param(800, marks=pytest.mark.slow))
CACHED_FIGURE_SECONDS = 20.0  # loose: the target is 3 s on a desktop; a shared CI machine only has to be near it
# Text that must be read whole: widget labels, buttons, captions, tabs, paragraphs and headings, the value shown in a
# select box. A letter-a-line wrap counts too.
CUT_TEXT = """() => {
    const selectors = ['[data-testid="stWidgetLabel"] p', 'button', '[data-testid="stCaptionContainer"]',
                       '[role="tab"]', '[data-testid="stMarkdownContainer"] p', 'h1', 'h2', 'h3',
                       'input[role="combobox"]'];
    const out = [];
    for (const e of document.querySelectorAll(selectors.join(','))) {
        const text = (e.tagName === 'INPUT' ? e.value : e.textContent).trim();
        if (!e.offsetParent || !text) continue;
        const style = getComputedStyle(e);
        const overflowing = e.scrollWidth > e.clientWidth + 1;
        const lines = Math.round(e.getBoundingClientRect().height / (parseFloat(style.lineHeight) || 20));
        if (overflowing && (style.overflowX !== 'visible' || style.textOverflow === 'ellipsis'))
            out.push('cut: ' + text.slice(0, 50));
        else if (lines > 2 && text.length / lines < 4) out.push('a letter a line: ' + text);
    }
    return out;
}"""
# Text of a chart drawn outside its SVG, or shortened by Vega ('…'). A glyph box is the font's whole line, so a
# rotated title's box may pass the edge by its line spacing while its letters do not: 3 px of slack.
CUT_CHART_TEXT = """svg => {
    const edge = svg.getBoundingClientRect(), out = [];
    for (const text of svg.querySelectorAll('text')) {
        const box = text.getBoundingClientRect(), content = text.textContent.trim();
        if (!content) continue;
        if (box.left < edge.left - 3 || box.right > edge.right + 3 || box.top < edge.top - 3
            || box.bottom > edge.bottom + 3) out.push('outside: ' + content);
        if (content.endsWith('…')) out.push('shortened: ' + content);
    }
    return out;
}"""


def link(server: str, name: str, **changes: str) -> str:
    return f"{server}/?{urlencode({**LINKS[name], **changes})}"


def open_page(browser, url: str, width: int, height: int = 1000):
    """A new tab showing `url`, once the script has finished and the first chart (and a player) is drawn."""
    page = browser.new_page(viewport={"width": width, "height": height}, accept_downloads=True)
    page.goto(url)
    settled(page)
    return page


def page_name(page) -> str:
    return parse_qs(urlparse(page.url).query)["page"][0]


def settled(page) -> None:
    whole_page(page, 300_000)
    drawn(page, page_name(page), 120_000)
    if page.locator(".cmxp").count():
        page.wait_for_selector(".cmxp[data-drawn]", timeout=120_000)


def drawn(page, name: str, timeout: float) -> None:
    """Wait for the page's first chart: the curve's dots, or every map picture arrived and decoded."""
    page.wait_for_selector(DRAWN[name], timeout=timeout)
    if name == "basins":
        page.wait_for_function(MAPS_LOADED, timeout=timeout)


def assert_no_error(page) -> None:
    assert page.locator('[data-testid="stException"]').count() == 0
    assert page.locator('[data-testid="stAlertContentError"]').count() == 0


def screenshot(page, name: str) -> None:
    """What the visitor sees first, and the whole page (the main area scrolls inside the app)."""
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"))
    size = page.viewport_size
    height = page.evaluate("document.querySelector('[data-testid=\"stMain\"]').scrollHeight")
    page.set_viewport_size({"width": size["width"], "height": max(size["height"], int(height) + 40)})
    page.screenshot(path=str(ARTIFACTS / f"{name}-full.png"))
    page.set_viewport_size(size)


def content_width(page) -> float:
    """The main column's width inside its padding."""
    return page.locator('[data-testid="stMainBlockContainer"]').evaluate(
        "e => { const style = getComputedStyle(e);"
        "       return e.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight); }")


def hex_to_rgb(colour: str) -> np.ndarray:
    return np.array([int(colour[i:i + 2], 16) for i in (1, 3, 5)])


def css_to_rgb(colour: str) -> np.ndarray:
    """'rgb(213, 94, 0)' or '#D55E00' -> [213, 94, 0]."""
    if colour.startswith("#"):
        return hex_to_rgb(colour)
    return np.array([int(float(part)) for part in colour[colour.index("(") + 1:colour.index(")")].split(",")[:3]])


def pixels_near(image: np.ndarray, rgb: np.ndarray, tolerance: float = 6.0) -> int:
    return int((np.abs(image[..., :3].astype(int) - rgb).max(axis=-1) <= tolerance).sum())


def download_png(page, name: str) -> np.ndarray:
    with page.expect_download(timeout=120_000) as download:
        page.get_by_role("button", name=name).click()
    return np.asarray(Image.open(io.BytesIO(download.value.path().read_bytes())).convert("RGB"))


@pytest.mark.slow
@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("name", ["escape", "basins"])
def test_nothing_is_cut_and_figures_use_the_width(browser, server, name, width):
    page = open_page(browser, link(server, name), width)
    try:
        assert_no_error(page)
        screenshot(page, f"pages-{name}-{width}")
        assert page.evaluate(CUT_TEXT) == []
        for button in page.locator('[data-testid="stDownloadButton"] button').all():
            assert button.inner_text().strip() or button.get_attribute("title")  # text, not a bare icon
        main = content_width(page)
        if name == "escape":
            curve = page.locator(CURVE).first  # beside the survival plot where both fit, else as wide as it can be
            assert curve.bounding_box()["width"] >= 0.97 * min(main, escape_lab.HALF_WIDTH)
            assert curve.evaluate(CUT_CHART_TEXT) == []
        else:  # small multiples of one size, side by side when they fit, never squeezed nor cropped
            maps = page.locator(MAPS).all()
            boxes = [picture.bounding_box() for picture in maps]
            assert len(boxes) == 3 and all(box["width"] >= 290 for box in boxes)
            assert len({round(box["y"]) for box in boxes}) == (1 if width == 1400 else 3)
            for picture, box in zip(maps, boxes):
                natural = picture.evaluate("image => image.naturalHeight / image.naturalWidth")
                assert abs(box["height"] / box["width"] - natural) < 0.01 and box["x"] + box["width"] <= width
    finally:
        page.close()


def test_the_curves_ticks_are_the_swept_values(browser, server):
    page = open_page(browser, link(server, "escape"), 1400)
    try:
        curve = page.locator(CURVE).first
        ticks = curve.locator('g.role-axis[aria-label^="X-axis"] .role-axis-label text').all_text_contents()
        values = parse_qs(urlparse(page.url).query)["values"][0]
        assert ticks == [value.strip() for value in values.split(",")]
        assert curve.locator('g.role-axis[aria-label^="Y-axis"] .role-axis-label text').all_text_contents() == [
            "0%", "20%", "40%", "60%", "80%", "100%"]
        legend = curve.locator(".role-legend-label text").all_text_contents()
        assert legend == ["Adam (lr=0.05)", "Adam+SAM (lr=0.05)", "Adam+CM (lr=0.05)"]
        # an error bar at every dot, 0 and 100% included: a rule per rate and two caps
        assert curve.locator(DOTS).count() == 15
        assert curve.locator("g.mark-rule.role-mark line").count() == 15
        assert curve.locator("g.mark-rect.role-mark path").count() == 30
    finally:
        page.close()


@pytest.mark.slow
@pytest.mark.parametrize("width", WIDTHS)
def test_the_basin_key_is_in_view_and_names_every_basin(browser, server, width):
    page = open_page(browser, link(server, "basins"), width)
    try:
        for code, _, text in basin_key(build_landscape("goldstein_price")):
            if code < 0:
                continue
            entry = page.get_by_text(text, exact=True).first
            box = entry.bounding_box()
            assert entry.is_visible() and box["y"] + box["height"] <= 1000, text  # without scrolling
    finally:
        page.close()


@pytest.mark.slow
def test_an_optimizer_kind_has_one_colour_on_screen_and_in_the_png(browser, server):
    page = open_page(browser, link(server, "escape"), 1400)
    try:
        curve = page.locator(CURVE).first
        names = curve.locator(".role-legend-label text").all_text_contents()
        lines = curve.locator("g.mark-line path").all()
        strokes = [css_to_rgb(line.evaluate("e => getComputedStyle(e).stroke")) for line in lines]
        expected = palette.styles_for(["adam", "adam_sam", "adam_cm"])
        assert [tuple(rgb) for rgb in strokes] == [tuple(hex_to_rgb(style.colour)) for style in expected], names
        dashes = [line.evaluate("e => getComputedStyle(e).strokeDasharray") for line in lines]
        assert dashes[1] == "15px, 7.5px" and dashes[0] == dashes[2] == "1px, 0px"  # Adam+SAM dashed, as in the PNG
        png = download_png(page, "figure PNG")
        for name, rgb in zip(names, strokes):
            assert pixels_near(png, rgb) >= 40, f"{name}'s colour {rgb} is not in the PNG"
    finally:
        page.close()


@pytest.mark.slow
def test_a_basin_has_one_colour_on_screen_and_in_the_png(browser, server):
    page = open_page(browser, link(server, "basins"), 1400)
    try:
        shown = [np.asarray(Image.open(io.BytesIO(picture.screenshot())).convert("RGB"))
                 for picture in page.locator(MAPS).all()]
        png = download_png(page, "figure PNG")
        landscape = build_landscape("goldstein_price")
        key = {code: colour for code, colour, _ in basin_key(landscape)}
        for code in range(len(landscape.minima)):  # the minima's basins fill large parts of every map
            rgb = hex_to_rgb(key[code])
            assert sum(pixels_near(image, rgb, tolerance=2) for image in shown) >= 1000, key[code]
            assert pixels_near(png, rgb, tolerance=2) >= 2000, key[code]
        optimizers = palette.styles_for(["adam", "adam_cm"])  # no basin is mistaken for an optimizer's colour
        assert all(pixels_near(image, hex_to_rgb(style.colour)) == 0 for image in shown for style in optimizers)
    finally:
        page.close()


@pytest.mark.slow
@pytest.mark.parametrize("width", WIDTHS)
def test_the_kick_chart_is_whole_and_in_each_kinds_colour(browser, server, width):
    from ui.pages.learn import KICK_STEPS, KICK_VARIANTS

    page = open_page(browser, link(server, "learn"), width)
    try:
        assert_no_error(page)
        chart = page.locator(CURVE).first
        assert chart.bounding_box()["width"] >= 0.97 * content_width(page)
        assert chart.evaluate(CUT_CHART_TEXT) == []
        assert chart.locator(".role-legend-label text").all_text_contents() == [label for label, _ in KICK_VARIANTS]
        ticks = chart.locator('g.role-axis[aria-label^="X-axis"] .role-axis-label text').all_text_contents()
        assert ticks == [str(step) for step in range(1, KICK_STEPS + 1)]
        strokes = [line.evaluate("e => getComputedStyle(e).stroke") for line in chart.locator("g.mark-line path").all()]
        expected = palette.styles_for([OPTIMIZERS.resolve(spec)[0] for _, spec in KICK_VARIANTS])
        assert [tuple(css_to_rgb(stroke)) for stroke in strokes] == [tuple(hex_to_rgb(s.colour)) for s in expected]
    finally:
        page.close()


@pytest.mark.parametrize("name, own", [("escape", "ArrowVegaLiteChart"),
                                       pytest.param("basins", "/media/", marks=pytest.mark.slow),
                                       pytest.param("learn", "ArrowVegaLiteChart", marks=pytest.mark.slow)])
def test_no_page_with_flat_charts_loads_plotly(browser, server, name, own):
    """Plotly's chunk is 4.7 MB the browser loads and evaluates before its first figure; these pages need none of it.
    A fresh context has an empty cache, so every file the page uses is requested."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    try:
        page.goto(link(server, name))
        settled(page)
        assert_no_error(page)
        assert any(own in url for url in requested), requested  # the chart's own files were seen
        assert [url for url in requested if "PlotlyChart" in url] == []
    finally:
        context.close()


@pytest.mark.slow
def test_the_matched_rows_line_is_drawn_in_a_shade_of_its_kinds_colour_and_no_plotly(browser, server):
    """Equal step lengths on: Adam at Adam+CM's step is a line of its own in the curve's SVG, a shade of Adam's blue
    (a second Adam, as the PNG and the player draw it), and the page still loads no plotly."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})  # an empty cache: every file requested
    page = context.new_page()
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    try:
        page.goto(link(server, "escape", optimizer="adam:lr=0.05", match="true", values="8, 16")
                  + "&optimizer=adam_cm%3Alr%3D0.05")
        settled(page)
        assert_no_error(page)
        curve = page.locator(CURVE).first
        names = curve.locator(".role-legend-label text").all_text_contents()
        assert names == ["Adam (lr=0.05)", "Adam+CM (lr=0.05)", "Adam at Adam+CM's step"]
        lines = curve.locator("g.mark-line path").all()
        strokes = [tuple(css_to_rgb(line.evaluate("e => getComputedStyle(e).stroke"))) for line in lines]
        expected = palette.styles_for(["adam", "adam_cm", "adam"])
        assert strokes == [tuple(hex_to_rgb(style.colour)) for style in expected]
        assert len(set(strokes)) == 3  # the matched Adam is told apart from Adam
        assert any("ArrowVegaLiteChart" in url for url in requested), requested
        assert [url for url in requested if "PlotlyChart" in url] == []
    finally:
        context.close()


@pytest.mark.parametrize("width", WIDTHS)
def test_the_phase_diagram_draws_a_cell_per_optimizer_and_pair_of_values_the_kick_law_and_no_plotly(browser, server,
                                                                                                      width):
    context = browser.new_context(viewport={"width": width, "height": 1000})  # an empty cache: every file requested
    page = context.new_page()
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    try:
        page.goto(f"{server}/?{urlencode(PHASE_LINK)}")
        page.wait_for_selector(IDLE, timeout=300_000)
        page.wait_for_selector(f"{CURVE} {CELLS}", timeout=120_000)
        assert_no_error(page)
        screenshot(page, f"pages-escape-phase-{width}")
        panels = page.locator(CURVE).all()[:3]  # a panel per optimizer, then the survival plot
        titles = [panel.locator(".role-title-text").all_text_contents() for panel in panels]
        assert titles == [["Adam"], ["Adam+SAM"], ["Adam+CM"]]
        assert [panel.locator(CELLS).count() for panel in panels] == [2 * 2 * 3] * 3  # 2 x 3 values, grey under colour
        lines = [panel.locator("g.mark-line.role-mark path").count() for panel in panels]
        assert lines == [0, 0, 4]  # kick and radius laws, each on a white line: Adam+CM only
        edge = content_width(page) + page.locator('[data-testid="stMainBlockContainer"]').bounding_box()["x"]
        for panel in panels:
            assert panel.evaluate(CUT_CHART_TEXT) == []
            box = panel.bounding_box()
            assert box["width"] > 200 and box["x"] + box["width"] <= edge + 40  # whole, inside the main column
        assert any("ArrowVegaLiteChart" in url for url in requested), requested
        assert [url for url in requested if "PlotlyChart" in url] == []
    finally:
        context.close()


def fragment_reruns(page) -> list[str]:
    """The fragment id of every rerun the page asks for from now on ('' for a rerun of the whole script)."""
    from streamlit.proto.BackMsg_pb2 import BackMsg

    reruns: list[str] = []

    def record(payload) -> None:
        if isinstance(payload, bytes):
            message = BackMsg()
            message.ParseFromString(payload)
            if message.WhichOneof("type") == "rerun_script":
                reruns.append(message.rerun_script.fragment_id)

    page.on("websocket", lambda socket: socket.on("framesent", record))
    page.reload()
    settled(page)
    reruns.clear()
    return reruns


def test_choosing_a_sample_reruns_only_its_fragment(browser, server):
    page = open_page(browser, link(server, "escape"), 1400)
    try:
        reruns = fragment_reruns(page)
        assert "Adam+CM (lr=0.05) at sharpness = 16" in page.locator(".cmxp-legend").inner_text()
        page.get_by_role("combobox", name="configuration").click()
        page.keyboard.press("ArrowDown")  # opens the list
        page.get_by_role("option", name="Adam (lr=0.05) at sharpness = 2", exact=True).click()
        page.wait_for_url(lambda url: "sample=0%2C0" in url, timeout=60_000)
        page.wait_for_selector(IDLE, timeout=60_000)
        page.locator(".cmxp-legend").filter(has_text="Adam (lr=0.05) at sharpness = 2").wait_for(timeout=60_000)
        assert reruns and all(reruns), reruns  # every rerun named the fragment: the sweep's part did not run
        assert_no_error(page)
    finally:
        page.close()


def test_marking_the_starts_carried_out_reruns_only_the_maps(browser, server):
    page = open_page(browser, link(server, "basins"), 1400)
    try:
        reruns = fragment_reruns(page)
        before = page.locator(MAPS).evaluate_all("images => images.map(image => image.src)")
        page.get_by_text("mark the starts each optimizer carried out of their own basin").click()
        page.wait_for_url(lambda url: "left=true" in url, timeout=60_000)
        page.wait_for_selector(IDLE, timeout=60_000)
        page.wait_for_function(f"""before => {{
            const now = [...document.querySelectorAll('{MAPS}')].map(image => image.src);
            return now[0] === before[0] && now[1] !== before[1] && now[2] !== before[2] && ({MAPS_LOADED})();
        }}""", arg=before, timeout=60_000)  # the optimizers' maps washed out where they stayed, the flow's as it was
        assert reruns and all(reruns), reruns
        assert_no_error(page)
    finally:
        page.close()


def first_figure_seconds(browser, url: str) -> float:
    """Seconds from navigation to the first chart drawn, in a new tab."""
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    try:
        start = time.monotonic()
        page.goto(url, wait_until="commit")
        drawn(page, parse_qs(urlparse(url).query)["page"][0], 300_000)
        seconds = time.monotonic() - start
        whole_page(page, 300_000)
        assert_no_error(page)
        return seconds
    finally:
        page.close()


@pytest.mark.slow
@pytest.mark.parametrize("name", ["escape", "basins"])
def test_first_figure_time_with_results_cached(browser, server, name):
    url = link(server, name, steps=str(110 + len(name)))  # steps no other test uses: the first visit computes
    uncached = first_figure_seconds(browser, url)
    cached = first_figure_seconds(browser, url)
    print(f"\n{name}: first figure {uncached:.2f} s computing, {cached:.2f} s with the results cached")
    assert cached < CACHED_FIGURE_SECONDS
