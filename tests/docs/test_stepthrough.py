"""The step-through and the nudge plot in a real browser, on the built docs site.

Needs Debian's chromium (/usr/bin/chromium) and Playwright for Python, as
tests/docs/test_docs_site.py; skipped where chromium is missing (outside CI). One
site build is shared by both files (tests/conftest.py; set TINYNET_DOCS_SITE to a folder
``mkdocs build`` already wrote to reuse it). Screenshots go to
test-artifacts/screenshots/. All slow: the site build, the browser.
"""

import json
import re

import numpy as np
import pytest
from conftest import SHOTS, open_page
from stepthrough_checks import fresh

from tinynet.teach.lessonkit import SAMPLE_X, SAMPLE_Y, small_network

pytestmark = pytest.mark.slow  # the docs site build, the browser

LESSON_PAGES = {
    "02-feedforward": "lesson2",
    "03-cost": "lesson2",
    "04-output-error": "lesson2",
    "05-backpropagate": "lesson2",
    "06-gradients": "lesson2",
    "13-convolution": "convnet",
}


@pytest.fixture(scope="module")
def data(site):
    folder = site / "generated" / "stepthrough"
    return {
        name: json.loads((folder / f"{name}.json").read_text(encoding="utf-8"))
        for name in ("lesson2", "convnet", "resnet")
    }


def goto_stepthrough(pg, site_server):
    pg.goto(site_server + "stepthrough/")
    pg.wait_for_selector(".stepthrough[data-ready='1'] >> nth=2")
    pg.wait_for_selector(".nudge[data-ready='1']")
    return pg.locator(".stepthrough")


def shot(locator, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    locator.scroll_into_view_if_needed()
    locator.screenshot(path=str(path))
    return path


def assert_not_blank(path):
    """More than a handful of colours (Pillow), or failing Pillow a PNG of some size."""
    try:
        from PIL import Image
    except ImportError:
        assert path.stat().st_size > 5000, path
        return
    with Image.open(path) as img:
        colours = img.convert("RGB").getcolors(maxcolors=1 << 20)
        assert img.width > 200 and img.height > 150, (path, img.size)
        assert colours is None or len(colours) > 20, (path, len(colours))


def shown(text):
    """A number as the page prints it, and half a unit of its last printed digit (the printed precision)."""
    text = text.strip()
    mantissa, _, exponent = text.partition("e")
    decimals = len(mantissa.partition(".")[2])
    return float(text), 0.5 * 10.0 ** (-decimals + (int(exponent) if exponent else 0)) * (1 + 1e-9)


def test_every_step_of_the_lesson2_network_shows_the_traced_numbers(page, site_server, data):
    box = goto_stepthrough(page, site_server).nth(0)
    steps = data["lesson2"]["steps"]
    net = small_network()
    eqs = []
    for i, step in enumerate(steps):
        if i:
            box.locator(".st-next").click()
        assert box.get_attribute("data-step") == str(i)
        assert box.locator(".st-counter").inner_text() == f"Step {i + 1} of {len(steps)}"
        eq = box.locator(".st-eq")
        assert eq.get_attribute("data-step") == step["id"]
        assert eq.locator(".katex").count() > 0 and eq.locator(".katex-error").count() == 0
        eqs.append(eq.inner_text())
        code = box.locator(".st-code").inner_text()
        for line in step["code"]:
            assert line["text"] in code and f"{line['file']}:{line['line']}" in code
        if i:
            assert step["title"] in box.locator(".st-live").inner_text()
        for p, part in enumerate(step["parts"]):
            want = np.asarray(fresh(net, SAMPLE_X, SAMPLE_Y, part["source"]), float).ravel()
            np.testing.assert_allclose(part["values"], want, rtol=1e-12, atol=1e-15)  # the JSON is the trace
            if not part["panel"]:
                continue  # a weight or bias: in the equation, and where a number that uses it comes from
            nums = box.locator(f".st-num[data-step='{i}'][data-part='{p}']")
            found = nums.evaluate_all("els => els.map(e => [+e.dataset.k, e.textContent])")
            assert {k for k, _ in found} == set(range(want.size)), (step["id"], part["name"], found)  # all shown
            for k, text in found:
                value, tolerance = shown(text)
                assert abs(value - want[k]) <= tolerance, (step["id"], part["name"], k, text, want[k])
    assert len(set(eqs)) == len(eqs), "the equation changes at each step"
    assert box.locator(".st-next").is_disabled()
    shot(box, "stepthrough-lesson2")
    assert page.problems == []


def test_keyboard_and_screen_reader(page, site_server, data):
    box = goto_stepthrough(page, site_server).nth(0)
    n = len(data["lesson2"]["steps"])
    focus = box.locator(".st-box")
    assert focus.get_attribute("tabindex") == "0" and "arrow keys" in focus.get_attribute("aria-label")
    assert box.locator(".st-back").get_attribute("aria-label") and box.locator(".st-next").get_attribute("aria-label")
    live = box.locator("[aria-live='polite']")
    focus.focus()
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    assert box.get_attribute("data-step") == "2"
    assert live.inner_text().startswith(f"Step 3 of {n}.")
    page.keyboard.press("ArrowLeft")
    assert box.get_attribute("data-step") == "1"
    page.keyboard.press("End")
    assert box.get_attribute("data-step") == str(n - 1)
    page.keyboard.press("ArrowRight")  # past the end: stays
    assert box.get_attribute("data-step") == str(n - 1)
    page.keyboard.press("Home")
    assert box.get_attribute("data-step") == "0" and box.locator(".st-back").is_disabled()
    box.locator(".st-next").focus()  # the buttons take the focus, and the arrows still work from them
    page.keyboard.press("Enter")
    page.keyboard.press("ArrowRight")
    assert box.get_attribute("data-step") == "2"
    assert page.problems == []


def test_nudge_plot_tangent_slope_is_the_gradient(page, site_server, data):
    goto_stepthrough(page, site_server)
    nudge = page.locator(".nudge")
    t = small_network().trace(SAMPLE_X, SAMPLE_Y)
    params = data["lesson2"]["nudge"]["params"]
    select, slider = nudge.locator("select"), nudge.locator("input[type=range]")
    assert select.locator("option").count() == 17
    assert select.get_attribute("id") and nudge.locator(f"label[for='{select.get_attribute('id')}']").count()
    for i, p in enumerate(params):
        select.select_option(str(i))
        assert nudge.get_attribute("data-param") == p["id"]
        want = t[p["l"]].grads[p["key"]][tuple(p["index"])]
        tangent = nudge.locator(".nd-tangent[data-slope]")
        assert float(tangent.get_attribute("data-slope")) == pytest.approx(want, rel=1e-12, abs=1e-15)
        (x0, y0), (x1, y1) = (map(float, tangent.get_attribute(a).split(",")) for a in ("data-from", "data-to"))
        assert (y1 - y0) / (x1 - x0) == pytest.approx(want, rel=1e-9, abs=1e-12)
        value, tolerance = shown(nudge.locator(".nd-grad .st-num").inner_text())
        assert abs(value - want) <= tolerance
    # the slider walks the grid; measured and predicted changes are the JSON's (cost_of and the slope)
    p = params[-1]
    for index in (0, 20, 25, 40):
        slider.fill(str(index))
        d = data["lesson2"]["nudge"]["deltas"][index]
        assert nudge.locator(".nd-dw").inner_text() == f"Δw = {d:.2f}"
        for cls, values in (("nd-meas", p["measured"]), ("nd-pred", p["predicted"])):
            value, tolerance = shown(nudge.locator(f".{cls} .st-num").inner_text())
            assert abs(value - values[index]) <= tolerance
    select.select_option(str(params.index(next(q for q in params if q["id"] == "W2_00"))))
    slider.fill("25")
    assert_not_blank(shot(nudge, "stepthrough-nudge"))
    assert page.problems == []


@pytest.mark.parametrize("index, name, steps", [(0, "lesson2", 12), (1, "convnet", 17), (2, "resnet", 26)])
def test_each_network_walks_forward_and_back(page, site_server, data, index, name, steps):
    box = goto_stepthrough(page, site_server).nth(index)
    assert len(data[name]["steps"]) == steps
    assert box.get_attribute("data-kind") == data[name]["kind"]
    box.locator(".st-box").focus()
    seen = set()
    for i in range(steps):
        assert box.get_attribute("data-step-id") == data[name]["steps"][i]["id"]
        seen.add(box.locator(".st-eq").inner_text())
        if name == "convnet" and data[name]["steps"][i]["id"] == "pool_back":
            # the mask outlines one cell per pooling block, and the error reaches only masked cells
            assert box.locator(".st-maskcell").count() == 2 * 9
            values = box.locator(".st-cell.st-maskcell").evaluate_all("els => els.map(e => +e.dataset.value)")
            unmasked = box.locator(".st-cell.st-cur:not(.st-maskcell)").evaluate_all(
                "els => els.map(e => +e.dataset.value)"
            )
            assert len(values) == 18 and set(unmasked) == {0}
            assert_not_blank(shot(box, "stepthrough-convnet"))
        if name == "resnet" and data[name]["steps"][i]["id"] == "dY1":
            assert_not_blank(shot(box, "stepthrough-resnet"))
        page.keyboard.press("ArrowRight")
    assert len(seen) == steps
    for i in reversed(range(steps)):
        assert box.get_attribute("data-step") == str(i)
        page.keyboard.press("ArrowLeft")
    if name == "lesson2":
        box.locator(".st-next").click()
        box.locator(".st-next").click()
        assert_not_blank(shot(box, "stepthrough-lesson2"))
    assert page.problems == []


def test_a_phone_screen(browser, site_server):
    context, pg = open_page(browser, {"width": 375, "height": 667})
    try:
        boxes = goto_stepthrough(pg, site_server)
        for i in range(3):
            for _ in range(8):
                boxes.nth(i).locator(".st-next").click()
        width = pg.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        assert width[0] <= width[1], width
        for el in pg.locator(".st-svg, .nd-svg").all():
            assert el.bounding_box()["width"] <= 375
        assert_not_blank(shot(boxes.nth(0), "stepthrough-phone"))
        pg.screenshot(path=str(SHOTS / "stepthrough-phone-page.png"))
        assert pg.problems == []
    finally:
        context.close()


@pytest.mark.parametrize("lesson", sorted(LESSON_PAGES))
def test_lesson_pages_have_their_step_through(page, site_server, data, lesson):
    page.goto(site_server + f"lessons/{lesson}/")
    page.wait_for_selector(".stepthrough[data-ready='1']")
    box = page.locator(".stepthrough").first
    assert box.get_attribute("data-kind") == data[LESSON_PAGES[lesson]]["kind"]
    start = box.get_attribute("data-step")
    box.locator(".st-next").click()
    assert box.get_attribute("data-step") == str(int(start) + 1)
    assert page.problems == []


def test_instant_navigation_keeps_it_working(page, site_server):
    """Reaching the page by a link (Material's instant navigation when it is on) still starts the component."""
    page.goto(site_server)
    page.locator("nav.md-nav a", has_text=re.compile("Backprop step by step")).first.click()
    page.wait_for_url(re.compile(r".*stepthrough/.*"))
    page.wait_for_selector(".stepthrough[data-ready='1'] >> nth=2")
    assert page.locator(".stepthrough[data-ready='1']").count() == 3
    assert page.problems == []


def test_a_chosen_number_says_where_it_comes_from(page, site_server, data):
    """On each of the three step-throughs, at every step: a number chosen in the table (and one in the drawing)
    shows its equation with its operands' values, the operands lit up, and tinynet's line that computed it."""
    from tinynet.teach.stepthrough.format import fmt

    boxes = goto_stepthrough(page, site_server)
    for n, name in enumerate(("lesson2", "convnet", "resnet")):
        box, steps = boxes.nth(n), data[name]["steps"]
        why = box.locator(".st-why")
        for i, st in enumerate(steps):
            for where in (".st-values .st-num", ".st-svg .st-num"):
                numbers = box.locator(where)
                if not numbers.count():
                    continue
                numbers.first.click()
                si, pi, k = (int(v) for v in why.get_attribute("data-chosen").split(","))
                p = steps[si]["parts"][pi]
                value = fmt(p["values"][k])
                assert f"= {value} comes from" in why.locator(".st-whyhead").inner_text(), (name, st["id"])
                eq = why.locator(".st-whyeq").inner_text()
                assert value in eq, (name, st["id"], eq)
                ops = json.loads(why.get_attribute("data-ops"))
                for ref in ops:
                    op = next(s for s in steps if s["id"] == ref[0])["parts"][ref[1]]
                    assert fmt(op["values"][ref[2]]) in eq.replace("(", "").replace(")", ""), (name, st["id"], ref)
                if ops:
                    assert box.locator(".st-op").count() >= 1, (name, st["id"])
                shown = why.locator(".st-codeline code").all_inner_texts()
                assert set(shown) <= {c["text"] for c in steps[si]["code"]}
                assert shown or p["why"]["rule"] == "given", (name, st["id"])
            if i + 1 < len(steps):
                box.locator(".st-next").click()
    assert page.problems == []
