"""Sending an issue to many subscribers through a local SMTP server: messages per second.

Not a test: it prints the figures for docs/benchmarks.md. Usage (from the project folder):

    .venv/bin/python bench/mail.py                       # 10,000 subscribers, SQLite
    DATABASE_URL=postgres://newsroom:newsroom@127.0.0.1:55440/newsroom \\
        .venv/bin/python bench/mail.py --subscribers 10000
    .venv/bin/python bench/mail.py --profile             # where a run spends its time

What it does: a fresh database of the engine DATABASE_URL names (tests/realserver.py:
a SQLite file in a temporary folder, or a new PostgreSQL database), migrated, with the
seed imported as published issue 1 and N confirmed subscribers; the SMTP test server
(tests/smtpserver.py) as its own process on loopback, writing each message to a spool
file before it answers 250, as a real server commits a message to disk. Then, timed in
this process: issue_mailing_start (the deliveries queued) and mailing_run (every message
built, sent over SMTP and recorded). The spool is checked: each address exactly once.

The baseline, as in the other benchmarks: Django's hello-world view (/hello/, bench/
hello_urls.py) through the same settings and middleware, requested with Django's test
client in this process. "hello-worlds per message" says what one message costs in
units of the cheapest request this Django can answer on this machine.
"""
import argparse
import collections
import cProfile
import os
import platform
import pstats
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.realserver import fresh_database  # noqa: E402
from tests.smtpserver import smtp_environ, smtp_process, spooled  # noqa: E402

GOAL = 200  # messages per second, issue 13
HELLO_REQUESTS = 2000


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subscribers", type=int, default=10_000)
    parser.add_argument("--batch", type=int, default=100, help="NEWSROOM_MAIL_BATCH: messages per connection")
    parser.add_argument("--connections", type=int, default=2,
                        help="NEWSROOM_MAIL_CONNECTIONS: SMTP connections at once, one thread each")
    parser.add_argument("--profile", action="store_true", help="print the 25 costliest functions of the run")
    return parser.parse_args(argv)


def setup_django(database_url: str, port: int, batch: int, connections: int) -> None:
    # NEWSROOM_REVIEW_STAGES=0: the seed is published at once, as by a team without 三审.
    os.environ.update({"DATABASE_URL": database_url, "DJANGO_SETTINGS_MODULE": "bench.hello_settings",
                       "NEWSROOM_REVIEW_STAGES": "0",
                       "NEWSROOM_MAIL_BATCH": str(batch), "NEWSROOM_MAIL_CONNECTIONS": str(connections),
                       "DJANGO_ALLOWED_HOSTS": "testserver",
                       **smtp_environ(port)})
    import django

    django.setup()


def prepare(subscribers: int):
    from io import StringIO

    from django.core.management import call_command

    from newsroom.mailing.models import Subscriber
    from newsroom.models import Issue

    call_command("migrate", "--noinput", verbosity=0)
    call_command("import_issue", str(ROOT / "seeds"), "--number", "1", "--publish", stdout=StringIO())
    Subscriber.objects.bulk_create(
        [Subscriber(email=f"reader{n:05d}@example.com", status=Subscriber.Status.CONFIRMED)
         for n in range(subscribers)], batch_size=2000,
    )
    return Issue.objects.get(number=1)


def send(issue, *, profile: bool) -> dict:
    from newsroom.mailing import sending

    started = time.perf_counter()
    mailing = sending.issue_mailing_start(issue=issue, by=None)
    queued = time.perf_counter()
    profiler = cProfile.Profile() if profile else None
    if profiler:
        profiler.enable()
    counts = sending.mailing_run(mailing.pk)
    if profiler:
        profiler.disable()
    finished = time.perf_counter()
    if profiler:
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(30)
    return {"queue_s": queued - started, "run_s": finished - queued, "counts": counts,
            "progress": sending.mailing_progress(mailing)}


def hello_per_second(requests: int = HELLO_REQUESTS) -> float:
    from django.test import Client

    client = Client()
    assert client.get("/hello/").status_code == 200
    started = time.perf_counter()
    for _ in range(requests):
        client.get("/hello/")
    return requests / (time.perf_counter() - started)


def check_spool(spool: Path, subscribers: int) -> None:
    received = collections.Counter(address for message in spooled(spool) for address in message.rcpt_tos)
    expected = {f"reader{n:05d}@example.com" for n in range(subscribers)}
    if set(received) != expected or set(received.values()) != {1}:
        raise SystemExit(f"the spool does not hold each address once: {len(received)} addresses, "
                         f"{sum(received.values())} messages")


def report(args, engine: str, result: dict, hello: float) -> dict:
    rate = args.subscribers / result["run_s"]
    figures = {"engine": engine, "subscribers": args.subscribers, "batch": args.batch,
               "connections": args.connections,
               "queue_s": round(result["queue_s"], 2), "run_s": round(result["run_s"], 2),
               "messages_per_s": round(rate), "hello_per_s": round(hello),
               "hello_per_message": round(hello / rate, 1), "goal_met": rate >= GOAL}
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"Python {platform.python_version()}, load average {os.getloadavg()[0]:.1f}")
    print(f"deliveries: {result['progress']}")
    print("| engine | subscribers | batch | connections | queueing | sending | messages/s | hello-world/s "
          "| hello-worlds per message |")
    print(f"| {engine} | {args.subscribers:,} | {args.batch} | {args.connections} | {figures['queue_s']:.2f} s "
          f"| {figures['run_s']:.2f} s "
          f"| {figures['messages_per_s']} | {figures['hello_per_s']} | {figures['hello_per_message']} |")
    return figures


def main(argv=None) -> dict:
    args = parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-mail-") as tmp:
        workdir = Path(tmp)
        spool = workdir / "spool"
        with fresh_database(workdir) as url, smtp_process(spool) as port:
            setup_django(url, port, args.batch, args.connections)
            from django.db import connection, connections

            issue = prepare(args.subscribers)
            result = send(issue, profile=args.profile)
            check_spool(spool, args.subscribers)
            hello = hello_per_second()
            figures = report(args, connection.vendor, result, hello)
            # fresh_database drops a PostgreSQL database, which must have no connection left.
            connections.close_all()
    return figures


if __name__ == "__main__":
    main()
