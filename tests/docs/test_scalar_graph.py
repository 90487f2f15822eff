"""Lesson 19's scalar graph in a real browser, on the built docs site.

Every gradient the page shows is compared, at the precision it is shown, with the entry of tinynet's matrices
it equals, read here from a fresh ``small_network().trace(x, y)`` (not from the page's data): δ^l, ∂C/∂W^l,
∂C/∂b^l, and (W^l)ᵀ δ^l for the activations below. Choosing a node highlights its matrix entry and back; the
keyboard, the screen-reader labels, a phone's width and the page without JavaScript are checked too. Needs
Debian's chromium and Playwright, as the other tests of tests/docs (the site, its server and the ``page``
fixture are tests/conftest.py's; TINYNET_DOCS_SITE reuses a built site). Screenshots go to
test-artifacts/screenshots/. All slow: the site build, the browser.
"""

import json
import re
from html import unescape

import pytest
from conftest import SHOTS, open_page

from tinynet.teach.lessonkit import SAMPLE_X, SAMPLE_Y, small_network

pytestmark = pytest.mark.slow  # the docs site build, the browser

PAGE = "lessons/19-scalars-to-matrices/"


@pytest.fixture(scope="module")
def data(site):
    return json.loads((site / "generated" / "scalargraph" / "lesson19.json").read_text(encoding="utf-8"))


def expected_gradients():
    """∂C/∂(node) for every node id of the graph, from tinynet's trace and nothing else."""
    t = small_network().trace(SAMPLE_X, SAMPLE_Y)
    want = {"C": 1.0, "S": 0.5}
    for l in (1, 2):
        layer = t[l]
        rows, cols = layer.W.shape
        back = layer.W.T @ layer.delta[0]  # BP2's sum: ∂C/∂a^(l-1)
        for j in range(rows):
            want[f"z{l}_{j}"] = want[f"b{l}_{j}"] = layer.delta[0, j]
            for k in range(cols):
                want[f"W{l}_{j}_{k}"] = layer.nabla_w[j, k]
                want[f"Wa{l}_{j}_{k}"] = layer.delta[0, j]  # a Σ node passes its gradient on unchanged
        for k in range(cols):
            want[f"x_{k}" if l == 1 else f"a{l - 1}_{k}"] = back[k]
    for j, (a, y) in enumerate(zip(t.output[0], t.y[0])):
        want[f"a2_{j}"] = want[f"e_{j}"] = a - y  # ∂C/∂a^2 = a^2 - y for the quadratic cost
        want[f"q_{j}"] = 0.5
    return want, t


def matrix_entry(t, matrix, k):
    """Entry k (flat) of one of the page's matrices, from the trace."""
    l = int(matrix[-1])
    layer = t[l]
    return {
        "delta": layer.delta[0],
        "nabla_w": layer.nabla_w.ravel(),
        "nabla_b": layer.nabla_b,
        "back": layer.W.T @ layer.delta[0],
    }[matrix[:-1]][k]


def shown(text):
    """A number as the page prints it, and half a unit of its last printed digit (the printed precision)."""
    text = text.strip()
    mantissa, _, exponent = text.partition("e")
    decimals = len(mantissa.partition(".")[2])
    return float(text), 0.5 * 10.0 ** (-decimals + (int(exponent) if exponent else 0)) * (1 + 1e-9)


def close(text, want):
    value, tolerance = shown(text)
    return abs(value - want) <= tolerance


def goto(pg, site_server):
    pg.goto(site_server + PAGE)
    root = pg.locator(".scalargraph")
    root.locator(".sg-box").wait_for()
    assert root.get_attribute("data-ready") == "1"
    return root


def grad_text(root, node):
    return root.locator(f".sg-node[data-node='{node}'] .sg-grad").text_content().removeprefix("∇ ")


def shot(locator, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    locator.screenshot(path=str(SHOTS / f"{name}.png"))


def test_every_node_of_the_backward_pass_shows_the_traces_entry(page, site_server, data):
    root = goto(page, site_server)
    want, t = expected_gradients()
    nodes = data["nodes"]
    assert len(nodes) == 47 and set(want) == {n["id"] for n in nodes}
    root.locator(".sg-box").focus()
    page.keyboard.press("Home")
    for i, node in enumerate(nodes):
        if i:
            root.locator(".sg-next").click()
        assert root.get_attribute("data-step") == str(i) and root.get_attribute("data-node") == node["id"]
        assert root.locator(".sg-counter").inner_text() == f"Node {i + 1} of 47"
        current = root.locator(f".sg-node[data-node='{node['id']}']")
        assert "sg-cur" in current.get_attribute("class")
        assert close(grad_text(root, node["id"]), want[node["id"]]), (node["id"], grad_text(root, node["id"]))
        assert node["label"] in root.locator(".sg-text").inner_text()
        hl = root.locator(".sg-entry.sg-hl")
        if node["entry"] is None:
            assert hl.count() == 0
        else:
            matrix, k = node["entry"]
            assert hl.count() == 1 and hl.get_attribute("data-node") == node["id"]
            assert hl.get_attribute("data-matrix") == matrix and hl.get_attribute("data-k") == str(k)
            assert hl.get_attribute("aria-current") == "true"
            assert close(hl.inner_text(), matrix_entry(t, matrix, k))  # the matrix side, from the trace
            assert close(hl.inner_text(), want[node["id"]])
        if i:
            live = root.locator(".sg-live").inner_text()
            assert f"Node {i + 1} of 47: {node['label']}" in live and grad_text(root, node["id"]) in live
        # every node whose step is past shows its final gradient; none still to come shows a final one early
        if i in (0, 22, 46):
            for other in nodes:
                text = grad_text(root, other["id"])
                if other["step"] <= i:
                    assert close(text, want[other["id"]]), (i, other["id"], text)
    assert root.locator(".sg-next").is_disabled()
    # at the end, every entry of every matrix is shown, and is the trace's
    entries = root.locator(".sg-entry")
    assert entries.count() == 27
    for e in entries.evaluate_all("els => els.map(e => [e.dataset.matrix, +e.dataset.k, e.textContent])"):
        assert close(e[2], matrix_entry(t, e[0], e[1])), e
    shot(root, "scalargraph-end")
    assert page.problems == []


def test_each_node_says_where_its_number_comes_from(page, site_server, data):
    """At every node: its equation with its inputs' values (ending in its own value, the trace's where it is a
    matrix entry's node), its inputs outlined in the drawing, and the lines of tinynet that computed it."""
    root = goto(page, site_server)
    root.locator(".sg-box").focus()
    page.keyboard.press("Home")
    for i, node in enumerate(data["nodes"]):
        if i:
            root.locator(".sg-next").click()
        assert root.locator(".sg-where .sg-whyeq").inner_text() == node["eq"]
        outlined = root.locator(".sg-node.sg-operand").evaluate_all("els => els.map(e => e.dataset.node)")
        assert sorted(outlined) == sorted(node["ops"]), node["id"]
        for op in node["ops"]:
            value = next(n for n in data["nodes"] if n["id"] == op)["value"]
            shown_value = root.locator(f".sg-node[data-node='{op}'] .sg-value").text_content()
            assert shown_value in node["eq"] and close(shown_value, value)  # the drawn input is the operand
        code = root.locator(".sg-where .sg-codeline code").all_inner_texts()
        assert code == [c["text"] for c in node["code"]] and code[-1] == "node.grad += self.grad * local"
    assert page.problems == []


def test_a_node_used_twice_grows_as_its_shares_arrive(page, site_server, data):
    """a¹₀ is dashed (partial) between its two users' steps, and its gradient is their two shares added."""
    root = goto(page, site_server)
    at = {n["id"]: n for n in data["nodes"]}
    users = [e for e in data["edges"] if e["source"] == "a1_0"]
    assert len(users) == 2
    first, last = sorted(e["step"] for e in users)
    root.locator(f".sg-node[data-node='{data['nodes'][first]['id']}']").click()
    a10 = root.locator(".sg-node[data-node='a1_0']")
    assert "sg-partial" in a10.get_attribute("class")
    want, _ = expected_gradients()
    assert close(grad_text(root, "a1_0"), users[0]["share"]) and not close(grad_text(root, "a1_0"), want["a1_0"])
    root.locator(".sg-pick").select_option(str(last))
    assert root.get_attribute("data-node") == data["nodes"][last]["id"]
    assert close(grad_text(root, "a1_0"), want["a1_0"])
    a10.click()
    assert root.get_attribute("data-step") == str(at["a1_0"]["step"])
    assert root.locator(".sg-edge-top.sg-got").count() == 2  # the two out-edges its shares came along
    assert root.locator(".sg-edge-top.sg-pass").count() == 1  # and the one it passes on, to z¹₀
    assert page.problems == []


def test_choosing_a_node_or_an_entry_highlights_the_other(page, site_server, data):
    root = goto(page, site_server)
    for node in ("z2_1", "W1_2_1", "b2_0", "a1_2", "x_1"):
        root.locator(f".sg-node[data-node='{node}']").click()
        hl = root.locator(".sg-entry.sg-hl")
        assert hl.count() == 1 and hl.get_attribute("data-node") == node
    root.locator(".sg-node[data-node='Wa2_0_1']").click()  # a product: no matrix entry of its own
    assert root.locator(".sg-entry.sg-hl").count() == 0
    for matrix, k, node in (("nabla_w1", 3, "W1_1_1"), ("delta2", 0, "z2_0"), ("back2", 1, "a1_1")):
        entry = root.locator(f".sg-entry[data-matrix='{matrix}'][data-k='{k}']")
        entry.click()
        assert root.get_attribute("data-node") == node
        assert "sg-cur" in root.locator(f".sg-node[data-node='{node}']").get_attribute("class")
        assert "sg-hl" in entry.get_attribute("class") and entry.get_attribute("aria-label").endswith(
            next(n["label"] for n in data["nodes"] if n["id"] == node)
        )
    assert page.problems == []


def test_keyboard_and_screen_reader(page, site_server, data):
    root = goto(page, site_server)
    box = root.locator(".sg-box")
    assert box.get_attribute("tabindex") == "0" and "arrow keys" in box.get_attribute("aria-label")
    for control in (".sg-back", ".sg-next", ".sg-pick"):
        assert root.locator(control).get_attribute("aria-label")
    pick = root.locator(".sg-pick")
    assert root.locator(f"label[for='{pick.get_attribute('id')}']").count() == 1
    assert root.locator("[aria-live='polite']").count() == 1
    assert root.locator(".sg-svg").get_attribute("role") == "img"
    box.focus()
    page.keyboard.press("End")
    assert root.get_attribute("data-step") == "46"
    page.keyboard.press("ArrowRight")  # past the end: stays
    assert root.get_attribute("data-step") == "46"
    page.keyboard.press("Home")
    assert root.get_attribute("data-step") == "0" and root.locator(".sg-back").is_disabled()
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowLeft")
    node = data["nodes"][1]
    assert root.get_attribute("data-step") == "1"
    assert root.locator(".sg-live").inner_text().startswith(f"Node 2 of 47: {node['label']} = ")
    root.locator(".sg-entry[data-matrix='delta1'][data-k='0']").focus()  # an entry takes the focus
    page.keyboard.press("Enter")
    assert root.get_attribute("data-node") == "z1_0"
    page.keyboard.press("ArrowRight")  # and the arrows still step from it
    z10 = next(n["step"] for n in data["nodes"] if n["id"] == "z1_0")
    assert root.get_attribute("data-step") == str(z10 + 1)
    assert page.problems == []


def test_without_javascript_the_page_says_where_the_numbers_are(site):
    html = (site / "lessons" / "19-scalars-to-matrices" / "index.html").read_text(encoding="utf-8")
    inner = re.search(r'<div class="scalargraph"[^>]*>(.*?)</div>', html, re.S).group(1)
    noscript = re.fullmatch(r"\s*<noscript>(.*)</noscript>\s*", inner, re.S)
    assert noscript and "needs JavaScript" in noscript.group(1)
    text = unescape(re.sub(r"<[^>]+>", "", html))
    assert "[checked] every W^1_jk.grad is the entry (j, k) of ∂C/∂W^1" in text  # the lesson's own checks


def test_a_phone_scrolls_the_graph_inside_its_box(browser, site_server, data):
    context, pg = open_page(browser, {"width": 375, "height": 800})
    try:
        root = goto(pg, site_server)
        width = pg.evaluate("document.scrollingElement.scrollWidth")
        assert width <= 375, f"the page scrolls sideways: {width}px"
        scroll = root.locator(".sg-scroll")
        sizes = scroll.evaluate("e => [e.scrollWidth, e.clientWidth]")
        assert sizes[0] > sizes[1], "the graph scrolls inside its own box"
        box = root.locator(".sg-box").bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 375
        # the drawing's text is at least 9px high on screen (11px in the drawing's own units)
        svg = root.locator(".sg-svg").bounding_box()
        assert svg["width"] / data["width"] * 11 >= 9
        label = root.locator(".sg-node[data-node='C'] .sg-value").bounding_box()
        assert label["height"] >= 9
        # stepping brings the current node into the scrolled view
        for node in ("x_0", "S", "W1_0_0"):
            root.locator(".sg-pick").select_option(str(next(n["step"] for n in data["nodes"] if n["id"] == node)))
            rect = root.locator(f".sg-node[data-node='{node}']").bounding_box()
            view = scroll.bounding_box()
            assert view["x"] - 1 <= rect["x"] and rect["x"] + rect["width"] <= view["x"] + view["width"] + 1, node
        root.locator(".sg-next").click()
        entry_sizes = root.locator(".sg-entry").first.evaluate("e => parseFloat(getComputedStyle(e).fontSize)")
        assert entry_sizes >= 9
        shot(root, "scalargraph-phone")
        assert pg.problems == []
    finally:
        context.close()
