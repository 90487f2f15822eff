"""The page ``tinynet stepthrough`` writes, opened from disk in a real browser (file://, no server).

For a model just trained by ``tinynet digits train``, a ConvNet and a stable network, each read from its
model file: every step forward and back shows the numbers of a fresh ``trace``, a chosen number shows
where it comes from (its equation, its operands lit up, tinynet's line), there is no console error, and
the page asks for nothing but itself. Needs Debian's chromium, as the other browser tests.
"""

import json
import re
import subprocess
import sys

import numpy as np
import pytest
from conftest import SHOTS, open_page, write_split
from stepthrough_checks import fresh

import tinynet
from tinynet.cli import main as tinynet_cli
from tinynet.files.datasets import embedded_sample
from tinynet.teach.stepthrough.format import fmt

pytestmark = pytest.mark.slow  # trains a model, drives a browser

TABLE = 400  # stepthrough.js writes out a part of at most this many numbers in its table


@pytest.fixture(scope="module")
def pages(tmp_path_factory):
    """{kind: (page path, network read back from its file, x, y)} for a digits model, a ConvNet and three
    stable networks (a ResNet, a regularised Hamiltonian one, a leapfrog one with an opening layer)."""
    d = tmp_path_factory.mktemp("own")
    X, labels, _ = embedded_sample("train")
    write_split(d / "mnist", "train", X[:600].reshape(-1, 28, 28), labels[:600])
    write_split(d / "mnist", "test", X[-50:].reshape(-1, 28, 28), labels[-50:])
    X_test, y_test = X[-50:] / 255.0, np.eye(10)[labels[-50:]]
    model = d / "digits.txt"
    train = ["digits", "train", "--data", d / "mnist", "--model", model, "--report", d / "report.png"]
    assert tinynet_cli([str(a) for a in train + ["--max-batches", "40", "--print-every", "40"]]) == 0
    conv = tinynet.ConvNet(
        ["conv2d 3 3 relu", "maxpool2d 2", "flatten", "dense 10 softmax"], input_shape=(1, 28, 28), seed=2
    )
    tinynet.save(conv, d / "conv.txt")
    tinynet.save(tinynet.ResNet(2, 3, width=3, layers=4, h=0.3, seed=1), d / "resnet.txt")
    tinynet.save(tinynet.Hamiltonian(2, 3, width=3, layers=3, h=0.3, alpha_f=0.01, seed=1), d / "hamiltonian.txt")
    tinynet.save(tinynet.Leapfrog(2, 3, width=4, layers=3, h=0.3, opening=True, seed=1), d / "leapfrog.txt")
    (d / "x.txt").write_text("0.4 -0.9\n", encoding="utf-8")
    runs = {
        "dense": (model, ["--sample", "4", "--data", d / "mnist"], X_test[4], y_test[4]),
        "conv": (d / "conv.txt", ["--sample", "9", "--data", d / "mnist"], X_test[9], y_test[9]),
        "stable": (d / "resnet.txt", ["--input", d / "x.txt", "--label", "1"], np.array([0.4, -0.9]), np.eye(3)[1]),
        "hamiltonian": (
            d / "hamiltonian.txt",
            ["--input", d / "x.txt", "--label", "2"],
            np.array([0.4, -0.9]),
            np.eye(3)[2],
        ),
        "leapfrog": (d / "leapfrog.txt", ["--input", d / "x.txt", "--label", "0"], np.array([0.4, -0.9]), np.eye(3)[0]),
    }
    out = {}
    for kind, (path, args, x, y) in runs.items():
        page = d / f"{kind}.html"
        assert tinynet_cli(["stepthrough", str(path), *map(str, args), "-o", str(page)]) == 0
        out[kind] = (page, tinynet.load(path), x, y)
    return out


def page_data(page):
    text = page.read_text(encoding="utf-8")
    payload = re.search(r"<script>window\.TINYNET_STEPTHROUGH = (.*?);</script>", text, re.S).group(1)
    return json.loads(payload.replace("<\\/", "</"))["own.json"]


@pytest.mark.parametrize("kind", ["dense", "conv", "stable", "hamiltonian", "leapfrog"])
def test_every_step_shows_a_fresh_traces_numbers(browser, pages, kind):
    page_path, net, x, y = pages[kind]
    data = page_data(page_path)
    context, pg = open_page(browser, {"width": 1280, "height": 900})
    requests = []
    pg.on("request", lambda r: requests.append(r.url))
    pg.goto(page_path.as_uri())
    pg.wait_for_selector(".stepthrough[data-ready='1']")
    box = pg.locator(".stepthrough")
    # at 1280 px the drawing is wide enough for its numbers to be read (narrower, it leaves them to the table)
    assert "st-narrow" not in box.locator(".st-box").get_attribute("class")
    steps = data["steps"]
    for i, st in enumerate(steps):
        assert box.get_attribute("data-step-id") == st["id"]
        assert box.locator(".st-counter").inner_text() == f"Step {i + 1} of {len(steps)}"
        want, fresh_values = [], [np.ravel(fresh(net, x, y, p["source"])) for p in st["parts"]]
        for p, values in zip(st["parts"], fresh_values):
            np.testing.assert_allclose(values, p["values"], rtol=1e-10, atol=1e-12, err_msg=f"{st['id']} {p['name']}")
            if p["panel"]:
                want += [fmt(v) for v in (values if len(values) <= TABLE else values[p.get("labels", [])])]
        assert box.locator(".st-values .st-num").all_inner_texts() == want, st["id"]
        # the heat maps drawn cell by cell carry the full numbers
        for cell in box.locator(f".st-cell.st-cur[data-step='{i}']").evaluate_all(
            "els => els.slice(0, 200).map(e => [+e.dataset.part, +e.dataset.k, +e.dataset.value])"
        ):
            assert cell[2] == pytest.approx(fresh_values[cell[0]][cell[1]], rel=1e-10, abs=1e-12)
        assert box.locator(".st-eq math, .st-eq .katex").count() >= 1, st["id"]  # the equation is rendered
        assert box.locator(".st-code code").first.inner_text() == st["code"][0]["text"]
        if i + 1 < len(steps):
            box.locator(".st-next").click()
    SHOTS.mkdir(parents=True, exist_ok=True)
    pg.screenshot(path=str(SHOTS / f"own-{kind}.png"), full_page=True)
    assert pg.problems == []
    assert requests == [page_path.as_uri()], "the page asks for nothing but itself"
    context.close()


@pytest.mark.parametrize("kind", ["dense", "conv", "stable", "hamiltonian", "leapfrog"])
def test_a_chosen_number_says_where_it_comes_from(browser, pages, kind):
    page_path, net, x, y = pages[kind]
    data = page_data(page_path)
    context, pg = open_page(browser, {"width": 1280, "height": 900})
    pg.goto(page_path.as_uri())
    pg.wait_for_selector(".stepthrough[data-ready='1']")
    box = pg.locator(".stepthrough")
    why = box.locator(".st-why")
    for i, st in enumerate(data["steps"]):
        numbers = box.locator(".st-values .st-num")
        if numbers.count():
            first = numbers.first
            first.click()
            si, pi, k = (int(v) for v in why.get_attribute("data-chosen").split(","))
            p = st["parts"][pi]
            assert si == i and fmt(p["values"][k]) == first.inner_text()
            head, eq = why.locator(".st-whyhead").inner_text(), why.locator(".st-whyeq").inner_text()
            assert f"= {fmt(p['values'][k])} comes from" in head
            assert eq.rstrip().endswith(fmt(p["values"][k])) or f"= {fmt(p['values'][k])}" in eq
            ops = json.loads(why.get_attribute("data-ops"))
            for ref in ops:  # each operand's value is in the equation, and the operand is lit up
                step = next(s for s in data["steps"] if s["id"] == ref[0])
                assert fmt(step["parts"][ref[1]]["values"][ref[2]]) in eq.replace("(", "").replace(")", "")
            if ops:
                assert box.locator(".st-op").count() >= 1, st["id"]
            lines = [c["text"] for c in st["code"]]
            assert all(c in lines for c in why.locator(".st-codeline code").all_inner_texts())
            assert why.locator(".st-codeline code").count() >= (0 if p["why"]["rule"] == "given" else 1)
            assert box.locator(".st-chosen").count() >= 1
        box.locator(".st-next").click() if i + 1 < len(data["steps"]) else None
    # the keyboard reaches a number too: Tab to it, Enter
    box.locator(".st-box").press("Home")
    box.locator(".st-box").press("ArrowRight")
    number = box.locator(".st-values .st-num").nth(0)
    number.focus()
    number.press("Enter")
    assert why.get_attribute("data-chosen").startswith("1,")
    assert "comes from" in pg.locator(".st-live").inner_text()
    assert pg.problems == []
    context.close()


def test_a_heat_map_cell_of_thousands_says_its_value(browser, pages):
    """∂C/∂W¹ of the digits model (20 x 784) is drawn on a canvas; a click on a cell chooses that entry."""
    page_path, net, x, y = pages["dense"]
    t = net.trace(x, y)
    context, pg = open_page(browser, {"width": 1280, "height": 900})
    pg.goto(page_path.as_uri())
    pg.wait_for_selector(".stepthrough[data-ready='1']")
    box = pg.locator(".stepthrough")
    box.locator(".st-box").press("End")
    box.locator(".st-back").click()
    assert box.get_attribute("data-step-id") == "dW1"
    canvas = box.locator("canvas").first
    frame = canvas.bounding_box()
    r, c = 7, 410
    canvas.click(position={"x": (c + 0.5) / 784 * frame["width"], "y": (r + 0.5) / 20 * frame["height"]})
    why = box.locator(".st-why")
    # a cell is under a pixel wide here: the click lands on it or its neighbour, and the page says which
    si, pi, k = (int(v) for v in why.get_attribute("data-chosen").split(","))
    assert (si, pi) == (10, 0) and k // 784 == r and abs(k % 784 - c) <= 1
    r, c = divmod(k, 784)
    assert f"= {fmt(t[1].nabla_w[r, c])} comes from" in why.locator(".st-whyhead").inner_text()
    assert f"{fmt(t[1].delta[0][r])}" in why.locator(".st-whyeq").inner_text()
    assert why.locator(".st-codeline code").inner_text() == "nabla_w[i] = delta[i].T @ p.a[i]"
    assert pg.problems == []
    context.close()


def test_the_picture_of_a_page(pages, tmp_path):
    """``python -m tinynet.teach.stepthrough.picture`` (the README's picture), run as a user runs it: the step
    asked for, the number chosen; a page, step or entry that is not there is one line on stderr."""
    from PIL import Image

    def picture(*args):
        run = subprocess.run(
            [sys.executable, "-m", "tinynet.teach.stepthrough.picture", *map(str, args)], capture_output=True, text=True
        )
        return run.returncode, run.stderr

    page = pages["dense"][0]
    assert picture(page, tmp_path / "p.png", "--step", "z1", "--choose", "4") == (0, "")
    with Image.open(tmp_path / "p.png") as img:
        assert img.width > 800 and img.height > 600 and len(img.convert("RGB").getcolors(1 << 20)) > 50
    assert picture(page, tmp_path / "q.png", "--step", "z9") == (2, "tinynet: --step: the page has no step 'z9'\n")
    assert picture(page, tmp_path / "q.png", "--step", "z1", "--choose", "99") == (
        2,
        "tinynet: --choose: the step shows no entry 99 of its first part in its table\n",
    )
    none = tmp_path / "none.html"
    assert picture(none, tmp_path / "q.png") == (
        2,
        f"tinynet: PAGE: {none} is not a file (write one with 'tinynet stepthrough MODEL')\n",
    )
    assert not (tmp_path / "q.png").exists()
