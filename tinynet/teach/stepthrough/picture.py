"""A picture of a page ``tinynet stepthrough`` wrote, at one step, with one number chosen.

``python -m tinynet.teach.stepthrough.picture PAGE PNG [--step ID] [--choose K]`` opens the page from disk
in Debian's chromium (through Playwright, as the browser tests do), goes to step ``ID``, chooses entry
``K`` of the step's first part (its "where it comes from" shows) and photographs the component. The
README's and the docs' picture of a learner's own network is made this way.
"""

import argparse
from pathlib import Path


def take_picture(page, png, step=None, choose=None, width=1280):
    """Photograph the step-through on ``page`` (an HTML file) at step ``step``, entry ``choose`` chosen."""
    if not Path(page).is_file():
        raise ValueError(f"PAGE: {page} is not a file (write one with 'tinynet stepthrough MODEL')")
    from playwright.sync_api import sync_playwright

    from tinynet.teach.widgets.pictures import CHROMIUM, CHROMIUM_ARGS

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        pg = browser.new_page(viewport={"width": width, "height": 900}, device_scale_factor=1)
        pg.goto(Path(page).resolve().as_uri())
        root = pg.locator(".stepthrough[data-ready='1']")
        root.wait_for()
        if step is not None:
            root.locator(".st-box").press("Home")
            for _ in range(200):
                if root.get_attribute("data-step-id") == step:
                    break
                root.locator(".st-box").press("ArrowRight")
            else:
                raise ValueError(f"--step: the page has no step {step!r}")
        if choose is not None:
            found = root.locator(f".st-values .st-num[data-part='0'][data-k='{choose}']")
            if not found.count():
                raise ValueError(f"--choose: the step shows no entry {choose} of its first part in its table")
            found.first.click()
        Path(png).parent.mkdir(parents=True, exist_ok=True)
        root.locator(".st-box").screenshot(path=str(png))
        browser.close()
    return Path(png)


def main(argv=None):
    """The command; a mistake (no such step, no such entry, a page that is not there) is one line on stderr."""
    from tinynet.cli import run

    return run(picture_command, argv)


def picture_command(argv):
    parser = argparse.ArgumentParser(
        prog="python -m tinynet.teach.stepthrough.picture", description=__doc__.split("\n")[0]
    )
    parser.add_argument("page", help="a page written by 'tinynet stepthrough'")
    parser.add_argument("png", help="the picture to write")
    parser.add_argument("--step", help="the step's id (z1, a1, cost, delta2, dW1...)")
    parser.add_argument("--choose", type=int, help="the entry of the step's first part to choose")
    args = parser.parse_args(argv)
    print(take_picture(args.page, args.png, args.step, args.choose))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
