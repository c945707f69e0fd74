"""Search benchmark: synthetic articles from the seed's sentences, then query latency.

Not a test: it prints figures for docs/benchmarks.md. Usage (from the project folder):

    .venv/bin/python bench/search.py --articles 10000
    DATABASE_URL=postgres://newsroom:newsroom@127.0.0.1:55433/newsroom_bench \\
        .venv/bin/python bench/search.py --articles 100000

Without DATABASE_URL it uses a fresh SQLite file (--sqlite-path). On PostgreSQL the
named database must exist; the benchmark empties its article tables first.
"""
import argparse
import os
import random
import re
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.synth import seed_material  # noqa: E402 (after the path that finds it)

# A fixed mix: what readers type, from one hit to every article.
QUERY_MIX = {
    "rare word": "{rare}",
    "common word": "高新",
    "two words": "招商 项目",
    "phrase": '"国家高新区"',
    "no hits": "量子纠缠",
}
# Made-up two-character given names: each appears in about one article in a thousand.
NAME_CHARS = "明华建国立新志强伟芳秀英敏静丽军平刚桂兰玉珍海燕文博晓宇浩然思远嘉欣子涵雨轩"


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=40, help="times the query mix runs")
    parser.add_argument("--sqlite-path", default=str(ROOT / "var" / "bench" / "search.sqlite3"))
    parser.add_argument("--seed", type=int, default=4)
    parser.add_argument("--reuse", action="store_true",
                        help="keep the articles a previous run built with the same --articles")
    args = parser.parse_args()
    Path(args.sqlite_path).parent.mkdir(parents=True, exist_ok=True)
    return args


def setup_django(args):
    if "DATABASE_URL" not in os.environ:
        if not args.reuse:
            Path(args.sqlite_path).unlink(missing_ok=True)
        os.environ["DATABASE_URL"] = f"sqlite:///{args.sqlite_path}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)


def synthetic_articles(n, rng, sentences, headings, zone_names):
    from django.utils import timezone

    from articles.models import Article
    from articles.search.tokenize import article_search_text

    names = [a + b for a in NAME_CHARS for b in NAME_CHARS if a != b]
    now = timezone.now()
    for i in range(n):
        zone = rng.choice(zone_names)
        paragraphs = [
            "".join(rng.choices(sentences, k=rng.randint(2, 5))) for _ in range(rng.randint(3, 8))
        ]
        name = rng.choice(names)
        paragraphs[rng.randrange(len(paragraphs))] += f"记者{name}报道。"
        article = Article(
            headline=f"{zone}{rng.choice(headings)}"[:200],
            body="".join(f"<p>{p}</p>" for p in paragraphs),
            # One in twenty is a draft, which must cost nothing and never surface.
            status="draft" if i % 20 == 0 else "published",
            publish_at=now - timezone.timedelta(minutes=i),
            slug="bench",
        )
        article.search_text = article_search_text(article, reporter_names=[], zone_names=[zone])
        yield article


def build(args):
    from django.db import connection, transaction

    from articles.models import Article
    from zones.models import Zone

    rng = random.Random(args.seed)
    if args.reuse and Article.objects.count() == args.articles:
        return 0.0, rng
    sentences, headings = seed_material()
    zone_names = list(Zone.objects.values_list("name", flat=True))
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM articles_article")
    from tqdm import tqdm

    started = time.perf_counter()
    batch = []
    with transaction.atomic():
        for article in tqdm(synthetic_articles(args.articles, rng, sentences, headings, zone_names),
                            total=args.articles, desc="articles", unit="art"):
            batch.append(article)
            if len(batch) == 1000:
                Article.objects.bulk_create(batch)
                batch = []
        Article.objects.bulk_create(batch)
    return time.perf_counter() - started, rng


def rebuild_seconds():
    """Time to derive the whole index again inside the database."""
    from django.db import connection

    from articles.search import index as search_index

    started = time.perf_counter()
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            search_index.refill(connection)
        else:
            cursor.execute(f"REINDEX INDEX {search_index.VECTOR_INDEX}")
    elapsed = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return elapsed


def index_bytes() -> int:
    from django.db import connection

    from articles.search import index as search_index

    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            # The FTS5 shadow tables, page by page (SQLite's dbstat table).
            cursor.execute("SELECT SUM(pgsize) FROM dbstat WHERE name LIKE %s", [f"{search_index.FTS_TABLE}%"])
            return int(cursor.fetchone()[0])
        # The GIN index plus the stored tsvector column it is built from.
        cursor.execute(
            "SELECT pg_relation_size(%s) + (SELECT SUM(pg_column_size(search_vector)) FROM articles_article)",
            [search_index.VECTOR_INDEX],
        )
        return int(cursor.fetchone()[0])


def search_once(query: str) -> int:
    """What the search page asks the database: the ranked ids, then the first page's rows."""
    from articles.models import Article
    from articles.search.engine import search
    from articles.search.tokenize import parse_query

    results = search(Article.objects.published(), parse_query(query))
    page = Article.objects.select_related("issue").in_bulk(results.ids[:20])
    assert len(page) == min(20, len(results.ids))
    return len(results.ids)


def rare_name() -> str:
    """The made-up reporter name in the middle article: in about 0.1% of articles."""
    from articles.models import Article

    bodies = Article.objects.order_by("pk").values_list("body", flat=True)
    return re.search(r"记者(..)报道", bodies[bodies.count() // 2]).group(1)


def measure(args, rng):
    rare = rare_name()
    queries = {label: q.format(rare=rare) for label, q in QUERY_MIX.items()}
    hits = {label: search_once(q) for label, q in queries.items()}  # warm the caches
    timings = {label: [] for label in queries}
    for _ in range(args.rounds):
        for label in rng.sample(list(queries), len(queries)):
            started = time.perf_counter()
            search_once(queries[label])
            timings[label].append((time.perf_counter() - started) * 1000)
    return queries, hits, timings


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def report(args, load_s, rebuild_s, size, queries, hits, timings):
    from django.db import connection

    every = [t for values in timings.values() for t in values]
    print(f"\nengine: {connection.vendor}  articles: {args.articles}  rounds: {args.rounds}")
    print(f"load (tokenize + insert + index): {load_s:.1f} s")
    print(f"index rebuild in the database: {rebuild_s:.1f} s")
    print(f"index size: {size / 1024 / 1024:.1f} MiB")
    print(f"{'query':<12} {'text':<12} {'hits':>7} {'p50 ms':>8} {'p95 ms':>8}   (hits capped at 1000)")
    for label, values in timings.items():
        print(f"{label:<12} {queries[label]:<12} {hits[label]:>7} "
              f"{statistics.median(values):>8.1f} {percentile(values, 0.95):>8.1f}")
    print(f"{'all':<12} {'':<12} {'':>7} {statistics.median(every):>8.1f} {percentile(every, 0.95):>8.1f}")


def main():
    args = parse_args()
    setup_django(args)
    load_s, rng = build(args)
    rebuild_s = rebuild_seconds() if load_s else 0.0  # --reuse measures queries only
    size = index_bytes()
    queries, hits, timings = measure(args, rng)
    report(args, load_s, rebuild_s, size, queries, hits, timings)


if __name__ == "__main__":
    main()
