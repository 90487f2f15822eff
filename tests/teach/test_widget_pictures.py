"""The docs' pictures of the three widgets: committed, non-blank, up to date, and really taken in chromium.

``python -m tinynet.teach.widgets --pictures docs/assets/widgets`` makes them (see
docs/notebooks.md). The up-to-date check compares the text each picture shows
(widgets.json) with a fresh run of the same widgets, so it needs no browser;
the chromium test takes the pictures again (skipped where chromium is missing,
outside CI) and leaves them in test-artifacts/screenshots/.
"""

import json
import os
import re
import shutil
from pathlib import Path

import numpy as np
import pytest
from conftest import ROOT, SHOTS

from tinynet.teach.widgets.pictures import CHROMIUM, PICTURES, picture_widgets, take_pictures, widget_text

FOLDER = ROOT / "docs" / "assets" / "widgets"
REMAKE = "run: python -m tinynet.teach.widgets --pictures docs/assets/widgets"


@pytest.fixture(scope="module")
def tools():
    return picture_widgets()


def assert_picture(path):
    from PIL import Image

    with Image.open(path) as im:
        pixels = np.asarray(im.convert("RGB"))
    h, w, _ = pixels.shape
    assert w > 400 and h > 150, f"{path}: {w}x{h}"
    drawn = (pixels < 240).any(axis=2).mean()
    colors = len(np.unique(pixels.reshape(-1, 3), axis=0))
    assert drawn > 0.03 and colors > 100, f"{path} looks blank: {drawn:.1%} drawn, {colors} colours"
    blue = ((pixels[..., 2] > 150) & (pixels[..., 0] < 100)).mean()  # matplotlib's blue: a plot is there
    assert blue > 0.001, f"{path}: no plot in the picture"
    return w, h


@pytest.mark.slow  # reads every pixel of the pictures
@pytest.mark.parametrize("name", PICTURES)
def test_the_pictures_exist_and_are_not_blank(name):
    assert_picture(FOLDER / f"{name}.png")


@pytest.mark.slow  # draws every widget, as the pictures show them
def test_the_pictures_are_up_to_date(tools):
    committed = json.loads((FOLDER / "widgets.json").read_text())
    assert committed == {name: widget_text(tool.widget) for name, tool in tools.items()}, REMAKE


@pytest.mark.slow  # draws every widget, as the pictures show them
def test_the_pictures_show_a_real_interaction(tools):
    text = {name: " ".join(widget_text(tool.widget)) for name, tool in tools.items()}
    assert "[bias b]" in text["nudger"] and "∂C/∂b^1_1 (backprop)" in text["nudger"]
    assert "η = 0.5, m = 50; repeated N = 20 times" in text["stepper"] and "batch 20:" in text["stepper"]
    assert "[misread only]" in text["explorer"] and "(wrong)" in text["explorer"]


@pytest.mark.slow  # draws every widget, as the pictures show them
def test_the_docs_page_shows_each_picture(tools):
    page = (ROOT / "docs" / "notebooks.md").read_text()
    assert re.findall(r"\]\(assets/widgets/(\w+)\.png\)", page) == list(PICTURES)
    quoted = " ".join(line[2:] for line in page.splitlines() if line.startswith("> "))
    assert quoted == tools["stepper"].one_click()  # the page quotes what one click says, word for word


@pytest.mark.slow  # the browser
def test_the_pictures_are_taken_in_headless_chromium(tools, tmp_path):
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing: .ci/run must install Debian's chromium")
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)")
    pytest.importorskip("playwright.sync_api")
    texts = take_pictures(tmp_path, tools)
    assert json.loads((tmp_path / "widgets.json").read_text()) == texts
    SHOTS.mkdir(parents=True, exist_ok=True)
    for name in PICTURES:
        w, h = assert_picture(tmp_path / f"{name}.png")
        cw, ch = assert_picture(FOLDER / f"{name}.png")
        assert abs(w - cw) <= 0.1 * cw and abs(h - ch) <= 0.1 * ch, (name, (w, h), (cw, ch))
        shutil.copy(tmp_path / f"{name}.png", SHOTS / f"widget-{name}.png")
