"""The command line, run as a real subprocess."""

from __future__ import annotations

import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def framework_command(*arguments: str) -> list[str]:
    return [sys.executable, "-m", "framework", *arguments]


@pytest.fixture
def demo_server() -> Iterator[str]:
    """Serve views:app on a free port; yield its base URL once it is listening."""
    process = subprocess.Popen(
        framework_command("run", "views:app", "--port", "0"),
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        # The command prints its URL only after the socket is bound and listening.
        first_line = process.stdout.readline()
        assert first_line.startswith("Serving views:app on http://127.0.0.1:"), first_line
        yield first_line.split(" on ", 1)[1].strip()
    finally:
        process.terminate()
        process.wait(timeout=10)
        for stream in (process.stdout, process.stderr):
            if stream is not None:
                stream.close()


def test_run_serves_the_demo_site_over_http(demo_server: str) -> None:
    with urllib.request.urlopen(demo_server + "/users/1", timeout=10) as response:
        body = response.read().decode("utf-8")

    assert response.status == 200
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    assert "Ada Lovelace" in body


def test_run_answers_404_over_http(demo_server: str) -> None:
    with pytest.raises(urllib.error.HTTPError) as raised:
        urllib.request.urlopen(demo_server + "/nothing/here", timeout=10)

    assert raised.value.code == 404
    assert "404 Not Found" in raised.value.read().decode("utf-8")


def test_run_with_an_unimportable_app_is_one_line_and_exit_1() -> None:
    result = subprocess.run(
        framework_command("run", "no_such_module:app"),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 1
    assert result.stderr.startswith("framework: cannot import 'no_such_module'")
    assert result.stderr.count("\n") == 1
    assert "Traceback" not in result.stderr


def test_run_with_a_missing_attribute_is_exit_1() -> None:
    result = subprocess.run(
        framework_command("run", "views:nothing"),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 1
    assert result.stderr == "framework: module 'views' has no attribute 'nothing'\n"
