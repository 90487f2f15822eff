"""The docs site: built with --strict, served on 127.0.0.1 and checked in a real browser.

Needs Debian's chromium (/usr/bin/chromium) and Playwright for Python; .ci/run
installs both. Outside CI the browser tests are skipped where chromium is missing.
Screenshots go to test-artifacts/screenshots/.
"""

import os
import re
import socket
import subprocess
import sys
import time
from html import unescape
from pathlib import Path
from urllib.parse import urlparse

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
SHOTS = ROOT / "test-artifacts" / "screenshots"
LESSON_FIGURES = {"10-digits": 3, "12-parallel": 2, "13-convolution": 2, "14-resnet-euler": 3, "15-stability": 2}  # every other lesson page has one figure
LESSON_PAGES = sorted(p.stem for p in (ROOT / "docs" / "lessons").glob("*.md"))


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    out = tmp_path_factory.mktemp("site")
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1")
    build = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(out)], cwd=ROOT,
                           capture_output=True, text=True, env=env)
    assert build.returncode == 0, build.stdout + build.stderr
    return out


def test_site_builds_strict_with_every_page(site):
    assert len(LESSON_PAGES) == 18
    for page in ["index.html", "api/index.html", "format/index.html", "mnist/index.html",
                 "benchmarks/index.html", "notebooks/index.html"]:
        assert (site / page).exists(), page
    html = (site / "lessons" / "04-output-error" / "index.html").read_text()
    text = unescape(re.sub(r"<[^>]+>", "", html))
    assert "def main(argv=None):" in text  # the lesson's own code, included
    assert "[checked] backprop's δ^L is ∇_a C ⊙ σ'(z^L)" in text  # and what it printed
    assert "fonts.googleapis" not in html and "cdn.jsdelivr" not in html
    api = (site / "api" / "index.html").read_text()
    assert "tinynet.network.NeuralNetwork.backprop" in api


@pytest.fixture(scope="module")
def server(site):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1",
                             "--directory", str(site)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/"
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.05)
    yield url
    proc.terminate()
    proc.wait(5)


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing: .ci/run must install Debian's chromium")
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--no-first-run", "--disable-sync", "--disable-quic"])
        yield browser
        browser.close()


@pytest.fixture
def page(browser, server):
    """A page that records errors, failed requests and any request to another host."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    pg = context.new_page()
    pg.problems = []
    pg.on("pageerror", lambda e: pg.problems.append(f"page error: {e}"))
    pg.on("requestfailed", lambda r: pg.problems.append(f"failed: {r.url}"))
    pg.on("request", lambda r: urlparse(r.url).hostname not in ("127.0.0.1", None)
          and pg.problems.append(f"outside request: {r.url}"))
    yield pg
    context.close()


def shot(pg, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    pg.screenshot(path=str(SHOTS / f"{name}.png"), full_page=False)


def test_math_renders(page, server):
    page.goto(server + "lessons/05-backpropagate/")
    page.wait_for_selector(".katex-display")
    assert page.locator(".arithmatex .katex").count() > 0
    assert page.locator(".katex-error").count() == 0
    text = page.locator("article").inner_text()
    assert "\\delta" not in text and "$$" not in text and "\\(" not in text
    shot(page, "math")
    assert page.problems == []


@pytest.mark.parametrize("name", LESSON_PAGES)
def test_every_lesson_page(page, server, name):
    page.goto(server + f"lessons/{name}/")
    page.wait_for_load_state("load")
    if page.locator(".arithmatex").count():
        page.wait_for_selector(".katex")
        assert page.locator(".katex-error").count() == 0
    article = page.locator("article")
    assert "def main(argv=None):" in article.inner_text()
    assert "[checked]" in article.inner_text()
    images = page.locator("article img")
    assert images.count() == LESSON_FIGURES.get(name, 1)
    for i in range(images.count()):
        images.nth(i).scroll_into_view_if_needed()
        page.wait_for_function("img => img.complete && img.naturalWidth > 100", arg=images.nth(i).element_handle())
    shot(page, f"lesson-{name}")
    assert page.problems == []


def test_search_and_navigation(page, server):
    page.goto(server)
    page.locator("label.md-search__icon, .md-search__input").first.click()
    result = page.locator(".md-search-result__item a").first
    # the search index is built in a web worker after the page loads: type again until it answers
    for attempt in range(12):
        page.locator(".md-search__input").fill("")
        page.locator(".md-search__input").press_sequentially("gradient checking")
        try:
            result.wait_for(timeout=5000)
            break
        except Exception:
            continue
    assert result.is_visible(), "search gave no results"
    shot(page, "search")
    result.click()
    page.wait_for_url(re.compile(r".*lessons/07-gradient-check/.*"))
    page.locator(".md-footer__link--next").click()
    page.wait_for_url(re.compile(r".*lessons/08-gradient-descent/.*"))
    assert "Gradient descent" in page.locator("h1").inner_text()
    page.locator("nav.md-nav a", has_text="API reference").first.click()
    page.wait_for_url(re.compile(r".*api/.*"))
    shot(page, "api")
    assert page.problems == []
