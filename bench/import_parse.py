"""Importer benchmark: parsing and planning big issues, and uploading one through the admin.

Not a test: it prints figures for docs/benchmarks.md. Usage (from the project folder):

    .venv/bin/python bench/import_parse.py                 # parse + dry-run plan, 5k to 100k paragraphs
    .venv/bin/python bench/import_parse.py --upload        # also the admin upload, served by gunicorn

The issue files are made here: a headline, a byline, then N one-line paragraphs
(`第N段。`), as in the report of the 212-second dry run (100k paragraphs, 1.6 MB). The
database is a fresh SQLite file under var/ (or DATABASE_URL for planning).
"""
import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
WORK = ROOT / "var" / "bench"


def issue_bytes(paragraphs: int) -> bytes:
    head = "大型园区全年报道汇编\n\n► 记者 张三\n\n"
    return (head + "\n\n".join(f"第{i}段。" for i in range(paragraphs)) + "\n").encode()


def median_seconds(work, rounds: int) -> float:
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def setup_django() -> None:
    WORK.mkdir(parents=True, exist_ok=True)
    if "DATABASE_URL" not in os.environ:
        (WORK / "plan.sqlite3").unlink(missing_ok=True)
        os.environ["DATABASE_URL"] = f"sqlite:///{WORK / 'plan.sqlite3'}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)


def parse_and_plan(sizes: list[int], rounds: int) -> None:
    from newsroom.importing.loader import import_issue
    from newsroom.importing.parser import parse_issue

    print("| paragraphs | file | parse (median) | µs per paragraph | dry-run plan (median) |")
    print("|---|---|---|---|---|")
    for n in sizes:
        data = issue_bytes(n)
        parse = median_seconds(lambda d=data: parse_issue(d), rounds)
        plan = median_seconds(lambda d=data: import_issue(data=d, source_name="big.txt", dry_run=True), rounds)
        print(f"| {n:,} | {len(data) / 1e6:.2f} MB | {parse:.2f} s | {parse / n * 1e6:.1f} | {plan:.2f} s |")


def upload(paragraphs: int) -> None:
    """The admin's upload (dry run) and confirm of one big file, through gunicorn with DEBUG off."""
    from tests.realserver import Browser, gunicorn, manage, orm, read_form, site_env

    db = WORK / "upload.sqlite3"
    db.unlink(missing_ok=True)
    env = site_env(f"sqlite:///{db}")
    assert manage(env, "migrate", "--noinput").returncode == 0
    orm(env, "from django.contrib.auth.models import User\n"
             "User.objects.create_superuser('bench', password='bench-password-1')")
    with gunicorn(env, workers=2, log=WORK / "gunicorn.log") as base:
        browser = Browser(base)
        browser.log_in("bench", "bench-password-1")
        form = read_form(browser.get("/admin/newsroom/issue/import/").body, form_id="import-form")
        start = time.perf_counter()
        dry = browser.request_multipart("/admin/newsroom/issue/import/", form, "file", "big.txt", issue_bytes(paragraphs))
        dry_seconds = time.perf_counter() - start
        confirm = read_form(dry.body, form_id="import-confirm")
        start = time.perf_counter()
        done = browser.post("/admin/newsroom/issue/import/", confirm)
        confirm_seconds = time.perf_counter() - start
    print(f"admin upload of {paragraphs:,} paragraphs: dry run {dry.status} in {dry_seconds:.1f} s, "
          f"confirm {done.status} in {confirm_seconds:.1f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="5000,10000,20000,100000")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--upload", action="store_true")
    args = parser.parse_args()
    setup_django()
    parse_and_plan([int(n) for n in args.sizes.split(",")], args.rounds)
    if args.upload:
        upload(100_000)


if __name__ == "__main__":
    main()
