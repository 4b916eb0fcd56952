"""Combine several `run.py --json` files into the README's Performance table, with the spread.

    python bench/run.py --json run1.json      # three (or more) full runs, one after another
    python bench/summarize.py run1.json run2.json run3.json

Each cell is the median over the runs of that run's ratio to raw, followed by the lowest and
highest run in brackets: the spread between runs, which says how far a difference can be
trusted.  Route-scaling rows are the N = 1000 last/first and miss/first ratios of each shape.
"""

import argparse
import json
import statistics
import sys

CONTENDERS = [
    ("framework", "framework"),
    ("falcon", "Falcon"),
    ("bottle", "Bottle"),
    ("flask", "Flask"),
    ("webob_parse", "WebOb + parse, naive"),
]
SCENARIO_ROWS = [
    ("S1", "S1 static text `GET /hello`"),
    ("S1h", "S1h the same with `allowed_hosts` set"),
    ("S2", "S2 `GET /users/{id:d}/posts/{slug}`"),
    ("S3", "S3 Jinja2 template, 20-item loop"),
    ("S4", "S4 JSON POST echo"),
    ("S5", "S5 404, built-in page"),
    ("S5t", "S5t 404 rendering a `404.html`"),
    ("S6", "S6 urlencoded form + query"),
    ("S7", "S7 CSRF-checked form POST writing the session"),
]
SCALING_ROWS = [
    (shape, what, f"{label}, {what}/first at 1,000 routes")
    for shape, label in (
        ("plain", "`/r{i}/{id:d}`"),
        ("prefix", "`/api/r{i}/{id:d}`"),
        ("field", "`/{lang}/r{i}/{id:d}`"),
    )
    for what in ("last", "miss")
]


def fmt(values):
    if not values:
        return "n/a"
    median = statistics.median(values)
    digits = 2 if median < 10 else 1 if median < 100 else 0
    if len(values) == 1:
        return f"{median:.{digits}f}x"
    return f"{median:.{digits}f}x ({min(values):.{digits}f}–{max(values):.{digits}f})"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("runs", nargs="+", help="JSON files written by run.py --json")
    args = parser.parse_args(argv)
    runs = []
    for name in args.runs:
        with open(name) as f:
            runs.append(json.load(f))
    header = ["scenario"] + [label for _, label in CONTENDERS]
    rows = []
    for key, label in SCENARIO_ROWS:
        cells = []
        for contender, _ in CONTENDERS:
            values = [
                run["results"][f"{contender}/{key}"]["ratio_to_raw"]
                for run in runs
                if "ratio_to_raw" in run["results"].get(f"{contender}/{key}", {})
            ]
            cells.append(fmt(values))
        if any(cell != "n/a" for cell in cells):
            rows.append([label, *cells])
    for shape, what, label in SCALING_ROWS:
        cells = [
            fmt(
                [
                    run["scaling_summary"][contender][shape][f"{what}_over_first"]
                    for run in runs
                    if shape in run.get("scaling_summary", {}).get(contender, {})
                ]
            )
            for contender, _ in CONTENDERS
        ]
        if any(cell != "n/a" for cell in cells):
            rows.append([label, *cells])
    print(f"{len(runs)} runs; median ratio to raw (lowest–highest run)\n")
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for row in rows:
        print("| " + " | ".join(row) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
