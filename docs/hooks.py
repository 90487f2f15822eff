"""mkdocs hooks: bring KaTeX into the site and run every lesson before the build.

- KaTeX (the math renderer) is taken from the npm package ``katex`` into
  ``docs/assets/katex/`` the first time (``npm pack``; no CDN, so the site
  works offline).
- Each lesson in ``lessons/`` runs, its printed output going to
  ``docs/generated/lessonNN.txt`` and its figures to ``docs/generated/``, so
  every lesson page shows what the code really prints. A lesson is run again
  only when it or the tinynet sources changed.
"""

import contextlib
import hashlib
import importlib
import io
import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path

KATEX_VERSION = "0.19.1"
DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
GENERATED = DOCS / "generated"
KATEX = DOCS / "assets" / "katex"


def on_pre_build(config, **kwargs):
    fetch_katex()
    run_lessons()
    write_stepthrough()
    write_scalargraph()


def write_scalargraph():
    """Lesson 19's scalar graph (docs/generated/scalargraph/lesson19.json), from tinynet.teach.scalar and the trace."""
    from tinynet.teach.scalargraph import write_graph

    write_graph(GENERATED / "scalargraph")


def write_stepthrough():
    """The step-through's data (docs/generated/stepthrough/*.json), from tinynet's trace and cost_of."""
    from tinynet.teach.stepthrough.write import write_all

    write_all(GENERATED / "stepthrough")


def fetch_katex():
    if (KATEX / "katex.min.js").exists():
        return
    npm = shutil.which("npm")
    if npm is None:
        raise RuntimeError("building the docs needs npm (for the katex package): apt-get install npm")
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(
            [npm, "pack", f"katex@{KATEX_VERSION}", "--silent"], cwd=tmp, check=True, stdout=subprocess.DEVNULL
        )
        with tarfile.open(Path(tmp) / f"katex-{KATEX_VERSION}.tgz") as tar:
            tar.extractall(tmp, filter="data")
        dist = Path(tmp) / "package" / "dist"
        KATEX.mkdir(parents=True, exist_ok=True)
        for name in ("katex.min.js", "katex.min.css"):
            shutil.copy(dist / name, KATEX / name)
        (KATEX / "contrib").mkdir(exist_ok=True)
        shutil.copy(dist / "contrib" / "auto-render.min.js", KATEX / "contrib" / "auto-render.min.js")
        shutil.copytree(dist / "fonts", KATEX / "fonts", dirs_exist_ok=True)


def sources_digest(lesson_file):
    h = hashlib.sha256(lesson_file.read_bytes())
    for path in sorted((ROOT / "tinynet").rglob("*.py")):
        h.update(path.read_bytes())
    return h.hexdigest()


def run_lessons():
    GENERATED.mkdir(exist_ok=True)
    from tinynet.teach.lessonkit import lessons

    for number, (module_name, _) in lessons().items():
        module = importlib.import_module(module_name)
        output = GENERATED / f"lesson{number:02d}.txt"
        stamp = GENERATED / f"lesson{number:02d}.stamp"
        digest = sources_digest(Path(module.__file__))
        if output.exists() and stamp.exists() and stamp.read_text() == digest:
            continue
        buf = io.StringIO()
        with contextlib.redirect_stdout(buf):
            module.main(["--figures", str(GENERATED)])
        # figures are saved under docs/generated; the page shows them, not the path
        text = buf.getvalue().replace(str(GENERATED), "docs/generated")
        output.write_text(text)
        stamp.write_text(digest)
