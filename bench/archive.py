"""Archive-scale benchmark: each public page's time and queries, single requests through the test client.

Not a test: it prints figures for docs/benchmarks.md ("Archive scale (issue 11)"). Usage,
from the project folder, against a migrated database holding the seed (and, for the
archive figures, the articles of bench/synth.py):

    DATABASE_URL=sqlite:///var/bench/archive.sqlite3 .venv/bin/python bench/archive.py
    DATABASE_URL=... .venv/bin/python bench/archive.py --synth 100000 --rounds 3 --json out.json

Each page is requested once (printed as "first": it also fills the count cache, as the first
request after every change does), then `--rounds` times; the median is printed with the
page's query count and response size. Pages are the
ones a reader reaches: the newest issue, its first article, the zone, topic and reporter
of that article, and the archive lists, feeds, sitemaps and two searches.
"""
import argparse
import json
import os
import re
import statistics
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

ARTICLE_RE = re.compile(r'href="(/articles/\d+/[^"/]+/)"')
SEARCHES = ("高新区", "坐诊")


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--synth", type=int, default=0, help="first add this many synthetic articles")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--json", help="also write the figures to this file")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds before a page's query is stopped")
    return parser.parse_args()


def pages() -> dict[str, str]:
    """Label -> path, found from the database the way a reader would find them."""
    from django.test import Client

    from articles.models import Article
    from newsroom.models import Issue

    home = Client().get("/").content.decode()
    article = Article.objects.published().get(pk=int(ARTICLE_RE.search(home).group(1).split("/")[2]))
    zone = article.zones.first()
    tagged = Article.objects.published().filter(tags__isnull=False).order_by("-publish_at").first()
    tag = tagged.tags.first() if tagged else None  # the seed has no topics
    reporter = article.reporters.first()
    found = {
        "home": "/",
        "issue archive": "/issues/",
        "issue": article.issue.get_absolute_url() if article.issue else "/issues/1/",
        "article": article.get_absolute_url(),
        "zone index": "/zones/",
        "zone": zone.get_absolute_url(),
        "reporter": reporter.get_absolute_url(),
        "feed": "/feed/",
        "zone feed": f"{zone.get_absolute_url()}feed/",
        "sitemap.xml": "/sitemap.xml",
    }
    if Issue.objects.published().count() > 20 * 24:
        found["issue archive, page 20"] = "/issues/?page=20"
    if tag:
        found.update({"topic": f"/tags/{tag.slug}/", "topic feed": f"/tags/{tag.slug}/feed/"})
    for query in SEARCHES:
        found[f"search {query}"] = f"/search/?q={query}"
    return found


def sitemap_sections() -> dict[str, str]:
    """The paged sitemaps the index lists (when /sitemap.xml is an index): first and last article page."""
    from django.test import Client

    text = Client().get("/sitemap.xml").content.decode()
    locations = re.findall(r"<loc>https?://[^/]+(/[^<]*)</loc>", text)
    sections = [loc for loc in locations if "sitemap-" in loc]
    articles = [loc for loc in sections if "articles" in loc]
    picked = {}
    if articles:
        picked["sitemap articles, first page"] = articles[0]
        picked["sitemap articles, last page"] = articles[-1]
    return picked


def stop_after(seconds: float):
    """Stop a runaway query: SQLite's interrupt() from a timer, PostgreSQL's statement_timeout."""
    from django.db import connection

    connection.ensure_connection()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"SET statement_timeout = {int(seconds * 1000)}")
        return None
    timer = threading.Timer(seconds, connection.connection.interrupt)
    timer.start()
    return timer


def measure(path: str, rounds: int, timeout: float) -> dict:
    from django.db import DatabaseError, connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(raise_request_exception=True)
    timer = stop_after(timeout)
    try:
        started = time.perf_counter()
        response = client.get(path)  # warm-up: the first request after a change fills the count cache
        first = (time.perf_counter() - started) * 1000
    except DatabaseError as exc:
        return {"path": path, "ms": None, "queries": None, "bytes": None, "error": f"stopped after {timeout:.0f} s: {exc}"}
    finally:
        if timer:
            timer.cancel()
    assert response.status_code == 200, (path, response.status_code)
    times = []
    for _ in range(rounds):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.get(path)
            times.append((time.perf_counter() - started) * 1000)
    return {"path": path, "first_ms": first, "ms": statistics.median(times), "queries": len(captured),
            "bytes": len(response.content)}


def main():
    args = parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection

    settings.ALLOWED_HOSTS = ["*"]
    if args.synth:
        sys.path.insert(0, str(ROOT / "bench"))
        from synth import synthesize

        print(synthesize(articles=args.synth))
    from articles.models import Article

    total = Article.objects.count()
    print(f"{connection.vendor}, {total} articles, {Article.objects.published().count()} published")
    results = {}
    for label, path in {**pages(), **sitemap_sections()}.items():
        results[label] = row = measure(path, args.rounds, args.timeout)
        if row["ms"] is None:
            print(f"{label:32} {row['error']}  {path}", flush=True)
            continue
        print(f"{label:32} {row['ms']:9.1f} ms (first {row['first_ms']:8.1f}) {row['queries']:4} queries "
              f"{row['bytes']:>10,} bytes  {path}", flush=True)
    if args.json:
        Path(args.json).write_text(json.dumps({"vendor": connection.vendor, "articles": total, "pages": results},
                                              ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
