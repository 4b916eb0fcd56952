"""Helpers for tests that start real servers: free ports, polling with a deadline, clean stops.

No test waits a fixed time for a server: each polls (a connect or a request every few
hundredths of a second) until it answers or a deadline passes.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
DEADLINE_SECONDS = 60.0
POLL_INTERVAL_SECONDS = 0.05


def framework_command(*arguments: str) -> list[str]:
    return [sys.executable, "-m", "framework", *arguments]


def run_command(*arguments: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    """Run ``framework ARGUMENTS`` to completion in ``cwd``; output captured as text."""
    return subprocess.run(
        framework_command(*arguments),
        cwd=cwd,
        env=environment(),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=DEADLINE_SECONDS,
    )


def console_script(name: str, module: str, *arguments: str) -> list[str]:
    """The command ``name`` installed beside this Python, as users run it; else ``-m module``."""
    if (BIN / name).exists():
        return [str(BIN / name), *arguments]
    return [sys.executable, "-m", module, *arguments]


def environment() -> dict[str, str]:
    """The environment for a child process, importing this checkout's ``framework`` from any cwd."""
    paths = [str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]
    return {**os.environ, "PYTHONPATH": os.pathsep.join(paths), "PYTHONUNBUFFERED": "1"}


def free_port() -> int:
    """A loopback port nothing listens on now (the OS picks it; the caller binds it next)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def poll(condition: Callable[[], bool], what: str, process: subprocess.Popen[str]) -> None:
    """Call ``condition`` until it is true; fail if ``process`` exits or the deadline passes."""
    deadline = time.monotonic() + DEADLINE_SECONDS
    while not condition():
        if process.poll() is not None:
            raise AssertionError(f"the server exited ({process.returncode}) before {what}")
        if time.monotonic() > deadline:
            raise AssertionError(f"no {what} within {DEADLINE_SECONDS} s")
        time.sleep(POLL_INTERVAL_SECONDS)


def wait_for_port(port: int, process: subprocess.Popen[str]) -> None:
    """Poll until something accepts connections on ``127.0.0.1:port``."""

    def accepting() -> bool:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return True
        except OSError:
            return False

    poll(accepting, f"listener on port {port}", process)


def fetch(url: str, data: dict[str, str] | None = None) -> tuple[int, dict[str, str], str]:
    """GET (or POST a form to) ``url``; return status, headers and text, also for 4xx/5xx."""
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    try:
        with urllib.request.urlopen(url, data=body, timeout=10) as response:
            return response.status, dict(response.headers), response.read().decode("utf-8")
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read().decode("utf-8")


def stop(process: subprocess.Popen[str], signal_number: int = signal.SIGTERM) -> tuple[str, str]:
    """Send ``signal_number`` (SIGKILL if it does not stop in time); return stdout and stderr."""
    if process.poll() is None:
        process.send_signal(signal_number)
    try:
        stdout, stderr = process.communicate(timeout=DEADLINE_SECONDS)
    except subprocess.TimeoutExpired:
        process.kill()
        stdout, stderr = process.communicate()
    return stdout or "", stderr or ""
