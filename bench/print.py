"""Printing an issue: time and peak memory of the print edition (PDF and page pictures).

Not a test: it prints the figures for docs/benchmarks.md. Usage (from the project folder):

    .venv/bin/python bench/print.py                    # the seed and a 16-page issue, SQLite
    DATABASE_URL=postgres://newsroom:newsroom@127.0.0.1:55440/newsroom \\
        .venv/bin/python bench/print.py
    .venv/bin/python bench/print.py --articles 2 --runs 1   # tiny (tests/test_bench_print.py)

What it does: a fresh database of the engine DATABASE_URL names (tests/realserver.py),
migrated, with the seed imported as published issue 1, and issue 2 built for the big case:
--articles articles of the seed's sentences (bench/synth.py's material), each with a lead
picture and a figure from bench/photos (real photographs, added through the library and
given their renditions, as the worker would). Then, for each issue, --runs times, a child
process asks for the print edition (newsroom.tasks.issue_print_request) and runs
newsroom.editions.printing.print_edition_make as the worker would: the HTML, WeasyPrint's
layout and PDF, the pages drawn by PDFium at 800 and 1600 px, the files stored. The child
reports its wall time and the phases of it, and its peak resident memory (ru_maxrss), so
each case's memory is measured on its own; a child that only starts Django and loads the
issue gives the baseline memory. Times are the median of the runs, memory the largest.

The baseline for time, as in the other benchmarks: Django's hello-world view (/hello/,
bench/hello_urls.py) through the same settings and middleware, requested with Django's
test client in this process.
"""
import argparse
import json
import os
import platform
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.realserver import fresh_database  # noqa: E402

HELLO_REQUESTS = 2000
PHOTOS = ROOT / "bench" / "photos"
# Sentences an article's body gets; 15 articles of 60, with their pictures, fill 16 A3 pages.
SENTENCES_PER_ARTICLE = 60
DEFAULT_ARTICLES = 15


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=DEFAULT_ARTICLES, help="articles of the big issue")
    parser.add_argument("--runs", type=int, default=3, help="runs per issue; the median time is reported")
    parser.add_argument("--photos", type=int, default=9, help="photographs of bench/photos the big issue uses")
    parser.add_argument("--child", nargs=2, type=int, metavar=("ISSUE", "MODE"), help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def setup_django(database_url: str, media_root: str) -> None:
    # NEWSROOM_REVIEW_STAGES=0: the seed is published at once, as by a team without 三审.
    os.environ.update({"DATABASE_URL": database_url, "DJANGO_SETTINGS_MODULE": "bench.hello_settings",
                       "NEWSROOM_REVIEW_STAGES": "0", "DJANGO_MEDIA_ROOT": media_root,
                       "DJANGO_ALLOWED_HOSTS": "testserver"})
    import django

    django.setup()
    from django.conf import settings

    # The source files of the stylesheet, as in the test suite: no collectstatic needed.
    settings.STORAGES = {**settings.STORAGES,
                         "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}


# --- the database: the seed and a big issue


def prepare(articles: int, photos: int) -> list[int]:
    """The seed as issue 1 and the big issue as 2, both published; their ids."""
    from io import StringIO

    from django.core.management import call_command

    from newsroom.models import Issue

    call_command("migrate", "--noinput", verbosity=0)
    call_command("import_issue", str(ROOT / "seeds"), "--number", "1", "--publish", stdout=StringIO())
    return [Issue.objects.get(number=1).pk, big_issue(articles, photos).pk]


def pictures(count: int) -> list:
    from newsroom.images.renditions import make_renditions
    from newsroom.images.storing import image_add

    images = []
    for path in sorted(PHOTOS.glob("*.jpg"))[:count]:
        image, _created = image_add(data=path.read_bytes(), alt=f"照片：{path.stem}", caption=f"{path.stem}的照片",
                                    credit="基准测试")
        make_renditions(image.pk)
        image.refresh_from_db()
        images.append(image)
    return images


def big_issue(count: int, photos: int):
    import datetime

    from django.utils import timezone

    from articles.body import figure_html
    from articles.models import Article
    from bench.synth import seed_material
    from newsroom.images.html import url
    from newsroom.models import Issue

    sentences, headings = seed_material()
    rng = random.Random(14)
    images = pictures(photos)
    issue = Issue.objects.create(number=2, date=datetime.date(2026, 12, 6), status=Issue.Status.DRAFT)
    for position in range(1, count + 1):
        text = [rng.choice(sentences) for _ in range(SENTENCES_PER_ARTICLE)]
        lead, inline = images[position % len(images)], images[(position + 3) % len(images)]
        paragraphs = ["".join(text[i:i + 5]) for i in range(0, len(text), 5)]
        body = [f"<p>{p}</p>" for p in paragraphs[:4]] + [f"<h2>{rng.choice(headings)}</h2>"]
        body.append(figure_html(image_id=inline.pk, src=url(inline.file.name), alt=inline.alt,
                                width=inline.width, height=inline.height, caption=inline.caption, credit="摄影 基准"))
        body += [f"<p>{p}</p>" for p in paragraphs[4:]]
        Article.objects.create(
            issue=issue, position=position, headline=rng.choice(headings), kicker=rng.choice(headings),
            standfirst=text[0], body="\n".join(body), lead_image=lead,
            status=Article.Status.PUBLISHED, publish_at=timezone.now() - datetime.timedelta(hours=1),
        )
    issue.status, issue.published_at = Issue.Status.PUBLISHED, timezone.now()
    issue.save()
    return issue


# --- one run, in a child process


def child(issue_id: int, mode: int) -> dict:
    """mode 1: print the issue; mode 0: only start and load it (the memory baseline)."""
    from newsroom import tasks
    from newsroom.editions import printing
    from newsroom.models import Issue

    issue = Issue.objects.get(pk=issue_id)
    figures = {}
    if mode:
        phases = {"render_s": 0.0, "draw_s": 0.0}

        def timed(function, key):
            def run(*args, **kwargs):
                started = time.perf_counter()
                try:
                    return function(*args, **kwargs)
                finally:
                    phases[key] += time.perf_counter() - started
            return run

        printing.render_pdf = timed(printing.render_pdf, "render_s")
        printing.page_images = timed(printing.page_images, "draw_s")
        edition = tasks.issue_print_request(issue=issue)
        started = time.perf_counter()
        status = printing.print_edition_make(issue.pk, edition.generation)
        figures = {"seconds": time.perf_counter() - started, "status": status, **phases}
        edition.refresh_from_db()
        figures.update({"pages": edition.page_count, "pdf_bytes": edition.pdf_size})
    figures["maxrss_kb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return figures


def run_child(issue_id: int, mode: int, env: dict) -> dict:
    done = subprocess.run([sys.executable, __file__, "--child", str(issue_id), str(mode)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=1800)
    if done.returncode != 0:
        raise SystemExit(f"the child failed:\n{done.stdout}\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def hello_per_second(requests: int = HELLO_REQUESTS) -> float:
    import warnings

    from django.test import Client

    # WhiteNoise looks for collected static files, which the hello-world view never serves.
    warnings.filterwarnings("ignore", message="No directory at")
    client = Client()
    assert client.get("/hello/").status_code == 200
    started = time.perf_counter()
    for _ in range(requests):
        client.get("/hello/")
    return requests / (time.perf_counter() - started)


def report(engine: str, cases: list[tuple[str, list[dict]]], baseline_kb: int, hello: float) -> list[dict]:
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"Python {platform.python_version()}, load average {os.getloadavg()[0]:.1f}")
    print(f"baseline (Django started, issue loaded): {baseline_kb / 1024:.0f} MB peak RSS")
    print("| engine | issue | pages | PDF | total | layout and PDF | drawing the pages | peak RSS "
          "| hello-world/s | hello-worlds per edition |")
    rows = []
    for name, runs in cases:
        statuses = {run["status"] for run in runs}
        if statuses != {"ready"}:
            raise SystemExit(f"{name}: the runs ended {statuses}")
        row = {
            "engine": engine, "issue": name, "pages": runs[0]["pages"], "pdf_kb": runs[0]["pdf_bytes"] / 1024,
            "seconds": statistics.median(run["seconds"] for run in runs),
            "render_s": statistics.median(run["render_s"] for run in runs),
            "draw_s": statistics.median(run["draw_s"] for run in runs),
            "maxrss_mb": max(run["maxrss_kb"] for run in runs) / 1024,
        }
        row["hello_per_edition"] = row["seconds"] * hello
        rows.append(row)
        print(f"| {engine} | {name} | {row['pages']} | {row['pdf_kb']:,.0f} KB | {row['seconds']:.2f} s "
              f"| {row['render_s']:.2f} s | {row['draw_s']:.2f} s | {row['maxrss_mb']:.0f} MB | {hello:,.0f} "
              f"| {row['hello_per_edition']:,.0f} |")
    return rows


def main(argv=None) -> list[dict]:
    args = parse_args(argv)
    if args.child:
        setup_django(os.environ["DATABASE_URL"], os.environ["DJANGO_MEDIA_ROOT"])
        print(json.dumps(child(*args.child)))
        return []
    with tempfile.TemporaryDirectory(prefix="bench-print-") as tmp:
        with fresh_database(Path(tmp)) as url:
            media = str(Path(tmp) / "media")
            setup_django(url, media)
            from django.db import connection, connections

            seed, big = prepare(args.articles, args.photos)
            engine = connection.vendor
            connections.close_all()
            env = {**os.environ}
            baseline = run_child(big, 0, env)["maxrss_kb"]
            cases = [(name, [run_child(issue, 1, env) for _ in range(args.runs)])
                     for name, issue in (("seed", seed), (f"{args.articles} articles", big))]
            rows = report(engine, cases, baseline, hello_per_second())
            # fresh_database drops a PostgreSQL database, which must have no connection left.
            connections.close_all()
    return rows


if __name__ == "__main__":
    main()
