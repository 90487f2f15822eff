import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from tinynet.widget_pictures import CHROMIUM, CHROMIUM_ARGS

SHARED_MNIST = Path(__file__).resolve().parents[2] / "shared" / "datasets" / "mnist"


@pytest.fixture(autouse=True)
def _isolated_data(monkeypatch, tmp_path):
    """No test finds MNIST by accident: no $TINYNET_DATA, and a fresh working folder."""
    monkeypatch.delenv("TINYNET_DATA", raising=False)
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def rng():
    return np.random.default_rng(0)


def numerical_gradient(net, x, y, eps=1e-6):
    """Central differences of the summed cost with respect to every parameter."""
    grad = np.zeros_like(net.params)
    for i in range(net.params.size):
        old = net.params[i]
        net.params[i] = old + eps
        plus = net.cost_of(x, y)
        net.params[i] = old - eps
        minus = net.cost_of(x, y)
        net.params[i] = old
        grad[i] = (plus - minus) / (2 * eps)
    return grad


# The docs site tests (tests/test_docs_site.py, tests/test_stepthrough.py): one strict build for both,
# served on 127.0.0.1 and opened in Debian's chromium.
ROOT = Path(__file__).resolve().parents[1]


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
def server(site):
    """The built site served on a free port of 127.0.0.1: its URL."""
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
