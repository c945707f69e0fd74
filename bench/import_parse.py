"""Import benchmark: parsing and the dry-run plan of large issue files, and the write lock.

Not a test: it prints figures for docs/benchmarks.md. Usage (from the project folder):

    .venv/bin/python bench/import_parse.py
    .venv/bin/python bench/import_parse.py --sizes 5000 10000 20000 100000 --runs 5
    .venv/bin/python bench/import_parse.py --sizes --write-articles 1500 --runs 3

Each parse file is one article of N one-line paragraphs (`段落。`, 11 bytes a paragraph
with its blank line: 1.1 MB at 100k), the shape that once took 212 s. The dry run is what
the admin upload does first: parse, fingerprints, zone detection and the plan. With
--write-articles, a realistic file of that many articles (4 paragraphs each, zone names,
two reporters) is imported for real, and the time its write transaction stays open is
measured: on SQLite, that is how long every other writer waits.

Without DATABASE_URL it uses a fresh SQLite file (--sqlite-path), made again for each
write run; --write-articles runs only on that file.
"""
import argparse
import os
import platform
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

ZONES = ["成都高新区", "济南高新区", "武汉东湖高新区", "西安高新区", "苏州工业园区"]
NAMES = ["刘琴", "韩霄鹏", "王芳", "李明", "张伟", "陈静"]


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[5_000, 10_000, 20_000, 100_000],
                        help="paragraph counts to parse (none: skip parsing)")
    parser.add_argument("--runs", type=int, default=5, help="timed runs per figure; the median is reported")
    parser.add_argument("--write-articles", type=int, default=0, help="also import a file of this many articles")
    parser.add_argument("--sqlite-path", default=str(ROOT / "var" / "bench" / "import.sqlite3"))
    args = parser.parse_args()
    Path(args.sqlite_path).parent.mkdir(parents=True, exist_ok=True)
    return args


def setup_django(args):
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{args.sqlite_path}")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")
    import django

    django.setup()
    fresh_database(args)


def fresh_database(args):
    from django.core.management import call_command
    from django.db import connection

    if connection.vendor == "sqlite" and os.environ["DATABASE_URL"] == f"sqlite:///{args.sqlite_path}":
        connection.close()
        for suffix in ("", "-wal", "-shm"):
            Path(args.sqlite_path + suffix).unlink(missing_ok=True)
    call_command("migrate", verbosity=0)
    from newsroom.models import Issue

    if Issue.objects.exists():
        sys.exit("The database already has issues; point DATABASE_URL at an empty one.")


def paragraphs_file(n: int) -> bytes:
    return ("标题\n\n► 刘琴\n\n" + "段落。\n\n" * n).encode()


def articles_file(n: int, paragraphs: int = 4) -> bytes:
    parts = []
    for a in range(n):
        zone = ZONES[a % len(ZONES)]
        parts.append(f"{zone}第{a + 1}项新举措落地\n\n► 记者 {NAMES[a % 6]} {NAMES[(a + 1) % 6]}\n\n")
        for p in range(paragraphs):
            parts.append(f"本季度{zone}新增科技企业{a + p}家，同比增长百分之十二，带动就业超过三千人。\n\n")
    return "".join(parts).encode()


def median_seconds(task, runs: int) -> float:
    task()  # warm-up: imports, compiled patterns, the zone list
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        task()
        timings.append(time.perf_counter() - started)
    return statistics.median(timings)


def measure_parsing(args):
    from newsroom.importing.loader import import_issue
    from newsroom.importing.parser import parse_issue

    print(f"{'paragraphs':>10} {'bytes':>10} {'parse s':>8} {'dry run s':>10}   (medians of {args.runs})")
    for n in args.sizes:
        data = paragraphs_file(n)
        parse_s = median_seconds(lambda data=data: parse_issue(data), args.runs)
        plan_s = median_seconds(
            lambda data=data: import_issue(data=data, source_name="bench.txt", dry_run=True), args.runs
        )
        print(f"{n:>10,} {len(data):>10,} {parse_s:>8.2f} {plan_s:>10.2f}")


def measure_writing(args):
    """The import's transaction: from BEGIN (and the lock) to COMMIT, for a new issue."""
    from newsroom.importing import loader

    if os.environ["DATABASE_URL"] != f"sqlite:///{args.sqlite_path}":
        sys.exit("--write-articles measures SQLite's write lock on a fresh file: run it without DATABASE_URL.")
    data = articles_file(args.write_articles)
    prepare_s, held_s = [], []
    for run in range(args.runs):
        if run:
            fresh_database(args)
        started = time.perf_counter()
        prepared = loader.prepare_file(data=data, source_name="bench.txt")
        prepared_at = time.perf_counter()
        loader.commit_import(prepared, loader.ImportOptions(), user=None, comment="bench")
        prepare_s.append(prepared_at - started)
        held_s.append(time.perf_counter() - prepared_at)
    print(f"\n{args.write_articles:,} articles, {len(data):,} bytes, {args.runs} runs: "
          f"prepared without the lock in {statistics.median(prepare_s):.2f} s, "
          f"write transaction open {statistics.median(held_s):.2f} s (median; runs: "
          + ", ".join(f"{s:.2f}" for s in held_s) + ")")


def main():
    args = parse_args()
    setup_django(args)
    from django.db import connection

    print(f"engine: {connection.vendor}  Python {platform.python_version()}")
    if args.sizes:
        measure_parsing(args)
    if args.write_articles:
        measure_writing(args)


if __name__ == "__main__":
    main()
