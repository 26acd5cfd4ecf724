"""Browser tests: Playwright driving Debian's Chromium against pytest-django's live server.

Playwright's own browser download never runs: the tests launch /usr/bin/chromium (apt-get install
chromium fonts-noto-cjk) and skip, saying why, when it is absent. Screenshots of each step go to
var/screenshots/.
"""

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from guanjia.paths import VAR_DIR

CHROMIUM = Path(os.environ.get("GUANJIA_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = VAR_DIR / "screenshots"
PHONE = {"width": 375, "height": 812}

# Playwright's sync API keeps an event loop running in this thread; the test's own ORM calls are
# still plain synchronous code, so let Django run them.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.skip(
            f"browser tests skipped: no Chromium at {CHROMIUM} "
            "(apt-get install chromium fonts-noto-cjk)"
        )
    sync_api = pytest.importorskip(
        "playwright.sync_api", reason="browser tests skipped: pip install playwright"
    )
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield launched
        launched.close()


@pytest.fixture
def phone(browser: Any) -> Iterator[Any]:
    """A page as a resident's phone shows it: 375 × 812, Chinese."""
    context = browser.new_context(viewport=PHONE, locale="zh-CN", device_scale_factor=2)
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def shot() -> Any:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(page: Any, name: str) -> Path:
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """Say it out loud when the browser tests could not run (before pytest's last line)."""
    if not CHROMIUM.exists():
        terminalreporter.write_line(
            f"browser tests SKIPPED: no Chromium at {CHROMIUM} "
            "(apt-get install chromium fonts-noto-cjk)",
            yellow=True,
            bold=True,
        )
