"""Browser tests: selenium driving headless Chromium against sites served by ``framework run``.

Chromium and its driver are Debian's packages (``chromium``, ``chromium-driver``). Without them
these tests are skipped with a reason saying what to install, except under CI (the ``CI``
variable set), where a missing browser fails them. A failing test leaves a screenshot and the
page source in ``test-artifacts/browser/``, and the servers' logs are there too.

Each site is a session fixture serving one ``module:app`` (see ``demo_site``, ``blog_site``); a
new site is one more such fixture calling ``serve``. What a person does on a page (wait for an
element, follow a link, submit a form) is in ``browsing.py``, shared by the sites' tests.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Generator, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import pytest
from browsing import BLOG_WRITER
from processes import ROOT, console_script, environment, free_port, stop, wait_for_port
from selenium import webdriver
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.remote.webdriver import WebDriver

ARTIFACTS = ROOT / "test-artifacts" / "browser"
BROWSER_BINARY = "chromium"
DRIVER_BINARY = "chromedriver"
INSTALL_COMMAND = "apt-get install chromium chromium-driver"

CHROMIUM_ARGUMENTS = (
    "--headless=new",
    "--no-sandbox",  # the sandbox cannot start as root, which is how CI runs
    "--disable-dev-shm-usage",  # /dev/shm is small in containers
    "--window-size=1280,900",
    # Only this machine's servers are visited: no name resolves (so nothing reaches out for
    # updates or safe browsing), and the background services that would try are off.
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-domain-reliability",
    "--no-pings",
)


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() not in ("", "0", "false", "no")


def find_binaries() -> tuple[str, str]:
    """Paths of Chromium and its driver; skip (fail under CI) saying what is missing."""
    found = {name: shutil.which(name) for name in (BROWSER_BINARY, DRIVER_BINARY)}
    missing = [name for name, path in found.items() if path is None]
    if missing:
        reason = (
            f"browser tests skipped: {' and '.join(missing)} not found on PATH; "
            f"install them with `{INSTALL_COMMAND}` (as root)"
        )
        if in_ci():
            pytest.fail(reason.replace("skipped", "cannot run in CI"), pytrace=False)
        pytest.skip(reason)
    return found[BROWSER_BINARY] or "", found[DRIVER_BINARY] or ""


@pytest.fixture(scope="session")
def chromium() -> Iterator[WebDriver]:
    """One headless Chromium for the whole run (each test starts with no cookies)."""
    browser_path, driver_path = find_binaries()
    options = webdriver.ChromeOptions()
    # With both paths given, selenium never runs Selenium Manager (which would download a driver).
    options.binary_location = browser_path
    for argument in CHROMIUM_ARGUMENTS:
        options.add_argument(argument)
    driver = webdriver.Chrome(options=options, service=Service(executable_path=driver_path))
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture
def browser(chromium: WebDriver) -> WebDriver:
    """The browser on a blank page, with every site's cookies cleared."""
    chromium.get("about:blank")
    chromium.execute_cdp_cmd("Network.clearBrowserCookies", {})
    return chromium


@contextmanager
def serve(app: str, cwd: Path = ROOT, env: Mapping[str, str] | None = None) -> Iterator[str]:
    """Run ``framework run APP`` from ``cwd`` on a free port; yield its URL once it accepts.

    ``env`` adds to (or overrides) the server's environment, e.g. where a site keeps its data.
    Its output goes to ``test-artifacts/browser/server-<app>.log``.
    """
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    port = free_port()
    log_path = ARTIFACTS / f"server-{artifact_name(app)}.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            console_script("framework", "framework", "run", app, "--port", str(port)),
            cwd=cwd,
            env={**environment(), **(env or {})},
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            text=True,
        )
    try:
        wait_for_port(port, process)
        yield f"http://127.0.0.1:{port}"
    finally:
        stop(process)


@pytest.fixture(scope="session")
def demo_site(chromium: WebDriver) -> Iterator[str]:
    """The demo site (``views:app``), served for real; its base URL."""
    with serve("views:app") as url:
        yield url


@pytest.fixture(scope="session")
def blog_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The blog example's SQLite file for this run (its ``BLOG_DATABASE``), with the writer
    ``BLOG_WRITER`` added by the blog's own ``adduser`` command."""
    database = tmp_path_factory.mktemp("blog") / "blog.sqlite3"
    subprocess.run(
        [sys.executable, str(ROOT / "examples" / "blog" / "app.py"), "adduser", *BLOG_WRITER],
        env={**environment(), "BLOG_DATABASE": str(database)},
        check=True,
        capture_output=True,
    )
    return database


@pytest.fixture(scope="session")
def blog_site(chromium: WebDriver, blog_database: Path) -> Iterator[str]:
    """The blog example (``examples.blog.app:app``) on this run's own database; its base URL."""
    with serve("examples.blog.app:app", env={"BLOG_DATABASE": str(blog_database)}) as url:
        yield url


def artifact_name(text: str) -> str:
    return re.sub(r"[^\w.-]+", "_", text).strip("_")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """On a failure with a browser open, save its screenshot and page source as artifacts."""
    report: pytest.TestReport = yield
    driver = getattr(item, "funcargs", {}).get("browser")
    if report.failed and isinstance(driver, WebDriver):
        report.sections.append(("browser artifacts", save_artifacts(driver, item.nodeid)))
    return report


def save_artifacts(driver: WebDriver, nodeid: str) -> str:
    """Write ``<test>.png`` and ``<test>.html`` under ARTIFACTS; say where (or why not)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    name = artifact_name(nodeid.split("/")[-1])
    screenshot, source = ARTIFACTS / f"{name}.png", ARTIFACTS / f"{name}.html"
    try:
        driver.save_screenshot(str(screenshot))
        source.write_text(driver.page_source, encoding="utf-8")
        return f"at {driver.current_url}\nscreenshot: {screenshot}\npage source: {source}"
    except WebDriverException as error:
        return f"could not save the browser's state: {error.msg}"
