"""How a request is made and timed.  No contender or scenario knowledge lives here.

A request is a prebuilt environ dict (the keys gunicorn's sync worker hands an app),
shallow-copied for every call and given a fresh BytesIO as wsgi.input; the app is
called, its iterable consumed and close()d if it has close().

A measurement (`Task`) is one app on one request.  After a warm-up, n is chosen so that
a batch of n calls lasts about `batch_ms`; each round times one batch of every task, in
a rotating and alternating order so that machine drift lands on all tasks alike, and
records batch time / n as that round's sample.  `gc.collect()` runs before each batch
(outside the timed region) and the garbage collector stays enabled inside it, as in a
server; the objects that exist before timing starts (apps, routes, templates) are
frozen out of collection so those collections cost the same for everyone.
"""

import gc
import importlib.metadata
import json
import os
import platform
import statistics
import sys
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from io import BytesIO
from wsgiref.validate import validator


class _Sink:
    """wsgi.errors that drops what it is given."""

    def write(self, text):
        return len(text)

    def writelines(self, lines):
        pass

    def flush(self):
        pass


_ERRORS = _Sink()


@dataclass(frozen=True)
class Req:
    method: str
    path: str
    query: str = ""
    body: bytes = b""
    content_type: str | None = None
    cookie: str | None = None  # the Cookie header
    host: str = "127.0.0.1:8000"

    def environ(self):
        env = {
            "REQUEST_METHOD": self.method,
            "SCRIPT_NAME": "",
            "PATH_INFO": self.path,
            "QUERY_STRING": self.query,
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "8000",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "REMOTE_ADDR": "127.0.0.1",
            "HTTP_HOST": self.host,
            "HTTP_USER_AGENT": "bench/1",
            "HTTP_ACCEPT": "*/*",
            "wsgi.version": (1, 0),
            "wsgi.url_scheme": "http",
            "wsgi.input": BytesIO(self.body),
            "wsgi.errors": _ERRORS,
            "wsgi.multithread": False,
            "wsgi.multiprocess": True,
            "wsgi.run_once": False,
        }
        if self.body or self.method in ("POST", "PUT", "PATCH"):
            env["CONTENT_LENGTH"] = str(len(self.body))
        if self.content_type:
            env["CONTENT_TYPE"] = self.content_type
        if self.cookie:
            env["HTTP_COOKIE"] = self.cookie
        return env

    @property
    def label(self):
        return f"{self.method} {self.path}" + (f"?{self.query}" if self.query else "")


@dataclass
class Reply:
    status: int
    headers: list
    body: bytes

    def header(self, name):
        return next((v for k, v in self.headers if k.lower() == name.lower()), None)

    def cookies(self):
        """The `name=value` pairs of the Set-Cookie headers, as a Cookie header would send them."""
        return "; ".join(
            v.split(";", 1)[0].strip() for k, v in self.headers if k.lower() == "set-cookie"
        )


def call(app, req):
    """One request, fully captured (for checking answers; never timed)."""
    captured = {}
    written = []

    def start_response(status, headers, exc_info=None):
        captured["status"], captured["headers"] = status, list(headers)
        return written.append

    result = app(req.environ(), start_response)
    try:
        chunks = list(result)
    finally:
        if hasattr(result, "close"):
            result.close()
    status = int(captured["status"].split()[0])
    return Reply(status, captured["headers"], b"".join(written + chunks))


def pep3333_complaint(app, req):
    """One request through wsgiref.validate: None if clean, else what it objected to."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            call(validator(app), req)
        except Exception as exc:
            return describe(exc)
    return "; ".join(str(w.message) for w in caught) or None


def describe(exc):
    """`Type: message (at file:line)` of the innermost frame, so a failure says where."""
    tb, where = exc.__traceback__, ""
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if not filename.startswith("<frozen"):  # importlib's own frames say nothing
            where = f" (at {filename}:{tb.tb_lineno})"
        tb = tb.tb_next
    return f"{type(exc).__name__}: {exc}{where}"


def null_app(environ, start_response):
    """The harness's own cost: a WSGI app that does nothing but answer."""
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "1")])
    return [b"x"]


# -- timing -------------------------------------------------------------------------------


@dataclass
class Task:
    key: tuple  # e.g. ("flask", "S1") or ("flask", 1000, "last")
    app: Callable
    req: Req
    status: int  # the status every timed answer must keep
    n: int = 0  # calls per batch
    samples: list = field(default_factory=list)  # ns per call, one per round
    error: str | None = None


def _discard(data):
    pass


def _time_batch(app, environ, body, n, last_status):
    """Nanoseconds for n calls; the last status line is left in last_status[0]."""
    copy, new_input, perf = environ.copy, BytesIO, time.perf_counter_ns

    def start_response(status, headers, exc_info=None):
        last_status[0] = status
        return _discard

    t0 = perf()
    for _ in range(n):
        env = copy()
        env["wsgi.input"] = new_input(body)
        result = app(env, start_response)
        for _chunk in result:
            pass
        close = getattr(result, "close", None)
        if close is not None:
            close()
    return perf() - t0


def _calibrate(task, warmup_ms, batch_ms):
    """Run the task for about warmup_ms, then pick n so that one batch lasts ~batch_ms."""
    environ, last = task.req.environ(), [None]
    deadline = time.perf_counter_ns() + warmup_ms * 1e6
    n = calls = 16
    spent = _time_batch(task.app, environ, task.req.body, n, last)
    while time.perf_counter_ns() < deadline or calls < 64:
        if spent < 20e6:
            n *= 2
        spent = _time_batch(task.app, environ, task.req.body, n, last)
        calls += n
    task.n = max(20, int(batch_ms * 1e6 * n / spent))


def _time_round(task):
    last = [None]
    gc.collect()
    try:
        spent = _time_batch(task.app, task.req.environ(), task.req.body, task.n, last)
    except Exception as exc:
        task.error = f"raised while timing: {describe(exc)}"
        return
    status = int(last[0].split()[0]) if last[0] else None
    if status != task.status:
        task.error = f"status changed to {last[0]!r} while timing"
        return
    task.samples.append(spent / task.n)


def run(tasks, rounds, batch_ms, warmup_ms, progress=None):
    """Warm up and calibrate every task, then time `rounds` batches of each, interleaved."""
    gc.collect()
    gc.freeze()
    try:
        for task in tasks:
            try:
                _calibrate(task, warmup_ms, batch_ms)
            except Exception as exc:
                task.error = f"raised while warming up: {describe(exc)}"
        for r in range(rounds):
            shift = (r * 7) % len(tasks) if tasks else 0
            order = tasks[shift:] + tasks[:shift]
            if r % 2:
                order.reverse()
            for task in order:
                if task.error is None:
                    _time_round(task)
            if progress:
                progress(r + 1, rounds)
    finally:
        gc.unfreeze()


# -- statistics ---------------------------------------------------------------------------


def summarize(samples_ns):
    """Per-call samples in ns -> microsecond statistics (and every sample, in timing order)."""
    ordered = sorted(samples_ns)
    median = statistics.median(ordered)
    q1, _, q3 = statistics.quantiles(ordered, n=4) if len(ordered) > 1 else ordered * 3
    return {
        "median_us": median / 1000,
        "min_us": ordered[0] / 1000,
        "iqr_pct": (q3 - q1) / median * 100,
        "rounds": len(ordered),
        "samples_us": [round(x / 1000, 4) for x in samples_ns],
    }


def paired_ratio(samples, reference):
    """Median over rounds of sample / reference sample of the same round.

    Both were timed in the same round, seconds apart, so drift that is slower than a
    round cancels out of every pair; the median drops the rounds that a burst hit.
    """
    return statistics.median(a / b for a, b in zip(samples, reference, strict=False))


# -- output -------------------------------------------------------------------------------


def table(headers, rows):
    """A GitHub-markdown table, columns padded to line up in a terminal."""
    widths = [max(len(str(cell)) for cell in column) for column in zip(headers, *rows, strict=True)]

    def line(cells):
        return "| " + " | ".join(str(c).ljust(w) for c, w in zip(cells, widths, strict=True)) + " |"

    return "\n".join(
        [line(headers), "|" + "|".join("-" * (w + 2) for w in widths) + "|"]
        + [line(row) for row in rows]
    )


_PACKAGES = ("falcon", "bottle", "flask", "werkzeug", "webob", "parse", "jinja2", "markupsafe")


def machine_facts():
    versions = {}
    for name in _PACKAGES:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = None
    cpu = None
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(
                (ln.split(":", 1)[1].strip() for ln in f if ln.startswith("model name")), None
            )
    except OSError:
        pass
    return {
        "python": sys.version.split()[0],
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "cpu": cpu or platform.processor(),
        "nproc": os.cpu_count(),
        "packages": versions,
        "date": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
    }


def write_json(path, data):
    with open(path, "w") as f:
        json.dump(data, f, indent=2, default=str)
        f.write("\n")
