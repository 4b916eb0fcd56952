"""The project's benchmark: each contender's WSGI app, called in-process on the same requests.

    python bench/run.py                        # everything, about 2-3 minutes
    python bench/run.py --quick                # a few rounds, well under a minute
    python bench/run.py --contenders framework,falcon --scenarios S1,S2,scaling --json out.json

Every answer is checked first (status, body, and the content type of the JSON echo); a
contender that answers a scenario wrongly is a FAIL there and is not timed.  The numbers
to quote are ratios to `raw`, a hand-written WSGI function timed in the same run.
See bench/README.md for what each number means.  Exit status 1 if anything FAILed.
"""

import argparse
import functools
import json
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

# Bench the `framework` of the checkout this file is in, installed or not.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from urllib.parse import urlencode

from bench import harness
from bench.apps import CONTENDERS, Unavailable, library_file, scaled_app, wsgi_app
from bench.apps.common import HELLO, ITEMS, SHAPES, TEMPLATE_404_DIR, TITLE, jinja_env, saved_text
from bench.harness import Req, Task

# -- what a correct answer is -------------------------------------------------------------

JSON_PAYLOAD = {
    "id": 42,
    "name": "widget",
    "tags": ["a", "b", "c"],
    "price": 9.99,
    "active": True,
    "owner": {"id": 7, "name": "Ann"},
}


def squeeze(text):
    """Whitespace-normalised, so that template pages compare by content."""
    return " ".join(text.split())


ITEMS_PAGE = squeeze(jinja_env().get_template("items.html").render(title=TITLE, items=ITEMS))
NOT_FOUND_PATH = "/nope/nothing"
NOT_FOUND_PAGE = squeeze(
    jinja_env(TEMPLATE_404_DIR).get_template("404.html").render(request={"path": NOT_FOUND_PATH})
)


def body_is(expected):
    def check(reply):
        if reply.body != expected:
            return f"body {reply.body[:80]!r}, expected {expected!r}"

    return check


def anything(reply):
    return None


def items_page(reply):
    text = squeeze(reply.body.decode("utf-8", "replace"))
    if "Items &lt;&amp;&gt; list" not in text:
        return "title not autoescaped (expected 'Items &lt;&amp;&gt; list')"
    if text != ITEMS_PAGE:
        return f"page differs from the reference rendering: {text[:120]!r}"


def not_found_page(reply):
    text = squeeze(reply.body.decode("utf-8", "replace"))
    if text != NOT_FOUND_PAGE:
        return f"page differs from the reference 404.html rendering: {text[:120]!r}"


def saved_with_cookie(reply):
    if reply.body != saved_text("hello").encode():
        return f"body {reply.body[:80]!r}, expected {saved_text('hello')!r}"
    if not reply.cookies():
        return "no Set-Cookie: the session was not written"


def csrf_post(app, token=True):
    """S7's POST: GET /csrf first (a token in the body, the session in a cookie), then send both."""
    page = harness.call(app, Req("GET", "/csrf"))
    fields = {"csrf_token": page.body.decode()} if token else {}
    return Req(
        "POST",
        "/csrf",
        body=urlencode({**fields, "note": "hello"}).encode(),
        content_type="application/x-www-form-urlencoded",
        cookie=page.cookies(),
    )


def json_echo(reply):
    ctype = reply.header("Content-Type") or ""
    if not ctype.startswith("application/json"):
        return f"Content-Type {ctype!r}, expected application/json"
    try:
        data = json.loads(reply.body)
    except ValueError as exc:
        return f"body is not JSON ({exc}): {reply.body[:80]!r}"
    if data != JSON_PAYLOAD:
        return f"echoed {data!r}, sent {JSON_PAYLOAD!r}"


@dataclass
class Scenario:
    key: str
    name: str
    req: Req | Callable  # the request that is timed, or app -> that request (a handshake first)
    status: int
    check: Callable = anything  # Reply -> None, or what is wrong with it
    extra: tuple = ()  # more (Req or app -> Req, status or statuses, check) that must be right
    app: str = "app"  # the contender's app for it: `app`, or a variant (`csrf_app`...)

    def request(self, app):
        return self.req if isinstance(self.req, Req) else self.req(app)

    def probes(self, app):
        return [
            (req if isinstance(req, Req) else req(app), status, check)
            for req, status, check in [(self.req, self.status, self.check), *self.extra]
        ]

    def label(self):
        return self.req.label if isinstance(self.req, Req) else "POST /csrf (after GET /csrf)"


SCENARIOS = [
    Scenario("S1", "static", Req("GET", "/hello"), 200, body_is(HELLO.encode())),
    Scenario(
        "S2",
        "param",
        Req("GET", "/users/42/posts/hello-world"),
        200,
        body_is(b"user 42 post hello-world"),
        extra=(
            (Req("GET", "/users/007/posts/x"), 200, body_is(b"user 7 post x")),
            (Req("GET", "/users/abc/posts/x"), 404, anything),
        ),
    ),
    Scenario("S3", "template", Req("GET", "/items"), 200, items_page),
    Scenario(
        "S4",
        "json",
        Req(
            "POST", "/echo", body=json.dumps(JSON_PAYLOAD).encode(), content_type="application/json"
        ),
        200,
        json_echo,
    ),
    Scenario("S5", "notfound", Req("GET", NOT_FOUND_PATH), 404),
    Scenario(
        "S5t", "notfound_page", Req("GET", NOT_FOUND_PATH), 404, not_found_page, app="app_404"
    ),
    Scenario(
        "S6",
        "form",
        Req(
            "POST",
            "/form",
            query="q=x",
            body=b"a=1&b=two",
            content_type="application/x-www-form-urlencoded",
        ),
        200,
        body_is(b"1 two x"),
    ),
    Scenario(
        "S1h",
        "static_hosts",
        Req("GET", "/hello"),
        200,
        body_is(HELLO.encode()),
        extra=((Req("GET", "/hello", host="evil.example"), 400, anything),),
        app="hosts_app",
    ),
    Scenario(
        "S7",
        "csrf_session",
        csrf_post,
        200,
        saved_with_cookie,
        extra=((functools.partial(csrf_post, token=False), (400, 403), anything),),
        app="csrf_app",
    ),
]

# Route scaling: make_app(N, shape) registers {prefix}/r{i}/{id:d} for i < N, each answering
# "r{i} {id}"; the prefix is nothing (plain), /api (prefix) or a field /{lang} (field).
SIZES = (10, 100, 1000)
CASES = ("first", "last", "miss")
REQUEST_PREFIX = {"plain": "", "prefix": "/api", "field": "/en"}


def scaling_probe(shape, case, n):
    prefix = REQUEST_PREFIX[shape]
    if case == "miss":
        return Req("GET", f"{prefix}/zz/7"), 404, anything
    index = 0 if case == "first" else n - 1
    return Req("GET", f"{prefix}/r{index}/7"), 200, body_is(f"r{index} 7".encode())


def wrong_answer(app, probes):
    """None if the app answers every probe correctly, else what is wrong."""
    for req, status, check in probes:
        try:
            reply = harness.call(app, req)
        except Exception as exc:
            return f"{req.label} raised {harness.describe(exc)}"
        if reply.status not in ((status,) if isinstance(status, int) else status):
            return f"{req.label} -> {reply.status}, expected {status}; body {reply.body[:80]!r}"
        problem = check(reply)
        if problem:
            return f"{req.label}: {problem}"
    return None


# -- building the work --------------------------------------------------------------------


class Plan:
    """The validated tasks to time, and what happened to everything else."""

    def __init__(self):
        self.tasks, self.scaling_tasks = [], []
        # (contender, scenario key) or (contender, "shape N=n") -> "ok" / reason
        self.status = {}
        self.pep3333 = {}  # (contender, scenario key) -> wsgiref.validate complaint

    def add_scenarios(self, name, scenarios):
        for s in scenarios:
            try:
                app = wsgi_app(name, s.app)
                probes = s.probes(app)
            except Unavailable as exc:
                self.status[name, s.key] = f"{exc.kind}: {exc.reason}"
                continue
            except Exception as exc:
                self.status[name, s.key] = f"FAIL: preparing the request: {harness.describe(exc)}"
                continue
            problem = wrong_answer(app, probes)
            self.status[name, s.key] = f"FAIL: {problem}" if problem else "ok"
            if not problem:
                req = probes[0][0]
                self.tasks.append(Task((name, s.key), app, req, s.status))
                complaint = harness.pep3333_complaint(app, req)
                if complaint:
                    self.pep3333[name, s.key] = complaint

    def add_scaling(self, name, shapes):
        for shape in shapes:
            for n in SIZES:
                key = scaling_key(shape, n)
                try:
                    app = scaled_app(name, n, shape)
                except Unavailable as exc:
                    self.status[name, key] = f"{exc.kind}: {exc.reason}"
                    continue
                probes = [scaling_probe(shape, case, n) for case in CASES]
                problem = wrong_answer(app, probes)
                self.status[name, key] = f"FAIL: {problem}" if problem else "ok"
                if not problem:
                    for case, (req, status, _) in zip(CASES, probes, strict=True):
                        self.scaling_tasks.append(Task((name, shape, n, case), app, req, status))

    def record_timing_errors(self):
        for task in self.tasks:
            if task.error:
                self.status[task.key] = f"FAIL: {task.error}"
        for task in self.scaling_tasks:
            if task.error:
                name, shape, n, _ = task.key
                self.status[name, scaling_key(shape, n)] = f"FAIL: {task.error}"


def scaling_key(shape, n):
    return f"{shape} N={n}"


# -- reporting ----------------------------------------------------------------------------


def cell(plan, name, key, value, fmt):
    """A table cell: the formatted value, or SKIP / FAIL (details under the tables)."""
    state = plan.status.get((name, key), "-")
    if state != "ok":
        return state.split(":")[0]
    return fmt.format(value) if value is not None else "-"


def report_scenarios(plan, contenders, scenarios, results):
    """Add ratio_to_raw to the results and print the ratio and microsecond tables."""
    ratio_rows, us_rows = [], []
    for s in scenarios:
        raw = results.get(("raw", s.key))
        for name in contenders:
            r = results.get((name, s.key))
            if r and raw:
                r["ratio_to_raw"] = harness.paired_ratio(r["samples_us"], raw["samples_us"])
        label = f"{s.key} {s.name}"
        found = {name: results.get((name, s.key), {}) for name in contenders}
        ratio_rows.append(
            [label]
            + [
                cell(plan, name, s.key, r.get("ratio_to_raw"), "{:.2f}")
                for name, r in found.items()
            ]
        )
        us_rows.append(
            [label]
            + [cell(plan, name, s.key, r.get("median_us"), "{:.2f}") for name, r in found.items()]
            + [f"{results.get(('(harness)', s.key), {}).get('median_us', 0):.2f}"]
        )
    print("\nTime per request / raw's (median over rounds; 1.00 = raw, higher = slower)\n")
    print(harness.table(["scenario", *contenders], ratio_rows))
    print("\nMicroseconds per request (median batch; each includes the (harness) cost)\n")
    print(harness.table(["scenario", *contenders, "(harness)"], us_rows))


SHAPE_TITLES = {
    "plain": "N routes /r{i}/{id:d}; first = GET /r0/7, last = GET /r{N-1}/7, miss = GET /zz/7",
    "prefix": "N routes /api/r{i}/{id:d} under one shared prefix; miss = GET /api/zz/7",
    "field": "N routes /{lang}/r{i}/{id:d}, a field first; GET /en/r0/7 ..., miss = GET /en/zz/7",
}


def report_scaling(plan, contenders, shapes, results):
    """Print a scaling table per shape; return {contender: {shape: {last_over_first, ...}}}."""
    big = max(SIZES)
    summary = {}
    for shape in shapes:
        for name in contenders:
            first, last, miss = (results.get((name, shape, big, case)) for case in CASES)
            if first and last and miss:
                summary.setdefault(name, {})[shape] = {
                    "last_over_first": harness.paired_ratio(
                        last["samples_us"], first["samples_us"]
                    ),
                    "miss_over_first": harness.paired_ratio(
                        miss["samples_us"], first["samples_us"]
                    ),
                }
        rows = [
            [f"N={n} {case}"]
            + [
                cell(
                    plan,
                    name,
                    scaling_key(shape, n),
                    results.get((name, shape, n, case), {}).get("median_us"),
                    "{:.2f}",
                )
                for name in contenders
            ]
            for n in SIZES
            for case in CASES
        ]
        rows += [
            [f"{what}/first @N={big}"]
            + [
                cell(
                    plan,
                    name,
                    scaling_key(shape, big),
                    summary.get(name, {}).get(shape, {}).get(f"{what}_over_first"),
                    "{:.2f}x",
                )
                for name in contenders
            ]
            for what in ("last", "miss")
        ]
        print(f"\nRoute scaling, {shape}: microseconds per request with {SHAPE_TITLES[shape]}\n")
        print(harness.table(["routes", *contenders], rows))
    return summary


def report_problems(plan):
    skipped = {}
    failed, missing = [], []
    for (name, key), state in plan.status.items():
        if state.startswith("SKIP"):
            skipped.setdefault(name, state)
        elif state.startswith("n/a"):
            missing.append(f"  {name} {key}: {state}")
        elif state != "ok":
            failed.append(f"  {name} {key}: {state}")
    if skipped or failed or missing:
        print("\nNot timed:")
        print(
            "\n".join([f"  {name}: {state}" for name, state in skipped.items()] + failed + missing)
        )
    if plan.pep3333:
        print("\nwsgiref.validate (PEP 3333) complaints, timed anyway:")
        for (name, key), note in plan.pep3333.items():
            print(f"  {name} {key}: {note}")


# -- main ---------------------------------------------------------------------------------


def pick(wanted, choices, what):
    """Comma list -> the chosen items of `choices` ({item: set of accepted names})."""
    if not wanted:
        return list(choices)
    names = {w.strip() for w in wanted.split(",") if w.strip()}
    unknown = names - set().union(*choices.values())
    if unknown:
        sys.exit(f"unknown {what}: {', '.join(sorted(unknown))}")
    return [item for item, aliases in choices.items() if aliases & names]


def parse_args(argv):
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--contenders",
        help=f"comma list of {', '.join(CONTENDERS)} "
        "(default: all; raw always runs, it is the yardstick)",
    )
    parser.add_argument(
        "--scenarios",
        help="comma list of scenario keys or names (S1 static, S2 param, S3 template, S4 json, "
        "S5 notfound, S5t notfound_page, S6 form, S1h static_hosts, S7 csrf_session) "
        "and/or `scaling` (default: all)",
    )
    parser.add_argument(
        "--shapes",
        default=",".join(SHAPES),
        help=f"route-scaling shapes, comma list of {', '.join(SHAPES)} (default: all)",
    )
    parser.add_argument(
        "--rounds", type=int, help="timed batches per measurement (default 25, or 5 with --quick)"
    )
    parser.add_argument(
        "--batch-ms",
        type=float,
        help="length of one timed batch "
        "(default 40, or 15 with --quick); the warm-up lasts 3 batches",
    )
    parser.add_argument("--quick", action="store_true", help="few short rounds: a smoke test")
    parser.add_argument("--json", metavar="FILE", help="also write every result to FILE")
    args = parser.parse_args(argv)
    args.rounds = args.rounds or (5 if args.quick else 25)
    args.batch_ms = args.batch_ms or (15 if args.quick else 40)
    return args


def show_progress(title, done, total):
    if done % 5 == 0 or done == total:
        print(f"  {title}: round {done}/{total}", file=sys.stderr, flush=True)


def time_everything(plan, args):
    """Time the scenarios, then the scaling apps; return {task key: statistics}."""
    for title, tasks in (("scenarios", plan.tasks), ("scaling", plan.scaling_tasks)):
        if tasks:
            harness.run(
                tasks,
                args.rounds,
                args.batch_ms,
                3 * args.batch_ms,
                progress=functools.partial(show_progress, title),
            )
    plan.record_timing_errors()
    return {
        t.key: harness.summarize(t.samples)
        for t in plan.tasks + plan.scaling_tasks
        if t.error is None
    }


def main(argv=None):
    args = parse_args(argv)
    contenders = pick(args.contenders, {c: {c} for c in CONTENDERS}, "contender")
    if "raw" not in contenders:
        contenders.insert(0, "raw")
    chosen = pick(
        args.scenarios,
        {s.key: {s.key, s.name} for s in SCENARIOS} | {"scaling": {"scaling"}},
        "scenario",
    )
    scenarios = [s for s in SCENARIOS if s.key in chosen]
    shapes = pick(args.shapes, {shape: {shape} for shape in SHAPES}, "shape")
    facts = harness.machine_facts()
    print(
        f"python {facts['python']} on {facts['cpu']} ({facts['nproc']} cpus); "
        f"{args.rounds} rounds of ~{args.batch_ms:g} ms batches",
        flush=True,
    )
    try:
        facts["framework"] = library_file("framework")
    except Unavailable as exc:
        facts["framework"] = exc.reason
    print(f"framework: {facts['framework']}", flush=True)

    plan = Plan()
    for name in contenders:
        plan.add_scenarios(name, scenarios)
        if "scaling" in chosen:
            plan.add_scaling(name, shapes)
    plan.tasks += [
        Task(("(harness)", s.key), harness.null_app, task.req, 200)
        for s in scenarios
        for task in [next((t for t in plan.tasks if t.key[1] == s.key), None)]
        if task is not None
    ]
    results = time_everything(plan, args)

    summary = {}
    if scenarios:
        report_scenarios(plan, contenders, scenarios, results)
    if "scaling" in chosen:
        summary = report_scaling(plan, contenders, shapes, results)
    noise = sorted((r["iqr_pct"], " ".join(map(str, key))) for key, r in results.items())
    if noise:
        print(
            f"\nNoise (IQR/median of the batches): {noise[len(noise) // 2][0]:.0f}% in the "
            f"median measurement, {noise[-1][0]:.0f}% at worst ({noise[-1][1]}).  "
            "Quote ratios, not microseconds."
        )
    report_problems(plan)
    if args.json:
        harness.write_json(
            args.json,
            {
                "machine": facts,
                "params": vars(args),
                "scenarios": {s.key: {"name": s.name, "request": s.label()} for s in scenarios},
                "status": {f"{c}/{k}": v for (c, k), v in plan.status.items()},
                "pep3333": {f"{c}/{k}": v for (c, k), v in plan.pep3333.items()},
                "results": {"/".join(map(str, key)): r for key, r in results.items()},
                "scaling_summary": summary,
            },
        )
        print(f"\nwrote {args.json}")
    return 1 if any(state.startswith("FAIL") for state in plan.status.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
