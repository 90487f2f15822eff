"""The docs site's links and the step-through's layout.

- mkdocs.yml's ``validation`` makes ``mkdocs build --strict`` fail on a dead link, anchor or nav entry (a
  tiny mkdocs project with the same settings must fail to build), and lesson 17's link to the benchmarks
  reaches a real heading;
- "Backprop step by step" sits with the core lessons in the nav;
- without JavaScript each step-through and nudge plot says what it needs and where the same numbers are;
- in the browser (Debian's chromium, as tests/docs/test_stepthrough.py), at 1280x800 and 375x800, every
  step's equation is either wholly in view or scrolls inside its box with a visible cue, the page never
  scrolls sideways, and on a phone the current step's numbers are drawn at least 9 px high.

The browser tests and the builds are slow; the checks of mkdocs.yml alone are quick.
"""

import io
import json
import os
import re
import subprocess
import sys
from urllib.parse import urljoin, urlparse

import pytest
import yaml
from conftest import ROOT, SHOTS, open_page

STEPTHROUGHS = ("lesson2", "convnet", "resnet")  # the step-throughs of docs/stepthrough.md, in page order
LESSON_CONTAINERS = ["02-feedforward", "03-cost", "04-output-error", "05-backpropagate", "06-gradients"]
LESSON_CONTAINERS += ["13-convolution"]


class _Loader(yaml.SafeLoader):
    """PyYAML's safe loader that reads any tag (``!ENV``, ``!!python/name:``) as None: only plain values matter."""


_Loader.add_multi_constructor("", lambda loader, suffix, node: None)


def mkdocs_yml():
    return yaml.load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"), Loader=_Loader)


# --- links and anchors: mkdocs' validation -------------------------------------------------------------------


def test_mkdocs_yml_makes_dead_links_and_anchors_warnings():
    config = mkdocs_yml()
    assert config.get("strict") is True
    validation = config.get("validation") or {}
    for key in ("not_found", "anchors", "unrecognized_links", "absolute_links"):
        assert validation.get("links", {}).get(key) == "warn", ("links", key)
    for key in ("not_found", "omitted_files", "absolute_links"):
        assert validation.get("nav", {}).get(key) == "warn", ("nav", key)


def tiny_build(folder, index_md, nav=None):
    """``mkdocs build --strict`` of a two-page project with mkdocs.yml's validation settings: (exit code, log)."""
    docs = folder / "docs"
    docs.mkdir(parents=True, exist_ok=True)
    (docs / "index.md").write_text(index_md, encoding="utf-8")
    (docs / "other.md").write_text("# Other\n\n## A real heading\n\nText.\n", encoding="utf-8")
    config = {"site_name": "tiny", "validation": mkdocs_yml().get("validation", {})}
    if nav is not None:
        config["nav"] = nav
    (folder / "mkdocs.yml").write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    build = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(folder / "site")],
        cwd=folder,
        capture_output=True,
        text=True,
        env=dict(os.environ, NO_MKDOCS_2_WARNING="1"),
    )
    return build.returncode, build.stdout + build.stderr


@pytest.mark.slow  # a few mkdocs builds
@pytest.mark.parametrize(
    "index_md, nav, dead",
    [
        ("[ok](other.md#a-real-heading) and [here](#home)", None, None),
        ("[x](other.md#no-such-heading)", None, "no-such-heading"),
        ("[x](#no-such-anchor)", None, "no-such-anchor"),
        ("[x](missing.md)", None, "missing.md"),
        ("[x](other/)", None, "other/"),
        ("[ok](other.md)", [{"Home": "index.md"}, {"Other": "other.md"}, {"Gone": "gone.md"}], "gone.md"),
    ],
    ids=["live-links", "dead-anchor", "dead-anchor-on-the-page", "dead-page", "unrecognized-link", "dead-nav-entry"],
)
def test_a_dead_link_fails_a_strict_build(tmp_path, index_md, nav, dead):
    code, log = tiny_build(tmp_path, f"# Home\n\n{index_md}\n", nav)
    if dead is None:
        assert code == 0, log  # the project itself builds: a failure below is the dead link's
    else:
        assert code != 0, f"a strict build passed with a dead link to {dead!r}:\n{log}"
        assert dead in log, log


@pytest.mark.slow  # the site build
def test_lesson_17_links_to_the_heading_of_the_parallel_methods(site):
    page = (site / "lessons" / "17-pvd" / "index.html").read_text(encoding="utf-8")
    bench = (site / "benchmarks" / "index.html").read_text(encoding="utf-8")
    fragments = re.findall(r'href="[./]*benchmarks/#([^"]+)"', page)
    assert fragments, "lesson 17 links to the benchmarks page"
    headings = dict(re.findall(r'<h[1-6] id="([^"]+)"[^>]*>(.*?)<', bench, re.S))
    for fragment in fragments:
        assert fragment in headings, (fragment, sorted(headings))
        assert "parallel methods" in headings[fragment].lower(), headings[fragment]


# --- the nav --------------------------------------------------------------------------------------------------


def test_backprop_step_by_step_sits_with_the_core_lessons():
    nav = mkdocs_yml()["nav"]
    top = [next(iter(entry.values())) if isinstance(entry, dict) else entry for entry in nav]
    assert "stepthrough.md" not in top, "not among the reference pages"
    lessons = next(v for v in top if isinstance(v, list) and any("lessons/06-gradients.md" in str(e) for e in v))
    paths = [next(iter(entry.values())) if isinstance(entry, dict) else entry for entry in lessons]
    assert "stepthrough.md" in paths, paths
    at = paths.index("stepthrough.md")
    assert paths[at - 1] in ("lessons/06-gradients.md", "lessons/08-gradient-descent.md"), paths


# --- without JavaScript --------------------------------------------------------------------------------------


def containers(html):
    """Each step-through or nudge container of a built page: (its class, its inner HTML)."""
    return re.findall(r'<div class="(stepthrough|nudge)"[^>]*>(.*?)</div>', html, re.S)


def check_noscript(site, page):
    html = (site / page).read_text(encoding="utf-8")
    found = containers(html)
    assert found, f"{page} has no step-through"
    for kind, inner in found:
        noscript = re.fullmatch(r"\s*<noscript>(.*)</noscript>\s*", inner, re.S)
        assert noscript, f"{page}: a {kind} container without its <noscript> line: {inner!r}"
        text = re.sub(r"<[^>]+>", "", noscript.group(1))
        assert "needs JavaScript" in text, text
        hrefs = re.findall(r'href="([^"]+)"', noscript.group(1))
        assert hrefs, f"{page}: the <noscript> line says where the numbers are: {text}"
        for href in hrefs:  # raw HTML: mkdocs does not check these links, so the test does
            target = urlparse(urljoin(page, href)).path
            path = site / target
            assert (path / "index.html" if target.endswith("/") else path).is_file(), (page, href)


@pytest.mark.slow  # the site build
def test_the_components_say_what_needs_javascript(site):
    check_noscript(site, "stepthrough/index.html")
    assert len(containers((site / "stepthrough" / "index.html").read_text(encoding="utf-8"))) == 4


@pytest.mark.slow  # the site build
@pytest.mark.parametrize("lesson", LESSON_CONTAINERS)
def test_the_lessons_components_say_what_needs_javascript(site, lesson):
    check_noscript(site, f"lessons/{lesson}/index.html")


@pytest.mark.slow  # the site build, the browser
def test_without_javascript_the_noscript_line_shows(browser, site_server):
    context = browser.new_context(viewport={"width": 1280, "height": 800}, java_script_enabled=False)
    try:
        pg = context.new_page()
        pg.goto(site_server + "stepthrough/")
        boxes = pg.locator(".stepthrough, .nudge")
        assert boxes.count() == 4
        for i in range(boxes.count()):
            assert "needs JavaScript" in boxes.nth(i).inner_text()
    finally:
        context.close()


# --- the layout in the browser ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def steps(site):
    folder = site / "generated" / "stepthrough"
    return {name: json.loads((folder / f"{name}.json").read_text(encoding="utf-8"))["steps"] for name in STEPTHROUGHS}


def open_stepthrough(browser, site_server, width):
    context, pg = open_page(browser, {"width": width, "height": 800})
    pg.goto(site_server + "stepthrough/")
    pg.wait_for_selector(".stepthrough[data-ready='1'] >> nth=2")
    pg.wait_for_selector(".nudge[data-ready='1']")
    return context, pg


def walk(pg, steps):
    """Every step of every step-through on the page, moved to with its own Next button: (index, name, step)."""
    for index, name in enumerate(STEPTHROUGHS):
        box = pg.locator(".stepthrough").nth(index)
        for i, step in enumerate(steps[name]):
            if i:
                box.locator(".st-next").click()
            assert box.get_attribute("data-step-id") == step["id"]
            yield box, name, i, step
        assert box.locator(".st-next").is_disabled()


EQUATION = """eq => {
  eq.scrollLeft = 0;
  const r = eq.getBoundingClientRect(), box = eq.closest('.st-box').getBoundingClientRect();
  return {sw: eq.scrollWidth, cw: eq.clientWidth, ox: getComputedStyle(eq).overflowX,
          left: r.left, right: r.right, boxLeft: box.left, boxRight: box.right,
          page: document.documentElement.scrollWidth, viewport: window.innerWidth};
}"""

# scrolled to its end (and left there), the equation's last glyph (the result) is inside the box
EQUATION_END = """eq => {
  eq.scrollLeft = eq.scrollWidth;
  let right = 0;
  eq.querySelectorAll('.katex-html *').forEach(e => {
    const b = e.getBoundingClientRect();
    if (b.width) right = Math.max(right, b.right);
  });
  return [right, eq.getBoundingClientRect().right];
}"""


def edge_white_share(png, side):
    """The share of near-white pixels in the 3 px at the ``side`` ("left", "right") of a screenshot (Pillow)."""
    from PIL import Image

    with Image.open(io.BytesIO(png)) as img:
        x = 1 if side == "left" else img.width - 4
        data = img.convert("RGB").crop((x, 0, x + 3, img.height)).tobytes()
    pixels = [data[i : i + 3] for i in range(0, len(data), 3)]
    return sum(min(p) >= 248 for p in pixels) / len(pixels)


@pytest.mark.slow  # the site build, the browser
@pytest.mark.parametrize("width", [1280, 375])
def test_every_equation_is_in_view_or_scrolls_with_a_cue(browser, site_server, steps, width):
    pytest.importorskip("PIL")
    context, pg = open_stepthrough(browser, site_server, width)
    wide = []
    try:
        for box, name, _, step in walk(pg, steps):
            eq = box.locator(".st-eq")
            m = eq.evaluate(EQUATION)
            where = (width, name, step["id"], m)
            assert m["page"] <= m["viewport"], where  # the page itself never scrolls sideways
            assert m["boxLeft"] - 1 <= m["left"] and m["right"] <= m["boxRight"] + 1, where
            assert m["right"] <= m["viewport"], where
            if m["sw"] <= m["cw"] + 1:
                continue  # wholly in view
            wide.append(step["id"])
            assert m["ox"] in ("auto", "scroll"), where  # it scrolls inside its own box
            # the cue: the right edge of an equation that goes on is shaded, not the page's white
            assert edge_white_share(eq.screenshot(), "right") < 0.1, (where, "no scroll cue at the right edge")
            if step["id"] == "dW2":
                SHOTS.mkdir(parents=True, exist_ok=True)
                box.evaluate("e => window.scrollTo(0, e.getBoundingClientRect().top + window.scrollY - 80)")
                box.screenshot(path=str(SHOTS / f"stepthrough-equation-{width}.png"))
            right, edge = eq.evaluate(EQUATION_END)
            assert right <= edge + 1, (where, right, edge)  # its end can be scrolled into view
            pg.wait_for_function("eq => eq.classList.contains('st-more-left')", arg=eq.element_handle())
            assert edge_white_share(eq.screenshot(), "left") < 0.1, (where, "no cue at the left edge at the end")
            eq.evaluate("eq => { eq.scrollLeft = 0; }")
        if width == 1280:
            assert "dW2" in wide  # the case this test was written for still exercises the scrolling
        assert pg.problems == []
    finally:
        context.close()


CURRENT_NUMBERS = """(root, i) => [...root.querySelectorAll(`.st-num[data-step='${i}']`)].map(e => {
  const r = e.getBoundingClientRect();
  return {part: +e.dataset.part, k: +e.dataset.k, w: r.width, h: r.height, svg: !!e.closest('svg')};
})"""


@pytest.mark.slow  # the site build, the browser
def test_on_a_phone_the_current_step_numbers_are_legible(browser, site_server, steps):
    context, pg = open_stepthrough(browser, site_server, 375)
    try:
        for box, name, i, step in walk(pg, steps):
            nums = box.evaluate(CURRENT_NUMBERS, i)
            shown = [n for n in nums if n["w"] > 0 and n["h"] > 0]  # drawn, not left out (display: none)
            small = [n for n in shown if n["h"] < 9]
            assert not small, (name, step["id"], small[:5])
            for p, part in enumerate(step["parts"]):
                if part["panel"]:  # every value of the step is drawn legibly somewhere
                    legible = {n["k"] for n in shown if n["part"] == p}
                    assert legible == set(range(len(part["values"]))), (name, step["id"], part["name"])
            width = pg.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
            assert width[0] <= width[1], (name, step["id"], width)
            if name == "lesson2" and step["id"] == "dW2":
                SHOTS.mkdir(parents=True, exist_ok=True)
                box.screenshot(path=str(SHOTS / "stepthrough-phone-values.png"))
        assert pg.problems == []
    finally:
        context.close()


def test_the_layout_tests_know_every_step_through_of_the_page():
    """STEPTHROUGHS lists the page's step-throughs in order (the browser tests walk each)."""
    page = (ROOT / "docs" / "stepthrough.md").read_text(encoding="utf-8")
    names = re.findall(r'<div class="stepthrough" data-src="[^"]*/([a-z0-9]+)\.json"', page)
    assert tuple(names) == STEPTHROUGHS
