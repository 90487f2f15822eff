"""What the tests share: the isolation of every test, fake MNIST files, the leak check of the pool, the docs site.

The tests are laid out like the package (tests/core, tests/conv, tests/stable,
tests/parallel, tests/files, tests/teach) plus tests/docs (the built docs site
in a browser) and tests/programs (the command line, the examples, the
benchmarks, the promises page). A test module imports the helpers below with
``from conftest import ...`` (pytest puts this folder on sys.path).

Slow tests are marked ``@pytest.mark.slow``: ``pytest -m "not slow"`` is the
quick run (under a minute), a plain ``pytest`` runs everything.
"""

import functools
import gzip
import hashlib
import http.server
import multiprocessing
import os
import socket
import struct
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlparse

import numpy as np
import pytest

from tinynet.teach.widgets.pictures import CHROMIUM, CHROMIUM_ARGS

ROOT = Path(__file__).resolve().parents[1]  # the repository
SHARED_MNIST = ROOT.parent / "shared" / "datasets" / "mnist"
SHOTS = ROOT / "test-artifacts" / "screenshots"  # where the browser tests leave their screenshots


@pytest.fixture(autouse=True)
def _isolated_data(monkeypatch, tmp_path):
    """No test finds MNIST by accident: no $TINYNET_DATA, and a fresh working folder."""
    monkeypatch.delenv("TINYNET_DATA", raising=False)
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def rng():
    return np.random.default_rng(0)


# --- fake MNIST files (tests/files, tests/programs) -------------------------------------------------


def idx_bytes(array):
    """The IDX file of an array of unsigned bytes."""
    array = np.asarray(array, np.uint8)
    return bytes([0, 0, 8, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape) + array.tobytes()


def write_split(folder, split, images, labels, gz=True):
    """The two IDX files of an MNIST split ("train" or "test") in ``folder``, gzipped or not."""
    from tinynet.files.datasets import FILES

    folder.mkdir(parents=True, exist_ok=True)
    for name, array in zip(FILES[split], (images, labels)):
        data = idx_bytes(array)
        if gz:
            (folder / (name + ".gz")).write_bytes(gzip.compress(data))
        else:
            (folder / name).write_bytes(data)


def tiny(n=6, seed=0):
    """n random 28x28 images and their labels, as unsigned bytes."""
    rng = np.random.default_rng(seed)
    return rng.integers(0, 256, (n, 28, 28)).astype(np.uint8), rng.integers(0, 10, n).astype(np.uint8)


@pytest.fixture
def mnist_server(tmp_path, monkeypatch):
    """A web server on 127.0.0.1 serving four fake MNIST files, their MD5 sums made tinynet's: (folder, URL)."""
    from tinynet.files import datasets

    root = tmp_path / "served"
    for split, seed in (("train", 1), ("test", 2)):
        write_split(root, split, *tiny(seed=seed))
    monkeypatch.setattr(
        datasets, "MD5", {name: hashlib.md5((root / name).read_bytes()).hexdigest() for name in datasets.MD5}
    )
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(root))
    handler.log_message = lambda *args: None
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)  # polls: a quick shutdown
    thread.start()
    yield root, f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()
    httpd.server_close()


# --- the pool of processes (tests/parallel) ------------------------------------------------------------

SHM = Path("/dev/shm")


def segments():
    """The shared-memory segments this process created (other test runs on the machine make their own)."""
    mine = f"tinynet-{os.getpid()}-"
    return {name for name in os.listdir(SHM) if name.startswith(mine)} if SHM.exists() else set()


def pool_data(n=600, seed=0):
    """n samples of 12 features and their labels, 4 classes (the trainers' common example)."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 12))
    return X, (X[:, :4] @ rng.normal(size=(4, 4))).argmax(axis=1)


def train_a_classifier(trainer, **kwargs):
    """A [12, 10, 4] classifier trained by ``trainer`` on ``pool_data()``, 15 batches: (network, history)."""
    from tinynet import NeuralNetwork

    net = NeuralNetwork([12, 10, 4], ["tanh", "softmax"], "cross_entropy", seed=0)
    args = dict(
        max_batches=15, max_batches_without_improvement=100, cost_estimator_batch_size=200, seed=3, progress=False
    )
    args.update(kwargs)
    history = trainer.train(net, pool_data(), 0.3, 3, 60, **args)
    return net, history


@pytest.fixture(scope="session")
def one_process_run():
    """``train_a_classifier(Trainer())``: what every other trainer must reproduce."""
    from tinynet import Trainer

    return train_a_classifier(Trainer())


@pytest.fixture
def no_leaks():
    """The test leaves no shared-memory segment of this process and no worker process behind."""
    before = segments()
    yield
    assert segments() == before, "shared-memory segments leaked"
    assert multiprocessing.active_children() == [], "worker processes left running"


# --- the docs site (tests/docs): one strict build, served on 127.0.0.1, opened in Debian's chromium --------


@pytest.fixture(scope="session")
def site(tmp_path_factory):
    """The docs site built with ``mkdocs build --strict`` (every lesson run): its folder.

    ``TINYNET_DOCS_SITE=FOLDER`` reuses a site built before (a quicker run while working on the pages).
    """
    if os.environ.get("TINYNET_DOCS_SITE"):
        return Path(os.environ["TINYNET_DOCS_SITE"])
    out = tmp_path_factory.mktemp("site")
    build = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=dict(os.environ, NO_MKDOCS_2_WARNING="1"),
    )
    assert build.returncode == 0, build.stdout + build.stderr
    return out


@pytest.fixture(scope="module")
def site_server(site):
    """The built docs site served on a free port of 127.0.0.1: its URL."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(
        [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1", "--directory", str(site)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.05)
    yield f"http://127.0.0.1:{port}/"
    proc.terminate()
    proc.wait(5)


@pytest.fixture(scope="module")
def browser():
    """Debian's chromium, headless, through Playwright (CI must have it; elsewhere the tests skip)."""
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing: .ci/run must install Debian's chromium")
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def open_page(browser, viewport):
    """A new page that records in ``.problems`` console errors, page errors, failed requests, HTTP errors
    and any request to another host: (its context, the page)."""
    context = browser.new_context(viewport=viewport)
    pg = context.new_page()
    pg.problems = []
    pg.on("console", lambda m: m.type == "error" and pg.problems.append(f"console error: {m.text}"))
    pg.on("pageerror", lambda e: pg.problems.append(f"page error: {e}"))
    # A request the browser itself aborted (the page navigated on while the favicon was still loading) is not
    # a problem of the page; a file that is missing still shows, as an HTTP 404 or net::ERR_FILE_NOT_FOUND.
    pg.on(
        "requestfailed",
        lambda r: r.failure != "net::ERR_ABORTED" and pg.problems.append(f"failed: {r.url} ({r.failure})"),
    )
    pg.on("response", lambda r: r.status >= 400 and pg.problems.append(f"HTTP {r.status}: {r.url}"))
    pg.on(
        "request",
        lambda r: (
            urlparse(r.url).hostname not in ("127.0.0.1", None) and pg.problems.append(f"outside request: {r.url}")
        ),
    )
    return context, pg


@pytest.fixture
def page(browser, site_server):
    """A desktop-sized page of the served site that records its problems (see ``open_page``)."""
    context, pg = open_page(browser, {"width": 1280, "height": 900})
    yield pg
    context.close()
