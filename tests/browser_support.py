"""Headless Chromium (Debian's, driven by Playwright) against the application served by waitress on a
free loopback port in a background thread; every page visited is saved as a screenshot artifact."""
from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator, Optional

import pytest
import waitress.server
from playwright.sync_api import Browser, Page, expect, sync_playwright

from tests.conftest import PASSWORD
from tests.web_support import Site

SCREENSHOTS = Path(__file__).resolve().parent.parent / "test-artifacts" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", "--no-first-run"]
PHONE = {"width": 390, "height": 844}
PATIENCE_MS = 20_000
"""How long an expectation waits: a signed step checks the password and unseals the key with Argon2,
which on a loaded two-core CI machine takes longer than Playwright's default of five seconds."""


@dataclass
class Served:
    site: Site
    url: str
    server: waitress.server.BaseWSGIServer
    thread: threading.Thread

    def stop(self) -> None:
        self.server.close()
        self.thread.join(timeout=10)


def serve(site: Site) -> Served:
    server = waitress.server.create_server(site.app, host="127.0.0.1", port=0, threads=4)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    return Served(site, f"http://127.0.0.1:{server.effective_port}", server, thread)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    expect.set_options(timeout=PATIENCE_MS)
    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        yield launched
        launched.close()


@dataclass
class Journey:
    """One person's visit: a phone-sized page, and a numbered screenshot of every page they see."""

    name: str
    page: Page
    base: str
    shots: list[Path] = field(default_factory=list)

    def go(self, path: str) -> None:
        self.page.goto(self.base + path)

    def shot(self, label: str) -> Path:
        """Save the whole page, once it is known to fit the screen's width: at a phone's 390 px nothing
        may make the reader scroll sideways (wide tables and diagrams scroll inside their own box)."""
        width, fits = self.page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
        assert width == fits, f"{label}: the page is {width} px wide on a {fits} px screen"
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{self.name}-{len(self.shots) + 1:02d}-{label}.png"
        self.page.screenshot(path=str(path), full_page=True)
        self.shots.append(path)
        return path

    def shot_of(self, selector: str, label: str) -> Path:
        """Just one part of the page, for things best seen alone (a flowchart)."""
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{self.name}-{len(self.shots) + 1:02d}-{label}.png"
        self.page.locator(selector).screenshot(path=str(path))
        self.shots.append(path)
        return path

    def login(self, username: str, password: str = PASSWORD) -> None:
        self.go("/login")
        self.page.get_by_label("用户名").fill(username)
        self.page.get_by_label("密码").fill(password)
        self.page.get_by_role("button", name="登录").click()
        self.page.wait_for_url(self.base + "/")

    def logout(self) -> None:
        self.page.get_by_role("button", name="退出").click()
        self.page.wait_for_url(self.base + "/login")


def journey(browser: Browser, served: Served, name: str, viewport: Optional[dict] = None) -> Journey:
    context = browser.new_context(viewport=viewport or PHONE, locale="zh-CN", device_scale_factor=1)
    return Journey(name, context.new_page(), served.url)
