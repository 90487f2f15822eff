"""Writing the docs' step-through files: the data of each example network, the page's script and style.

One JSON (and one script holding the same data, for a page opened from disk) per example network, and the
page's own script and style (``static/``), which the docs take from here.
"""

import json
import shutil
from pathlib import Path

from tinynet.teach.lessonkit import SAMPLE_X, SAMPLE_Y, small_network
from tinynet.teach.stepthrough.conv import conv_data
from tinynet.teach.stepthrough.dense import dense_data
from tinynet.teach.stepthrough.nudge import nudge_data
from tinynet.teach.stepthrough.stable import stable_data


def lesson2_data():
    net = small_network()
    data = dense_data(net, SAMPLE_X, SAMPLE_Y)
    data["nudge"] = nudge_data(net, SAMPLE_X, SAMPLE_Y)
    return data


STATIC = ("stepthrough.js", "stepthrough.css")  # the page's script and style, in static/
BUILDERS = {"lesson2": lesson2_data, "convnet": conv_data, "resnet": stable_data}


def write_all(folder):
    """Write ``NAME.json`` (and ``NAME.json.js``, the same data for a page opened from disk) for every example.

    A file is rewritten only when its content changes (so ``mkdocs serve`` does not see a change each build).
    Returns the paths of the JSON files.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for name in STATIC:
        source = Path(__file__).parent / "static" / name
        if not (folder / name).exists() or (folder / name).read_bytes() != source.read_bytes():
            shutil.copyfile(source, folder / name)
    written = []
    for name, build in BUILDERS.items():
        text = json.dumps(build(), ensure_ascii=False, separators=(",", ":"))
        for path, content in (
            (folder / f"{name}.json", text),
            (
                folder / f"{name}.json.js",
                "(window.TINYNET_STEPTHROUGH = window.TINYNET_STEPTHROUGH || {})"
                f"[{json.dumps(name + '.json')}] = {text};\n",
            ),
        ):
            if not path.exists() or path.read_text(encoding="utf-8") != content:
                path.write_text(content, encoding="utf-8")
        written.append(folder / f"{name}.json")
    return written
