"""Your own network, step by step: the command ``tinynet stepthrough MODEL``, a page that opens from disk.

``tinynet stepthrough MODEL [--sample N | --input FILE [--label K]] [-o PATH]``

Reads any saved tinynet model (a fully connected network, a ConvNet or a
stable network), takes one sample, and writes one HTML file that steps through
its forward and backward pass as the docs' step-through does: the values, the
equation with its numbers, tinynet's line, and for any number chosen, where it
comes from. The page holds everything it needs (the data, the script, the
style, the equations already written as MathML), so it opens from disk with no
server and no network.

The sample: for a model of 784 inputs, MNIST test digit N (``--sample N``, 0
by default; the target is its label), found as ``tinynet digits`` finds MNIST
(``--data``). Any model takes ``--input FILE``: its input numbers, separated by
spaces, commas or new lines (``#`` starts a comment), with ``--label K`` the
class wanted (by default the model's own answer).
"""

import argparse
import json
import os
import re
import tempfile
from pathlib import Path

import numpy as np

from tinynet.conv.net import ConvNet
from tinynet.files.format import load
from tinynet.network import NeuralNetwork
from tinynet.stable.net import StableNet
from tinynet.teach.stepthrough.conv import conv_data
from tinynet.teach.stepthrough.dense import dense_data
from tinynet.teach.stepthrough.stable import stable_data

STATIC = Path(__file__).parent / "static"
MNIST_SIDE = 28


def main(argv=None):
    args = parser().parse_args(argv)
    net = read_model(args.model)
    x, y, about = pick_sample(net, args)
    out = Path(args.output or Path(args.model).stem + "-stepthrough.html")
    if out.is_dir():
        raise ValueError(f"-o: {out} is a folder; expected the name of the page to write")
    what = describe(net)
    data = network_data(net, x, y, f"{what[0].upper()}{what[1:]}, from {Path(args.model).name}: {about}")
    write_page(data, out, about)
    print(f"wrote {out}: {len(data['steps'])} steps of {describe(net)} on {about}; open it in a browser")
    return 0


def parser():
    p = argparse.ArgumentParser(
        prog="tinynet stepthrough",
        description="Write a page (one HTML file that opens from disk) stepping through a saved model's forward "
        "and backward pass on one sample.",
    )
    p.add_argument("model", help="a model file saved by tinynet (e.g. by 'tinynet digits train')")
    which = p.add_mutually_exclusive_group()
    which.add_argument("--sample", type=int, help="for a 784-input model: MNIST test digit N (default 0)")
    which.add_argument("--input", help="a file of the input's numbers (spaces, commas or new lines)")
    p.add_argument("--label", type=int, help="with --input: the class wanted (default: the model's own answer)")
    p.add_argument("--data", help="folder (or CSV file) with MNIST; see tinynet.files.datasets")
    p.add_argument("-o", "--output", help="the page to write (default MODEL-stepthrough.html, here)")
    return p


def read_model(path):
    """The network saved at ``path``; a file that is not a model is one clear ValueError."""
    p = Path(path)
    if p.is_dir():
        raise ValueError(f"MODEL: {path} is a folder; expected a model file")
    if not p.exists():
        raise ValueError(f"MODEL: {path} does not exist")
    try:
        return load(path)
    except ValueError as e:
        raise ValueError(f"MODEL: {path} is not a tinynet model file ({e})") from None


def describe(net):
    if isinstance(net, NeuralNetwork):
        return f"the network {net.sizes}"
    if isinstance(net, ConvNet):
        return f"the ConvNet {' → '.join(layer.describe() for layer in net.layers)}"
    return f"the {type(net).__name__} of {net.N} layers of width {net.n}"


def pick_sample(net, args):
    """(x, y, what the sample is, in words) for ``args``' --sample, --input and --label."""
    if args.input is not None:
        x = read_input(args.input, net.inputs)
        if args.label is None:
            label = int(np.argmax(net.feedforward(x[None])[0]))
            about = f"the input in {Path(args.input).name}, target the model's own answer {label}"
        else:
            label = check_label(args.label, net.outputs, "--label")
            about = f"the input in {Path(args.input).name}, target class {label}"
        return x, np.eye(net.outputs)[label], about
    if args.label is not None:
        raise ValueError("--label: goes with --input (an MNIST digit's target is its label)")
    if net.inputs != MNIST_SIDE * MNIST_SIDE:
        raise ValueError(
            f"the model takes {net.inputs} inputs, not a 28x28 digit: give --input FILE with {net.inputs} numbers"
        )
    if net.outputs != 10:
        raise ValueError(f"--sample: the model has {net.outputs} outputs, not one per digit: give --input FILE")
    from tinynet.files.datasets import load_mnist  # only for a digit

    X, labels = load_mnist("test", path=args.data)
    n = 0 if args.sample is None else args.sample
    if not 0 <= n < len(X):
        raise ValueError(
            f"--sample {n}: out of range; the MNIST test split here has {len(X):,} digits, 0 to {len(X) - 1}"
        )
    label = int(labels[n])
    return np.asarray(X[n], float), np.eye(10)[label], f"MNIST test digit {n} (a {label})"


def read_input(path, width):
    """The numbers in the file ``path``, which must be ``width`` of them."""
    p = Path(path)
    if not p.is_file():
        raise ValueError(f"--input: {path} is not a file")
    numbers = []
    for line_no, line in enumerate(p.read_text(encoding="utf-8", errors="replace").splitlines(), start=1):
        for word in line.split("#")[0].replace(",", " ").split():
            try:
                v = float(word)
            except ValueError:
                raise ValueError(f"--input {path}, line {line_no}: {word!r} is not a number") from None
            if not np.isfinite(v):
                raise ValueError(f"--input {path}, line {line_no}: {word!r} is not a finite number")
            numbers.append(v)
    if len(numbers) != width:
        raise ValueError(f"--input {path}: {len(numbers)} numbers, but the model takes {width} inputs")
    return np.array(numbers)


def check_label(label, outputs, option):
    if not 0 <= label < outputs:
        raise ValueError(f"{option} {label}: out of range; the model has {outputs} classes, 0 to {outputs - 1}")
    return label


def network_data(net, x, y, title):
    """The step-through data of any tinynet network on (x, y)."""
    if isinstance(net, NeuralNetwork):
        return dense_data(net, x, y, "own", title)
    if isinstance(net, ConvNet):
        return conv_data(net, x, y, "own", title)
    if isinstance(net, StableNet):
        return stable_data(net, x, y, "own", title)
    raise ValueError(f"stepthrough: no drawing for a {type(net).__name__}")


def page_html(data, about):
    """The whole page: the data, the script, the style and the equations (MathML) inline."""
    for st in data["steps"]:
        st["mathml"] = mathml(st["tex"])
    script = (STATIC / "stepthrough.js").read_text(encoding="utf-8")
    style = (STATIC / "stepthrough.css").read_text(encoding="utf-8")
    assert "</script" not in script.lower() and "</style" not in style.lower()
    payload = json.dumps({"own.json": data}, ensure_ascii=False, separators=(",", ":")).replace("</", "<\\/")
    title = escape(data["title"])
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>tinynet step-through: {title}</title>
<style>
{style}
body {{ font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 0 auto; padding: 1em;
  max-width: 1300px; color: #222; line-height: 1.45; }}
h1 {{ font-size: 1.3rem; }}
.md-button {{ border: 1px solid #3f51b5; border-radius: 3px; background: #fff; color: #3f51b5; }}
.md-button--primary {{ background: #3f51b5; color: #fff; }}
.st-svg {{ max-width: 100%; }} /* the docs' column is 760px; here the drawing takes the page */
math {{ font-size: 1.05em; }}
mtable.st-pmatrix {{ border-left: 1.5px solid; border-right: 1.5px solid; border-radius: 8px; padding: 0 0.3em;
  margin: 0 0.15em; }}
mrow.st-paren {{ border-left: 1.2px solid; border-right: 1.2px solid; border-radius: 12px; padding: 0 0.35em;
  margin: 0 0.15em; }}
</style>
</head>
<body>
<main>
<h1>{title}</h1>
<p>One forward and one backward pass of this network on {escape(about)}. <b>Next</b> and <b>Back</b> (or the
arrow keys once the box has the focus; Home and End jump) walk through it: each layer's z and a, the cost C,
then the errors δ and the gradients. Choose any number, in the drawing or in the table, to see the equation that
gives it with its operands' values, the operands outlined, and the line of tinynet that computed it. Every number
was computed by tinynet (<code>network.trace</code>) when this page was written; the page only shows them.</p>
<div class="stepthrough" data-src="own.json"><noscript><p>The step-through needs JavaScript.</p></noscript></div>
</main>
<script>window.TINYNET_STEPTHROUGH = {payload};</script>
<script>
{script}
</script>
</body>
</html>
"""


def mathml(tex):
    """``tex`` as MathML, its brackets drawn by the page's style.

    A browser stretches a bracket around a matrix only with a math font at hand, which many systems lack;
    so a matrix's brackets and a \\left( ... \\right) pair become a frame with rounded sides (the style's
    ``st-pmatrix`` and ``st-paren``), which any browser draws at the height of what they enclose.
    """
    from latex2mathml.converter import convert

    m = convert(tex, display="block")
    m = re.sub(
        r"<mo>&#x00028;</mo><mtable>(.*?)</mtable><mo>&#x00029;</mo>", r'<mtable class="st-pmatrix">\1</mtable>', m
    )
    return re.sub(
        r'<mo stretchy="true" fence="true" form="prefix">&#x00028;</mo>(.*?)'
        r'<mo stretchy="true" fence="true" form="postfix">&#x00029;</mo>',
        r'<mrow class="st-paren">\1</mrow>',
        m,
    )


def write_page(data, path, about):
    """Write the page to ``path`` in one step: a failure leaves any page already there as it was."""
    text = page_html(data, about)
    folder = Path(path).resolve().parent
    if not folder.is_dir():
        raise ValueError(f"-o: {folder} is not a folder")
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{Path(path).name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def escape(text):
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
