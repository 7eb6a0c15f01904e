"""The browser tests' fixtures: Debian's Chromium driven by Playwright, the local stack as a real process.

No browser is ever downloaded: the tests use ``/usr/bin/chromium`` (Debian's
``chromium`` package, which ``.ci/run`` installs) and are skipped, loudly,
when it is missing.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.local_stack import ROOT, Stack, start_stack, stop_stack

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = ROOT / "test-output" / "browser"
MISSING_CHROMIUM = (
    "BROWSER TEST SKIPPED: the system package `chromium` is not installed (no /usr/bin/chromium). "
    "Install it with `sudo apt-get install -y chromium` (.ci/run does) to run the end-to-end test."
)


@pytest.fixture(scope="module")
def browser(request: pytest.FixtureRequest) -> Iterator[Any]:
    """Headless Chromium (skips the module, loudly, without the Debian package).

    A module may set ``CHROMIUM_EXTRA_ARGS`` (a list of switches) to launch it with more, as the video
    call's fake camera and microphone.
    """
    if not CHROMIUM.exists():
        warnings.warn(MISSING_CHROMIUM, stacklevel=1)
        pytest.skip(MISSING_CHROMIUM)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            args=[*CHROMIUM_ARGS, *getattr(request.module, "CHROMIUM_EXTRA_ARGS", [])],
            headless=True,
        )
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def stack(browser: Any, request: pytest.FixtureRequest) -> Iterator[Stack]:
    """The local stack on free ports: with the demo school (`make run`), or with the module's
    ``STACK_ENV`` (``tests.browser.support.WITHOUT_DEMO``: no demo school, the tokens' secrets)."""
    started = start_stack(dict(getattr(request.module, "STACK_ENV", {})))
    yield started
    stop_stack(started)


@pytest.fixture(scope="module")
def screenshots() -> Path:
    """Where the test run keeps its screenshots (gitignored)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
