"""The day's digest as `make run` sends it: `manage.py serve`'s scheduler asks, its worker
makes the mailing and sends it through a real SMTP server (its own process), once."""
import signal
import subprocess
import time

import pytest

from tests.realserver import (
    PYTHON,
    ROOT,
    collected_static,
    free_port,
    fresh_database,
    manage,
    orm,
    seeded_site_env,
)
from tests.smtpserver import smtp_process, spool_count, spooled

READERS = """
import datetime
from django.utils import timezone
from articles.models import Article, ZoneMention
from newsroom.mailing.models import Subscriber
published = Article.objects.published()
mention = ZoneMention.objects.filter(article__in=published).order_by("pk").first()
zone = mention.zone
ago = timezone.now() - datetime.timedelta(days=2)
for email, status, zones in [("zone@example.com", "confirmed", [zone]), ("none@example.com", "confirmed", []),
                             ("pending@example.com", "pending", [zone])]:
    sub = Subscriber.objects.create(email=email, status=status, confirmed_at=ago)
    sub.zones.set(zones)
headlines = sorted(published.filter(zones=zone).values_list("headline", flat=True))
result = {"headlines": headlines, "others": sorted(published.exclude(zones=zone).values_list("headline", flat=True))}
"""
STATE = """
from newsroom.mailing.models import Delivery, Mailing
result = {"mailings": list(Mailing.objects.values_list("kind", "status")),
          "deliveries": list(Delivery.objects.values_list("email", "status"))}
"""


@pytest.fixture
def site(tmp_path):
    with fresh_database(tmp_path) as url:
        yield url


def test_the_scheduler_asks_and_the_worker_sends_the_digest_once(site, tmp_path):
    spool = tmp_path / "spool"
    with smtp_process(spool) as smtp_port:
        env = seeded_site_env(
            site, NEWSROOM_EMAIL_HOST="127.0.0.1", NEWSROOM_EMAIL_PORT=str(smtp_port), NEWSROOM_DIGEST_HOUR="0",
            DJANGO_STATIC_ROOT=collected_static(), PORT=str(free_port()), GUNICORN_WORKERS="1",
        )
        chosen = orm(env, READERS)
        assert chosen["headlines"]
        log = tmp_path / "serve.log"
        with log.open("w") as out:
            serve = subprocess.Popen([PYTHON, "manage.py", "serve"], cwd=ROOT, env=env, stdout=out, stderr=out)
        try:
            for _ in range(600):
                if spool_count(spool) or serve.poll() is not None:
                    break
                time.sleep(0.1)
            assert spool_count(spool) == 1, log.read_text()
        finally:
            serve.send_signal(signal.SIGINT)
            assert serve.wait(timeout=60) == 0, log.read_text()
        [received] = spooled(spool)
        assert received.rcpt_tos == ("zone@example.com",)
        text = received.message.get_body(("plain",)).get_content()
        assert [headline in text for headline in chosen["headlines"]] == [True] * len(chosen["headlines"])
        assert [headline in text for headline in chosen["others"]] == [False] * len(chosen["others"])
        assert orm(env, STATE) == {"mailings": [["digest", "done"]], "deliveries": [["zone@example.com", "sent"]]}
        again = manage(env, "send_digests")
        assert again.returncode == 0, again.stderr
        assert "已经生成过，没有再生成。" in again.stdout
        assert spool_count(spool) == 1
