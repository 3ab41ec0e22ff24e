"""The Explorer and the Learn page in a real browser (`streamlit run app.py`, Chromium through Playwright).

Script reruns are counted from Streamlit's own `data-test-script-state` attribute by a MutationObserver, so a test
can tell a change the browser handled alone from one that went back to the server.
"""

from __future__ import annotations

import io
import os
import random
import re
import time
import urllib.parse
from pathlib import Path

import numpy as np
import pytest

from benchmarks.app_timings import COUNT_RUNS, whole_page  # the rerun counter and wait the app benchmark uses
from tests.browser_support import IDLE

pytestmark = pytest.mark.browser
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"
DRAWN = ".cmxp[data-image='drawn']"


def open_page(browser, url: str, width: int = 1400):
    page = browser.new_page(viewport={"width": width, "height": 1000})
    page.goto(url)
    whole_page(page)
    return page


def query(page) -> dict[str, list[str]]:
    """The page's query parameters as the browser has them now (page.url can lag a history update)."""
    return urllib.parse.parse_qs(page.evaluate("window.location.search").lstrip("?"))


def wait_for_query(page, predicate, timeout: float = 60_000) -> None:
    page.wait_for_function("() => true")
    deadline = time.monotonic() + timeout / 1000
    while not predicate(query(page)):
        assert time.monotonic() < deadline, f"the link never became what was expected: {query(page)}"
        page.wait_for_timeout(100)


def test_the_explorer_plays_in_the_browser_and_only_a_click_goes_back_to_the_server(browser, server):
    page = open_page(browser, f"{server}/?page=explorer")
    try:
        page.wait_for_selector(DRAWN, timeout=60_000)
        assert page.locator('[data-testid="stException"]').count() == 0
        assert "3 runs" in page.locator(".cmxp-status").inner_text()
        page.evaluate(COUNT_RUNS)
        page.get_by_role("button", name="play (Space)").click()
        page.wait_for_selector(".cmxp:not([data-step='0'])")
        page.get_by_role("button", name="pause (Space)").click()
        page.get_by_label("step", exact=True).fill("120")
        page.wait_for_selector(".cmxp[data-step='120']")
        page.get_by_role("button", name="teaching overlays on/off").click()
        page.get_by_role("button", name="show or hide Adam+SAM (lr=0.05)").click()
        page.get_by_label("speed").select_option(index=0)
        page.get_by_role("button", name="zoom in (+)").click()
        page.get_by_role("button", name="reset the view (0)").click()
        assert page.evaluate("window.__cmxRuns") == 0  # every display-only change stayed in the browser
        box = page.locator(".cmxp-canvas").bounding_box()
        x0, x1, y0, y1 = map(float, page.locator(".cmxp").get_attribute("data-view").split(","))
        page.mouse.click(box["x"] + 0.3 * box["width"], box["y"] + 0.4 * box["height"])
        wait_for_query(page, lambda q: "added" in q)
        page.wait_for_selector(IDLE, timeout=60_000)
        assert query(page)["starts"] == ["preset"]  # the click adds to the demo's starts, never replaces them
        pixel = (x1 - x0) / box["width"]
        x, y = map(float, query(page)["added"][0].split(","))
        assert abs(x - (x0 + 0.3 * (x1 - x0))) <= pixel and abs(y - (y1 - 0.4 * (y1 - y0))) <= pixel
        assert page.evaluate("window.__cmxRuns") >= 1
        page.wait_for_selector(".cmxp-legend:has-text('4 runs')")  # the browser ran the new start
        page.get_by_role("button", name="undo the last added start (1 added)").wait_for()
        assert page.locator(".cmxp-title").inner_text() == "Adam stuck in a sharp basin, CM escapes"  # the demo stays
    finally:
        page.close()


@pytest.mark.slow
def test_the_3d_view_and_back_keeps_the_players_step(browser, server):
    page = open_page(browser, f"{server}/?page=explorer&steps=60")
    try:
        page.wait_for_selector(DRAWN, timeout=60_000)
        page.get_by_label("step", exact=True).fill("40")
        page.wait_for_selector(".cmxp[data-step='40']")
        page.get_by_text("3-D surface", exact=True).click()
        page.wait_for_selector(".cmxp", state="detached", timeout=60_000)
        page.get_by_text("map", exact=True).click()
        page.wait_for_selector(DRAWN, timeout=60_000)
        assert page.locator(".cmxp").get_attribute("data-step") == "40"
    finally:
        page.close()


def test_added_starts_are_undone_by_the_button_and_by_backspace(browser, server):
    page = open_page(browser, f"{server}/?page=explorer&added=0.5,0.5;-0.5,0.5")
    try:
        page.wait_for_selector(".cmxp-legend:has-text('5 runs')", timeout=60_000)
        page.get_by_role("button", name="undo the last added start (2 added)").click()
        wait_for_query(page, lambda q: q.get("added") == ["0.5,0.5"])
        page.wait_for_selector(".cmxp-legend:has-text('4 runs')", timeout=60_000)
        page.locator(".cmxp-note").click()  # a click on the player's text gives it the keys
        page.keyboard.press("Backspace")
        wait_for_query(page, lambda q: "added" not in q)
        page.wait_for_selector(".cmxp-legend:has-text('3 runs')", timeout=60_000)
        assert page.locator('[data-testid="stException"]').count() == 0
    finally:
        page.close()


def test_a_start_clicked_in_then_undone_leaves_the_first_runs(browser, server):
    """The page draws a clicked start itself; the undo's rerun sends the very payload first shown, which the player
    must show again rather than keep its own runs (found by the random edit sequences)."""
    page = open_page(browser, f"{server}/?page=explorer&steps=60")
    try:
        page.wait_for_selector(DRAWN, timeout=60_000)
        box = page.locator(".cmxp-canvas").bounding_box()
        page.mouse.click(box["x"] + 0.55 * box["width"], box["y"] + 0.6 * box["height"])
        wait_for_query(page, lambda q: "added" in q)
        page.wait_for_selector(".cmxp-legend:has-text('4 runs')", timeout=60_000)
        page.get_by_role("button", name="undo the last added start (1 added)").click()
        wait_for_query(page, lambda q: "added" not in q)
        page.wait_for_selector(IDLE, timeout=60_000)
        page.wait_for_selector(".cmxp-legend:has-text('3 runs')", timeout=10_000)
        assert "4 runs" not in page.locator(".cmxp-legend").inner_text()
    finally:
        page.close()


def test_a_click_on_the_players_text_gives_it_the_keys_and_space_never_scrolls(browser, server):
    page = browser.new_page(viewport={"width": 1400, "height": 600})  # short: the page can scroll
    try:
        page.goto(f"{server}/?page=explorer")
        page.wait_for_selector(DRAWN, timeout=60_000)
        whole_page(page)
        page.locator(".cmxp-markers").click()
        assert page.locator(".cmxp").evaluate("node => node.matches(':focus-within')")
        ring = page.locator(".cmxp").evaluate("node => getComputedStyle(node).boxShadow")
        assert ring not in ("", "none")  # a visible ring says the player has the keys
        scrolled = page.evaluate("document.querySelector('[data-testid=stMain]').scrollTop")
        page.keyboard.press("Space")
        page.wait_for_selector(".cmxp[data-playing='true']", timeout=5_000)
        page.keyboard.press("Space")
        page.wait_for_selector(".cmxp[data-playing='false']", timeout=5_000)
        assert page.evaluate("document.querySelector('[data-testid=stMain]').scrollTop") == scrolled
        assert "Space play/pause" in page.locator(".cmxp-hint").inner_text()
    finally:
        page.close()


def test_every_page_opens_without_an_error_and_fetches_nothing_from_elsewhere(browser, server):
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    elsewhere: list[str] = []
    page.on("request", lambda request: None if request.url.startswith((server, "data:", "blob:"))
            else elsewhere.append(request.url))
    try:
        for name in ("explorer", "escape", "basins", "learn"):  # every page opens, without an error
            page.goto(f"{server}/?page={name}")
            whole_page(page)
            assert page.locator('[data-testid="stException"], [data-testid="stAlertContentError"]').count() == 0, name
        assert elsewhere == []
    finally:
        page.close()


def test_changing_an_optimizer_redraws_the_player_with_its_label(browser, server):
    page = open_page(browser, f"{server}/?page=explorer")
    try:
        page.wait_for_selector(DRAWN, timeout=60_000)
        page.get_by_test_id("stSelectbox").filter(has_text="optimizer 1").click()
        page.get_by_role("option", name="Adam+CG · adam_cg").click()
        wait_for_query(page, lambda q: any(spec.startswith("adam_cg") for spec in q.get("optimizer", [])))
        page.wait_for_selector(IDLE, timeout=60_000)
        page.locator(".cmxp-legend", has_text="Adam+CG (lr=0.05)").wait_for(timeout=60_000)  # (in a shadow root)
        assert page.locator('[data-testid="stException"]').count() == 0
    finally:
        page.close()


def test_the_first_demo_ends_with_adam_in_the_sharp_basin_and_adam_cm_escaped(browser, server):
    page = open_page(browser, f"{server}/?page=learn")
    try:
        # the sharp-basin demo's own button (by its widget key), not whichever button comes first in the page
        page.locator(".st-key-learn-demo-sharp-basin").get_by_role("button", name="Open in the Explorer").click()
        wait_for_query(page, lambda q: "depth=0.5" in q.get("landscape", [""])[0])
        page.wait_for_selector(DRAWN, timeout=60_000)
        assert "Adam and Adam+SAM stay there" in page.locator(".cmxp").inner_text()  # the note, beside the map
        page.get_by_role("button", name="last step (End)").click()
        # the status is redrawn on the next frame: read it once the step read-out says the last step
        from playwright.sync_api import expect

        expect(page.locator(".cmxp-step")).to_have_text(re.compile(r"^step (\d+) / \1$"), timeout=10_000)
        status = page.locator(".cmxp-status").inner_text()
        adam = next(line for line in status.splitlines() if line.startswith("Adam (lr=0.05)"))
        cm = next(line for line in status.splitlines() if line.startswith("Adam+CM"))
        assert "sharp basin" in adam and "escaped" not in adam
        assert "escaped" in cm and "flat basin" in cm
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "explorer-first-demo.png"), full_page=True)
    finally:
        page.close()


MARKDOWN_LINKS = {
    "landscape": "Session expired [log in here](http://127.0.0.1:9/x)",
    "optimizer": "![t](http://127.0.0.1:9/t.png)",
    "points": "<img src=http://127.0.0.1:9/i.png onerror=window.__pwned=1>",
    "steps": "**bold** :red[alarm] $x^2$",
}


def test_link_values_in_notices_are_plain_text_in_the_rendered_page(browser, server):
    link = urllib.parse.urlencode({"page": "explorer", "starts": "points", **MARKDOWN_LINKS})
    page = open_page(browser, f"{server}/?{link}")
    try:
        app = page.locator('[data-testid="stApp"]')
        assert app.locator("a[href*='127.0.0.1:9'], img[src*='127.0.0.1:9']").count() == 0
        assert page.evaluate("window.__pwned") is None
        # what the reader sees: zero-width spaces keep addresses from turning into links
        notices = " ".join(page.locator('[data-testid="stAlert"]').all_inner_texts()).replace("\u200b", "")
        for value in MARKDOWN_LINKS.values():
            assert value[:18] in notices, (value, notices)
        assert app.locator('[data-testid="stAlert"] strong, [data-testid="stAlert"] em').count() == 0
    finally:
        page.close()


@pytest.mark.slow
@pytest.mark.parametrize("width", [1400, 800])
def test_the_explorer_and_learn_fit_without_cut_labels(browser, server, width):
    ARTIFACTS.mkdir(exist_ok=True)
    for name, url in (("explorer", f"{server}/?page=explorer"), ("learn", f"{server}/?page=learn")):
        page = open_page(browser, url, width)
        try:
            assert page.locator('[data-testid="stException"], [data-testid="stAlertContentError"]').count() == 0
            if name == "explorer":
                page.wait_for_selector(DRAWN, timeout=60_000)
            cut = page.evaluate("""() => Array.from(document.querySelectorAll(
                    'label, button, [data-testid="stMarkdownContainer"] p, [data-testid="stCaptionContainer"], '
                    + '[data-testid="stWidgetLabel"], .cmxp-legend *, .cmxp-status li'))
                .filter(e => e.offsetParent !== null && e.scrollWidth > e.clientWidth + 1)
                .map(e => e.innerText.slice(0, 40))""")
            assert cut == [], f"{name} at {width} px cuts: {cut}"
            if name == "explorer":
                map_width = page.locator(".cmxp-canvas").bounding_box()["width"]
                content = page.evaluate("""() => { const block = document.querySelector(
                    '[data-testid="stMainBlockContainer"]'); const style = getComputedStyle(block);
                    return block.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight); }""")
                assert map_width >= 0.6 * content, (map_width, content)
            page.screenshot(path=str(ARTIFACTS / f"{name}-{width}.png"), full_page=True)
        finally:
            page.close()


@pytest.mark.skipif(not os.environ.get("CMX_SCREENSHOT"), reason="set CMX_SCREENSHOT=path to write the README picture")
def test_write_the_readme_screenshot(browser, server):
    page = open_page(browser, f"{server}/?page=explorer")
    try:
        page.wait_for_selector(DRAWN, timeout=60_000)  # the first view: the sharp-basin demo at its last step
        page.wait_for_timeout(500)
        page.screenshot(path=os.environ["CMX_SCREENSHOT"])
        assert re.search(r"\.png$", os.environ["CMX_SCREENSHOT"])
    finally:
        page.close()


def colours_in(pixels: np.ndarray, colours: list[str], tolerance: int = 40) -> dict[str, int]:
    """How many pixels of an (H, W, 3) image are nearer to each #RRGGBB colour than to any other of `colours`, and
    within `tolerance` of it (lines are anti-aliased and blended with what lies under them)."""
    palette_rgb = np.array([[int(c[i:i + 2], 16) for i in (1, 3, 5)] for c in colours])
    distance = np.abs(pixels.astype(int)[:, :, None, :] - palette_rgb[None, None]).max(axis=3)  # (H, W, K)
    nearest = distance.argmin(axis=2)
    close = distance.min(axis=2) <= tolerance
    return {colour: int((close & (nearest == k)).sum()) for k, colour in enumerate(colours)}


@pytest.mark.slow
def test_each_optimizer_has_its_palette_colour_on_screen_and_in_the_png(browser, server):
    from PIL import Image

    from export import palette
    from ui.pages import explorer
    from ui.url_state import UrlReader

    wanted = [palette.KIND_STYLES[kind][0] for kind in ("adam", "adam_sam", "adam_cm")]
    page = open_page(browser, f"{server}/?page=explorer")
    try:
        page.wait_for_selector(DRAWN, timeout=60_000)
        page.get_by_role("button", name="last step (End)").click()
        page.wait_for_timeout(300)
        shot = np.asarray(Image.open(io.BytesIO(page.locator(".cmxp-canvas").screenshot())).convert("RGB"))
    finally:
        page.close()
    on_screen = colours_in(shot, wanted)
    png = explorer._figure_png(explorer.compute_view(explorer.read_state(UrlReader({})), 10**9))
    in_png = colours_in(np.asarray(Image.open(io.BytesIO(png)).convert("RGB")), wanted)
    assert all(count > 20 for count in on_screen.values()), on_screen
    assert all(count > 20 for count in in_png.values()), in_png


def _settle(page) -> None:
    """Wait for whatever the last edit started: a rerun (if any) to finish and the player to draw."""
    page.wait_for_timeout(250)
    page.wait_for_selector(IDLE, timeout=60_000)


def _edit_lr(page, rng):
    boxes = page.get_by_label("lr (exact)")  # each optimizer's, in sight beside its name
    index = rng.randrange(boxes.count())
    value = rng.choice(["0.1", "0.02", "0.3", "0.05", "0.013"])
    boxes.nth(index).fill(value)
    boxes.nth(index).press("Enter")
    return f"lr {value} for optimizer {index + 1}"


def test_a_hyperparameter_set_after_an_lr_edit_keeps_every_other_value(browser, server):
    """Found by hand: with the hyperparameters in a popover (drawn only when opened), opening it after a rerun gave
    its inputs their defaults (γ = 0, refused) instead of the values they held."""
    page = open_page(browser, f"{server}/?page=explorer")
    try:
        page.wait_for_selector(DRAWN, timeout=60_000)
        box = page.get_by_label("lr (exact)").nth(2)  # Adam+CM's
        box.fill("0.1")
        box.press("Enter")
        wait_for_query(page, lambda q: q["optimizer"][2] == "adam_cm:lr=0.1")
        page.wait_for_selector(IDLE, timeout=60_000)
        page.get_by_text("Adam+CM hyperparameters").click()
        c = page.get_by_role("spinbutton", name="C (buffer size)").first
        c.fill("10")
        c.press("Enter")
        wait_for_query(page, lambda q: q["optimizer"][2] == "adam_cm:lr=0.1,top_c=10")
        page.wait_for_selector(IDLE, timeout=60_000)
        assert not [t for t in page.get_by_test_id("stMain").locator('[data-testid="stCaptionContainer"]')
                    .all_inner_texts() if "Fix the marked input" in t]
        assert page.locator('[data-testid="stAlertContentError"]').count() == 0
    finally:
        page.close()


def _edit_steps(page, rng):
    value = str(rng.choice([40, 80, 120, 150]))
    box = page.get_by_test_id("stSidebarUserContent").get_by_label("steps", exact=True)  # the player has one too
    box.fill(value)
    box.press("Enter")
    return f"steps {value}"


def _click_map(page, rng):
    page.locator(".cmxp-canvas").scroll_into_view_if_needed()  # a mouse click at a point off screen clicks nothing
    box = page.locator(".cmxp-canvas").bounding_box()
    fx, fy = rng.uniform(0.1, 0.9), rng.uniform(0.1, 0.9)
    page.mouse.click(box["x"] + fx * box["width"], box["y"] + fy * box["height"])
    return f"click the map at ({fx:.2f}, {fy:.2f}) of its box"


def _backspace(page, rng):
    page.locator(".cmxp-markers").click()
    page.keyboard.press("Backspace")
    return "Backspace on the player"


def _zoom(page, rng):
    canvas = page.locator(".cmxp-canvas")
    box = canvas.bounding_box()
    how = rng.choice(["wheel", "buttons", "keys"])
    if how == "wheel":
        page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        page.mouse.wheel(0, rng.choice([-400, 300]))
    elif how == "buttons":
        page.get_by_role("button", name=rng.choice(["zoom in (+)", "zoom out (-)", "reset the view (0)"])).click()
    else:
        page.locator(".cmxp-markers").click()
        page.keyboard.press(rng.choice(["+", "-", "0"]))
    return f"zoom by {how}"


def _follow(page, rng):
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    options = page.get_by_role("listbox", name="overlays follow").get_by_role("option")  # not the player's <select>s
    for _ in range(3):  # Streamlit's select box sometimes takes its first click as focus alone: click again
        page.get_by_test_id("stSelectbox").filter(has_text="overlays follow").click()
        try:
            options.first.wait_for(timeout=3_000)
            break
        except PlaywrightTimeout:
            continue
    index = rng.randrange(options.count())
    name = options.nth(index).inner_text()
    options.nth(index).click()
    return f"follow {name}"


def _play(page, rng):
    page.locator(".cmxp-markers").click()
    page.keyboard.press("Space")
    page.wait_for_timeout(rng.choice([100, 400]))
    page.keyboard.press("Space")
    return "play and pause with Space"


def _add_or_remove(page, rng):
    add = page.get_by_role("button", name="add optimizer")
    removes = page.locator('[class*="st-key-ex-O"][class*="-remove"] button:visible')  # each slot's, by its key
    if rng.random() < 0.5 and add.is_enabled():
        add.click()
        return "add an optimizer"
    enabled = [i for i in range(removes.count()) if removes.nth(i).is_enabled()]
    if not enabled:
        add.click()
        return "add an optimizer"
    index = rng.choice(enabled)
    removes.nth(index).click()
    return f"remove optimizer {index + 1}"


def _undo_button(page, rng):
    undo = page.get_by_role("button", name=re.compile(r"^undo the last added start"))
    if undo.count() == 0:
        return _click_map(page, rng)
    undo.click()
    return "press undo"


def test_adam_cms_lr_typed_twice_then_the_steps_keeps_the_explorer(browser, server):
    """Issue 18's crash as a person met it: the overlays' select box held the label with the old lr."""
    page = open_page(browser, f"{server}/?page=explorer&steps=60")
    try:
        page.wait_for_selector(DRAWN, timeout=60_000)
        box = page.get_by_label("lr (exact)").nth(2)  # Adam+CM's, the third optimizer
        for value in ("0.1", "0.02"):
            box.fill(value)
            box.press("Enter")
            wait_for_query(page, lambda q, value=value: f"adam_cm:lr={value}" in q.get("optimizer", []))
            _settle(page)
        _edit_steps(page, random.Random(0))
        _settle(page)
        assert page.locator('[data-testid="stException"]').count() == 0
        follow = page.get_by_test_id("stSelectbox").filter(has_text="overlays follow")
        assert "Adam+CM (lr=0.02), run 1" in follow.evaluate("node => node.textContent + ' ' + Array.from("
                                                             "node.querySelectorAll('input')).map(i => i.value)")
    finally:
        page.close()


EDITS = (_edit_lr, _edit_lr, _edit_steps, _click_map, _click_map, _backspace, _zoom, _follow, _play, _add_or_remove,
         _undo_button)


@pytest.mark.parametrize("sequence", range(2))
def test_random_sequences_of_edits_in_the_browser_never_break_the_explorer(browser, server, sequence):
    """What AppTest cannot see: the player's own returns (clicks, Backspace), zoom and keys, between widget edits.
    New sequences each run; the seed is in the failure message (CMX_EDIT_SEED=seed repeats one)."""
    seed = int(os.environ.get("CMX_EDIT_SEED") or random.SystemRandom().randrange(2**32))
    rng = random.Random(seed + sequence)
    page = open_page(browser, f"{server}/?page=explorer&steps=60")
    done: list[str] = []
    try:
        page.wait_for_selector(DRAWN, timeout=60_000)
        for _ in range(10):
            edit = rng.choice(EDITS)
            done.append(edit.__name__)
            done[-1] = edit(page, rng)
            _settle(page)
            assert page.locator('[data-testid="stException"]').count() == 0
            assert page.locator(".cmxp[data-failed]").count() == 0
            page.wait_for_selector(".cmxp[data-drawn='true']", timeout=30_000)
        runs = sum(int(m) for m in re.findall(r"(\d+) runs?", page.locator(".cmxp-legend").inner_text()))
        starts = len(query(page).get("added", [""])[0].split(";")) if "added" in query(page) else 0
        assert runs == len(query(page)["optimizer"]) * (3 + starts)  # the preset starts and those added
        print(f"CMX_EDIT_SEED={seed} (sequence {sequence}): {done}")
    except Exception as error:
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"edit-sequence-{seed}-{sequence}.png"), full_page=True)
        raise AssertionError(f"CMX_EDIT_SEED={seed} (sequence {sequence}) after {done}: {error}") from error
    finally:
        page.close()
