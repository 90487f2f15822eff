"""The docs site: built with --strict, served on 127.0.0.1 and checked in a real browser.

Needs Debian's chromium (/usr/bin/chromium) and Playwright for Python; .ci/run
installs both. Outside CI the browser tests are skipped where chromium is missing.
Screenshots go to test-artifacts/screenshots/. The site, its server, the browser and the ``page`` fixture
are tests/conftest.py's. Every test here builds the site (every lesson runs): all are slow.
"""

import re
from html import unescape

import pytest
from conftest import ROOT, SHOTS

pytestmark = pytest.mark.slow  # the docs site build, the browser


# every other lesson page has one figure
LESSON_FIGURES = {"10-digits": 3, "12-parallel": 2, "13-convolution": 2, "14-resnet-euler": 3, "15-stability": 2}
LESSON_FIGURES["19-scalars-to-matrices"] = 2  # its figure, and a picture of its scalar graph
LESSON_PAGES = sorted(p.stem for p in (ROOT / "docs" / "lessons").glob("*.md"))
# one API page per module of the package, a subpackage's modules too: tinynet.teach.stepthrough.format has
# api/teach.stepthrough.format.md; the example programs and the exercises have pages of their own
NOT_API = ("examples", "exercises")
MODULES = sorted(
    ".".join(p.relative_to(ROOT / "tinynet").with_suffix("").parts).removesuffix(".__init__")
    for p in (ROOT / "tinynet").rglob("*.py")
    if p.stem != "__main__"
    and p.relative_to(ROOT / "tinynet").parts != ("__init__.py",)
    and not set(p.relative_to(ROOT / "tinynet").parts) & set(NOT_API)
)
SPHINX_ROLES = (":class:", ":mod:", ":func:", ":meth:", ":attr:", ":exc:", ":obj:", ":data:")
ROLES_LEFT = set()  # modules whose docstrings still carry Sphinx roles (none: every reference is a link)


def page_text(site, path):
    return unescape(re.sub(r"<[^>]+>", "", (site / path).read_text()))


def test_site_builds_strict_with_every_page(site):
    assert len(LESSON_PAGES) == 19
    for page in [
        "index.html",
        "api/index.html",
        "format/index.html",
        "mnist/index.html",
        "benchmarks/index.html",
        "notebooks/index.html",
        "promises/index.html",
        "architecture/index.html",
        "exercises/index.html",
    ]:
        assert (site / page).exists(), page
    html = (site / "lessons" / "04-output-error" / "index.html").read_text()
    text = unescape(re.sub(r"<[^>]+>", "", html))
    assert "def main(argv=None):" in text  # the lesson's own code, included
    assert "[checked] backprop's δ^L is ∇_a C ⊙ σ'(z^L)" in text  # and what it printed
    assert "fonts.googleapis" not in html and "cdn.jsdelivr" not in html
    assert 'id="tinynet.network.NeuralNetwork"' in (site / "api" / "network" / "index.html").read_text()
    assert 'id="tinynet.base.Network.backprop"' in (site / "api" / "base" / "index.html").read_text()


def test_one_api_page_per_module_and_an_index_of_them(site):
    index = (site / "api" / "index.html").read_text()
    for module in MODULES:
        page = site / "api" / module / "index.html"
        assert page.exists(), f"no API page for tinynet.{module}"
        assert f'id="tinynet.{module}"' in page.read_text(), module  # the module's own heading
        assert f'href="{module}/"' in index, f"api/index.html does not list tinynet.{module}"


def test_api_cross_references_are_links(site):
    for module in MODULES:
        text = page_text(site, f"api/{module}/index.html")
        left = [role for role in SPHINX_ROLES if role in text]
        if module in ROLES_LEFT:
            assert left, f"tinynet.{module} has no Sphinx roles left: take it out of ROLES_LEFT"
        else:
            assert not left, f"api/{module}: literal {left} in the text (write [`Name`][tinynet.module.Name])"
    # a cross-reference is a link to the page and the anchor of what it names
    stable = (site / "api" / "stable" / "index.html").read_text()
    assert 'href="../stable.net/#tinynet.stable.net.StableNet"' in stable
    trainer = (site / "api" / "trainer" / "index.html").read_text()
    assert 'href="../network/#tinynet.network.NeuralNetwork"' in trainer


def test_the_home_page_gives_a_learners_path(site):
    text = page_text(site, "index.html")
    for words in [
        "Who it is for",
        "knows some calculus and some NumPy",
        "What to know first",
        "A path through it",
        "lessons 1-8: backpropagation derived and checked",
        "The exercises, after the core lessons",
        "tinynet exercise --list",
        "Using it, lessons 9-11",
        "Further, lessons 12-18",
        "pip install -e . is enough for the lessons",
    ]:
        assert words in text, words
    html = (site / "index.html").read_text()
    for link in [
        "lessons/01-neuron/",
        "lessons/08-gradient-descent/",
        "exercises/",
        "lessons/09-simple-example/",
        "lessons/12-parallel/",
        "lessons/18-synthetic-gradients/",
        "lessons/19-scalars-to-matrices/",
    ]:
        assert f'href="{link}"' in html, link


def test_the_benchmarks_page_holds_its_tables(site):
    text = page_text(site, "benchmarks/index.html")
    # each table with its date, its machine and the command that reproduces it
    for words in [
        "python benchmarks/epoch_speed.py",
        "python benchmarks/digits_accuracy.py",
        "python benchmarks/pool_speed.py",
        "python benchmarks/cnn_mnist.py",
        "python benchmarks/cnn_speed.py",
        "python benchmarks/stable_toy.py",
        "python benchmarks/parallel_methods.py",
        "FastConvNet",
        "the plain ConvNet",
    ]:
        assert words in text, words
    assert re.search(r"Measured on \d{4}-\d{2}-\d{2} on a shared 2-core x86_64 machine", text)
    assert "README" not in text


def shot(pg, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    pg.screenshot(path=str(SHOTS / f"{name}.png"), full_page=False)


def test_math_renders(page, site_server):
    page.goto(site_server + "lessons/05-backpropagate/")
    page.wait_for_selector(".katex-display")
    assert page.locator(".arithmatex .katex").count() > 0
    assert page.locator(".katex-error").count() == 0
    text = page.locator("article").inner_text()
    assert "\\delta" not in text and "$$" not in text and "\\(" not in text
    shot(page, "math")
    assert page.problems == []


@pytest.mark.parametrize("name", LESSON_PAGES)
def test_every_lesson_page(page, site_server, name):
    page.goto(site_server + f"lessons/{name}/")
    page.wait_for_load_state("load")
    if page.locator(".arithmatex").count():
        page.wait_for_selector(".katex")
        assert page.locator(".katex-error").count() == 0
    article = page.locator("article")
    folded = article.locator("details")
    if folded.count():  # lessons 1-8: the script is on the page, folded; a click opens it
        script = folded.filter(has_text="The lesson's code").first
        assert script.get_attribute("open") is None
        assert "def main(argv=None):" not in article.inner_text()
        script.locator("summary").click()
        assert script.get_attribute("open") is not None
    assert "def main(argv=None):" in article.inner_text()
    assert "[checked]" in article.inner_text()
    images = page.locator("article img")
    assert images.count() == LESSON_FIGURES.get(name, 1)
    for i in range(images.count()):
        images.nth(i).scroll_into_view_if_needed()
        page.wait_for_function("img => img.complete && img.naturalWidth > 100", arg=images.nth(i).element_handle())
    shot(page, f"lesson-{name}")
    assert page.problems == []


def test_search_and_navigation(page, site_server):
    page.goto(site_server)
    page.locator("label.md-search__icon, .md-search__input").first.click()
    result = page.locator(".md-search-result__item a").first
    # the search index is built in a web worker after the page loads: type again until it answers
    for _ in range(12):
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
    page.locator("nav.md-nav a", has_text="The modules").first.click()
    page.wait_for_url(re.compile(r".*api/$"))
    page.locator("article a", has_text="tinynet.stable").first.click()
    page.wait_for_url(re.compile(r".*api/stable/$"))
    # a cross-reference in a docstring leads to what it names
    page.locator("article a.autorefs", has_text="StableNet").first.click()
    page.wait_for_url(re.compile(r".*api/stable.net/#tinynet.stable.net.StableNet$"))
    shot(page, "api")
    assert page.problems == []


def test_docstring_math_reads_on_the_api_pages(page, site_server, site):
    # the docstrings write their equations in the lessons' plain notation (readable in the source
    # too): the API page of the network shows backprop's equations as they are written
    page.goto(site_server + "api/network/")
    text = " ".join(page.locator("article").inner_text().split())
    for equation in (
        "z^l = a^(l-1) W^lᵀ + b^l",
        "delta^l = ((W^(l+1))ᵀ delta^(l+1)) ⊙ σ'(z^l)",
        "∂C/∂W^l = delta^l (a^(l-1))ᵀ,   ∂C/∂b^l = delta^l",  # weights first, as backprop returns them
    ):
        assert " ".join(equation.split()) in text, equation
    # and any TeX a docstring holds is rendered, not shown raw
    for module in [m for m in MODULES if 'class="arithmatex"' in (site / "api" / m / "index.html").read_text()]:
        page.goto(site_server + f"api/{module}/")
        page.wait_for_selector(".arithmatex .katex")
        assert page.locator(".katex-error").count() == 0, module
    assert page.problems == []
