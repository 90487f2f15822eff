"""The promises page names the tests that keep each promise: every one of them must exist."""

import re

from conftest import ROOT


def test_every_test_named_on_the_promises_page_exists():
    page = (ROOT / "docs" / "promises.md").read_text()
    named = re.findall(r"`(tests/[\w/]+\.py)::(\w+)`", page)
    assert len(named) > 40
    missing = [
        f"{path}::{name}"
        for path, name in named
        if not re.search(rf"^def {name}\(", (ROOT / path).read_text(), re.MULTILINE)
    ]
    assert missing == []
