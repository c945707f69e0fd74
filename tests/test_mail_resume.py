"""A send that dies halfway and is resumed, with real processes: `manage.py db_worker` sending
through the SMTP test server running as its own process (tests/smtpserver.py, one file per
accepted message), SIGKILLed while it sends, then `send_mailings --resume` and a new worker.

What a kill can leave is one message in flight per SMTP connection (the worker sends over
NEWSROOM_MAIL_CONNECTIONS = 2 at once). If the server had taken it, the row is SENDING and
becomes UNKNOWN: it is not sent again. The server may also have had all of it but the
final dot; then it kept nothing and the row is QUEUED: it is sent once on resume. So nobody
ever receives it twice, and everybody receives it, except an UNKNOWN whose dot never left
(a window of microseconds between a commit and one write on a socket).
"""
import collections
import os
import signal
import subprocess
import time

import pytest

from tests.realserver import PYTHON, ROOT, fresh_database, manage, orm, seeded_site_env
from tests.smtpserver import smtp_environ, smtp_process, spool_count, spooled

CONNECTIONS = 2  # the default of settings.NEWSROOM_MAIL_CONNECTIONS

SUBSCRIBE_AND_SEND = """
from newsroom import tasks
from newsroom.mailing.models import Subscriber
from newsroom.models import Issue
Subscriber.objects.bulk_create(
    [Subscriber(email=f"reader{{n:05d}}@example.com", status="confirmed") for n in range({count})])
mailing = tasks.issue_mailing_send(issue=Issue.objects.get(number=1), by=None)
{extra}
result = mailing.pk
"""

OUTCOME = """
from django.db.models import Count
from newsroom.mailing.models import Delivery, Mailing
mailing = Mailing.objects.get(pk={pk})
result = {{
    "mailing": mailing.status,
    "statuses": dict(mailing.deliveries.values_list("status").annotate(n=Count("pk")).order_by()),
    "unknown": sorted(mailing.deliveries.filter(status="unknown").values_list("email", flat=True)),
}}
"""


def start_worker(env, log) -> subprocess.Popen:
    """The worker as `make run` starts it; --batch: it exits once the queue is empty."""
    with log.open("w") as out:
        return subprocess.Popen([PYTHON, "manage.py", "db_worker", "--batch", "--no-reload", "--no-startup-delay"],
                                cwd=ROOT, env=env, stdout=out, stderr=out)


def finished(process: subprocess.Popen, log) -> None:
    assert process.wait(timeout=300) == 0, log.read_text()[-3000:]


def addresses(count: int) -> set[str]:
    return {f"reader{n:05d}@example.com" for n in range(count)}


def received(spool) -> collections.Counter:
    return collections.Counter(address for message in spooled(spool) for address in message.rcpt_tos)


@pytest.fixture
def mail_site(tmp_path):
    """A seeded database whose EMAIL settings point at an SMTP server process; (env, spool)."""
    spool = tmp_path / "spool"
    with fresh_database(tmp_path) as url, smtp_process(spool) as port:
        yield seeded_site_env(url, **smtp_environ(port), NEWSROOM_MAIL_BATCH="50",
                              NEWSROOM_MAIL_CONNECTIONS=str(CONNECTIONS)), spool


class TestInterruptedSend:
    def test_worker_killed_halfway_then_resumed_delivers_once_to_everyone(self, mail_site, tmp_path):
        env, spool = mail_site
        pk = orm(env, SUBSCRIBE_AND_SEND.format(count=2000, extra=""))
        worker = start_worker(env, tmp_path / "worker1.log")
        deadline = time.monotonic() + 120
        while spool_count(spool) < 1000 and worker.poll() is None and time.monotonic() < deadline:
            time.sleep(0.005)
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait(timeout=30)
        killed_at = spool_count(spool)
        assert 1000 <= killed_at < 2000, f"the worker was killed after {killed_at} messages"

        done = manage(env, "send_mailings", "--resume", "--older-than", "0")
        assert done.stdout == "已将 1 个被中断的邮件发送交给后台任务进程继续。\n", done.stderr
        second = start_worker(env, tmp_path / "worker2.log")
        finished(second, tmp_path / "worker2.log")

        outcome = orm(env, OUTCOME.format(pk=pk))
        counts = received(spool)
        unknown = set(outcome["unknown"])
        assert outcome["mailing"] == "done"
        assert set(outcome["statuses"]) <= {"sent", "unknown"}
        assert sum(outcome["statuses"].values()) == 2000
        assert [address for address, n in counts.items() if n > 1] == []
        assert len(unknown) <= CONNECTIONS
        # Everyone received it, but possibly an UNKNOWN whose final dot never left.
        assert set(counts) | unknown == addresses(2000)
        assert outcome["statuses"]["sent"] == len(set(counts) - unknown)


class TestTwoWorkers:
    def test_send_enqueued_twice_is_shared_by_two_workers(self, mail_site, tmp_path):
        env, spool = mail_site
        extra = "tasks.send_mailing.enqueue(mailing.pk)"
        pk = orm(env, SUBSCRIBE_AND_SEND.format(count=1000, extra=extra))
        logs = [tmp_path / "worker1.log", tmp_path / "worker2.log"]
        workers = [start_worker(env, log) for log in logs]
        for worker, log in zip(workers, logs, strict=True):
            finished(worker, log)
        outcome = orm(env, OUTCOME.format(pk=pk))
        assert (outcome["mailing"], outcome["statuses"]) == ("done", {"sent": 1000})
        counts = received(spool)
        assert set(counts) == addresses(1000)
        assert set(counts.values()) == {1}
