"""Two schedulers at once, as two real processes on a real database: one digest a day.

Each process sets Django up and connects, then waits at a barrier; the test releases both
together and each calls digest_mailing_start. On SQLite the second
waits for the first's write lock, on PostgreSQL for its uncommitted row in the unique
index; either way its insert then fails and it makes nothing.
"""
import subprocess

import pytest

from tests.realserver import PYTHON, ROOT, fresh_database, manage, orm, site_env

ROUNDS = 3
RACER = """
import os, sys
import django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")
django.setup()
from django.db import connection
from django.utils import timezone
from newsroom.mailing.digests import digest_mailing_start
connection.ensure_connection()
print("ready", flush=True)
sys.stdin.readline()
mailing = digest_mailing_start(timezone.now())
print("made" if mailing else "none", flush=True)
"""
SETUP = """
import datetime
from django.utils import timezone
from articles.models import Article, ZoneMention
from newsroom.mailing.models import Subscriber
from zones.models import Zone
zone = Zone.objects.order_by("pk").first()
article = Article.objects.create(headline="西安新闻", status="published",
                                 publish_at=timezone.now() - datetime.timedelta(hours=1))
ZoneMention.objects.create(article=article, zone=zone)
sub = Subscriber.objects.create(email="a@example.com", status="confirmed",
                                confirmed_at=timezone.now() - datetime.timedelta(days=2))
sub.zones.add(zone)
"""
COUNTS = """
from newsroom.mailing.models import Delivery, Mailing
result = [Mailing.objects.count(), Delivery.objects.count()]
Mailing.objects.all().delete()
"""


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    with fresh_database(tmp_path_factory.mktemp("digest-race")) as url:
        env = site_env(url)
        done = manage(env, "migrate", "--noinput", "-v0")
        assert done.returncode == 0, done.stderr
        orm(env, SETUP)
        yield env


def race(env: dict) -> list[str]:
    racers = [
        subprocess.Popen([PYTHON, "-c", RACER], cwd=ROOT, env=env, text=True,
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for _ in range(2)
    ]
    for racer in racers:
        assert racer.stdout.readline() == "ready\n", racer.stderr.read()
    for racer in racers:
        racer.stdin.write("go\n")
        racer.stdin.flush()
    outcomes = []
    for racer in racers:
        out, err = racer.communicate(timeout=120)
        assert racer.returncode == 0, err
        outcomes.append(out.strip())
    return sorted(outcomes)


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_two_schedulers_at_once_make_one_digest(env, round_):
    """Each round starts without a mailing (the previous round's is deleted)."""
    assert race(env) == ["made", "none"]
    assert orm(env, COUNTS) == [1, 1]
