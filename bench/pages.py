"""Public-page benchmark: requests per second of the public pages, and SQL queries per page.

Not a test: it prints figures for docs/benchmarks.md. Two modes, from the project folder:

    # Throughput of a running server (gunicorn, DEBUG off), against the URL given:
    .venv/bin/python bench/pages.py load http://127.0.0.1:8000
    .venv/bin/python bench/pages.py load http://127.0.0.1:8000 --duration 5 --connections 8 --json out.json

    # SQL queries per page, in-process with Django's test client on DATABASE_URL:
    DATABASE_URL=sqlite:///var/bench/pages.sqlite3 .venv/bin/python bench/pages.py queries

The database should hold the seed, published (`manage.py migrate`, then
`NEWSROOM_REVIEW_STAGES=0 manage.py import_issue seeds/ --number 1 --publish`).

Pages: `/`, `/issues/1/`, the first article linked from the home page, `/zones/`, the
first zone that article links to (else the first in `/zones/`), the first
`/tags/<slug>/` linked from that article or the home page (if any; the seed has no
topics), a search for 高新区, `/feed/`, `/sitemap.xml`, and `/healthz`, the hello-world
baseline: one `SELECT 1`, no template. Each page's requests/s is also given as a ratio
to /healthz's in the same run, which cancels some of a noisy machine's drift.

The load generator is wrk when it is on the PATH (`wrk -t<threads> -c<connections>
-d<duration>s`, after one warm-up second); otherwise a small closed-loop generator of
Python threads with keep-alive http.client connections. Use the same one for figures you
compare. Non-2xx answers are counted and reported: a figure with any is not valid.

docs/benchmarks.md, "The reorganisation (issue 10)", shows how to start the servers and
alternate two checkouts.
"""
import argparse
import http.client
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SEARCH = "/search/?q=%E9%AB%98%E6%96%B0%E5%8C%BA"  # 高新区
ARTICLE_RE = re.compile(r'href="(/articles/\d+/[^"/]+/)"')
ZONE_RE = re.compile(r'href="(/zones/(?!feed/)[^"/]+/)"')
TAG_RE = re.compile(r'href="(/tags/(?!feed/)[^"/]+/)"')


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="mode", required=True)
    load = sub.add_parser("load", help="requests/s of each page on a running server")
    load.add_argument("url", help="the server's base URL, e.g. http://127.0.0.1:8000")
    load.add_argument("--duration", type=float, default=5.0, help="seconds per page")
    load.add_argument("--connections", type=int, default=8)
    load.add_argument("--threads", type=int, default=2, help="wrk threads")
    load.add_argument("--engine", choices=("auto", "wrk", "python"), default="auto")
    load.add_argument("--json", help="also write the figures to this file")
    queries = sub.add_parser("queries", help="SQL queries per page, with Django's test client")
    queries.add_argument("--json", help="also write the figures to this file")
    return parser.parse_args()


def discover(get) -> list[str]:
    """The page list, with a real article, zone and tag found by following links.

    `get(path)` returns the page's HTML as text."""
    home = get("/")
    paths = ["/", "/issues/1/"]
    article = ARTICLE_RE.search(home)
    if article:
        paths.append(article.group(1))
    article_page = get(article.group(1)) if article else ""
    paths.append("/zones/")
    # A zone the article mentions, so that its page lists an article; else the first zone.
    zone = ZONE_RE.search(article_page) or ZONE_RE.search(get("/zones/"))
    if zone:
        paths.append(zone.group(1))
    tag = TAG_RE.search(article_page) or TAG_RE.search(home)
    if tag:
        paths.append(tag.group(1))
    return paths + [SEARCH, "/feed/", "/sitemap.xml", "/healthz"]


# --- load mode ---------------------------------------------------------------------------

def http_get(base: str, path: str) -> tuple[int, bytes]:
    parts = urlsplit(base)
    conn = http.client.HTTPConnection(parts.hostname, parts.port or 80, timeout=30)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def wrk_load(base: str, path: str, args) -> dict:
    def run(seconds: float) -> str:
        command = ["wrk", f"-t{args.threads}", f"-c{args.connections}", f"-d{seconds:g}s", base + path]
        return subprocess.run(command, capture_output=True, text=True, check=True).stdout

    run(1)  # warm-up: connections, worker caches
    out = run(args.duration)
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    requests = int(re.search(r"(\d+) requests in", out).group(1))
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    errors = re.search(r"Socket errors: (.*)", out)
    return {"rps": rps, "requests": requests, "non_2xx": int(bad.group(1)) if bad else 0,
            "socket_errors": errors.group(1).strip() if errors else ""}


def python_load(base: str, path: str, args) -> dict:
    parts = urlsplit(base)
    counts, bad, stop = [0] * args.connections, [0] * args.connections, threading.Event()

    def worker(n: int):
        conn = http.client.HTTPConnection(parts.hostname, parts.port or 80, timeout=30)
        while not stop.is_set():
            try:
                conn.request("GET", path)
                response = conn.getresponse()
                response.read()
                if response.status >= 300:
                    bad[n] += 1
                counts[n] += 1
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = http.client.HTTPConnection(parts.hostname, parts.port or 80, timeout=30)
                bad[n] += 1
        conn.close()

    def run(seconds: float) -> float:
        stop.clear()
        for n in range(args.connections):
            counts[n] = bad[n] = 0
        threads = [threading.Thread(target=worker, args=(n,)) for n in range(args.connections)]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        time.sleep(seconds)
        stop.set()
        for thread in threads:
            thread.join()
        return time.perf_counter() - started

    run(1)
    elapsed = run(args.duration)
    return {"rps": sum(counts) / elapsed, "requests": sum(counts), "non_2xx": sum(bad), "socket_errors": ""}


def load_mode(args):
    base = args.url.rstrip("/")
    engine = args.engine
    if engine == "auto":
        engine = "wrk" if shutil.which("wrk") else "python"
    measure = wrk_load if engine == "wrk" else python_load

    def get(path):
        status, body = http_get(base, path)
        if status != 200:
            sys.exit(f"{path}: HTTP {status}")
        return body.decode()

    paths = discover(get)
    sizes = {path: len(http_get(base, path)[1]) for path in paths}
    results = {path: measure(base, path, args) for path in paths}
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

    paths = discover(get)
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
