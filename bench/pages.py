"""Public-page benchmark: requests per second of the public pages, and SQL queries per page.

Not a test: it prints figures for docs/benchmarks.md. Two modes, from the project folder:

    # Throughput of a running server (gunicorn, DEBUG off), against the URL given:
    .venv/bin/python bench/pages.py load http://127.0.0.1:8000
    .venv/bin/python bench/pages.py load http://127.0.0.1:8000 --duration 5 --connections 8 --json out.json

    # SQL queries per page, in-process with Django's test client on DATABASE_URL:
    DATABASE_URL=sqlite:///var/bench/pages.sqlite3 .venv/bin/python bench/pages.py queries

The database should hold the seed, published (`manage.py migrate`, then
`NEWSROOM_REVIEW_STAGES=0 manage.py import_issue seeds/ --number 1 --publish`).

Pages: those of `bench/loadgen.py`'s `discover()` (home, the issue archive, an issue,
an article, the zone list, a zone, a tag and a reporter where the site links to one, a
search for 高新区, `/feed/`, `/sitemap.xml`), and `/healthz`, the baseline: one
`SELECT 1`, no template. Each page's requests/s is also given as a ratio to /healthz's in
the same run, which cancels some of a noisy machine's drift. `bench/load.py` is the
complete run: it starts the production server itself, and compares against a Django
hello-world view in alternating rounds, cold, cached and conditional.

The load generator is wrk when it is on the PATH (`wrk -t<threads> -c<connections>
-d<duration>s`, after one warm-up second); otherwise a small closed-loop generator of
Python threads with keep-alive http.client connections. Use the same one for figures you
compare. Non-2xx answers are counted and reported: a figure with any is not valid.

docs/benchmarks.md, "The reorganisation (issue 10)", shows how to start the servers and
alternate two checkouts.
"""
import argparse
import json
import os
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.loadgen import discover, http_get, python_load, wrk  # noqa: E402


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="mode", required=True)
    load = sub.add_parser("load", help="requests/s of each page on a running server")
    load.add_argument("url", help="the server's base URL, e.g. http://127.0.0.1:8000")
    load.add_argument("--duration", type=int, default=5, help="seconds per page")
    load.add_argument("--connections", type=int, default=8)
    load.add_argument("--threads", type=int, default=2, help="wrk threads")
    load.add_argument("--engine", choices=("auto", "wrk", "python"), default="auto")
    load.add_argument("--json", help="also write the figures to this file")
    queries = sub.add_parser("queries", help="SQL queries per page, with Django's test client")
    queries.add_argument("--json", help="also write the figures to this file")
    return parser.parse_args()


# --- load mode ---------------------------------------------------------------------------

def load_mode(args):
    base = args.url.rstrip("/")
    engine = args.engine
    if engine == "auto":
        engine = "wrk" if shutil.which("wrk") else "python"

    def measure(path):
        if engine == "python":
            python_load(base, path, seconds=1, connections=args.connections)  # warm-up
            return python_load(base, path, seconds=args.duration, connections=args.connections)
        options = {"threads": args.threads, "connections": args.connections}
        wrk(base + path, seconds=1, **options)  # warm-up: connections, worker caches
        figures = wrk(base + path, seconds=args.duration, **options)
        errors = {k: v for k, v in figures["socket_errors"].items() if v}
        return {**figures, "non_2xx": figures["non_2xx_3xx"], "socket_errors": str(errors or "")}

    def get(path):
        status, _, body = http_get(base, path)
        if status != 200:
            sys.exit(f"{path}: HTTP {status}")
        return body.decode()

    paths = [*discover(get).values(), "/healthz"]
    sizes = {path: len(http_get(base, path)[2]) for path in paths}
    results = {path: measure(path) for path in paths}
    baseline = results["/healthz"]["rps"]
    print(f"{base}  engine: {engine}, {args.connections} connections, {args.duration:g} s a page, "
          f"load average {os.getloadavg()[0]:.1f}")
    print(f"{'page':<44} {'bytes':>7} {'req/s':>8} {'/healthz':>9} {'non-2xx':>8}")
    for path, figures in results.items():
        figures["bytes"] = sizes[path]
        figures["ratio"] = figures["rps"] / baseline
        print(f"{path:<44} {sizes[path]:>7} {figures['rps']:>8.1f} {figures['ratio']:>9.3f} "
              f"{figures['non_2xx']:>8} {figures['socket_errors']}")
    if args.json:
        Path(args.json).write_text(json.dumps({"engine": engine, "pages": results}, indent=1))


# --- queries mode ------------------------------------------------------------------------

def queries_mode(args):
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, setup_test_environment

    setup_test_environment()  # allows the test client's "testserver" host
    client = Client()

    def get(path):
        response = client.get(path)
        if response.status_code != 200:
            sys.exit(f"{path}: HTTP {response.status_code}")
        return response.content.decode()

    paths = [*discover(get).values(), "/healthz"]
    results = {}
    print(f"{'page':<44} {'status':>6} {'queries':>7}")
    for path in paths:
        client.get(path)  # warm-up: caches that fill once per process (zones, templates)
        with CaptureQueriesContext(connection) as captured:
            response = client.get(path)
        results[path] = {"status": response.status_code, "queries": len(captured)}
        print(f"{path:<44} {response.status_code:>6} {len(captured):>7}")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1))


def main():
    args = parse_args()
    if args.mode == "load":
        load_mode(args)
    else:
        queries_mode(args)


if __name__ == "__main__":
    main()
