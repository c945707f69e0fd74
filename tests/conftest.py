"""Shared fixtures: the seed issue and small builders for test data."""
from io import StringIO
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SEED_PATH = next((ROOT / "seeds").glob("*.txt"))


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    # MD5 is unsafe for real passwords but makes creating test users cheap.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def seed_path() -> Path:
    return SEED_PATH


@pytest.fixture
def seed_bytes() -> bytes:
    return SEED_PATH.read_bytes()


@pytest.fixture
def imported_seed(db, seed_path):
    """The seed imported as published issue 1, exactly as `make run` does."""
    from django.core.management import call_command

    from newsroom.models import Issue

    call_command("import_issue", str(seed_path), "--number", "1", "--publish", stdout=StringIO())
    return Issue.objects.get(number=1)


# --- public site fixtures: small ORM builders for the public pages' tests (issue 3).


@pytest.fixture
def make_issue(db):
    """Issue rows; published unless told otherwise."""
    import datetime

    from newsroom.models import Issue

    def make(number=1, *, status="published", date=datetime.date(2025, 1, 6), title=""):
        return Issue.objects.create(number=number, status=status, date=date, title=title)

    return make


@pytest.fixture
def make_zone(db):
    """A zone by short name, reusing the reference row when the migration loaded one."""
    from zones.models import Zone

    def make(name, *, official_name="", province="测试省", city="测试市", approved_year=2000):
        defaults = {"official_name": official_name or name.replace("高新区", "高新技术产业开发区"),
                    "province": province, "city": city, "approved_year": approved_year}
        zone, _ = Zone.objects.get_or_create(name=name, defaults=defaults)
        return zone

    return make


@pytest.fixture
def make_article(db):
    """A published article (due an hour ago) with bylines, zones and tags, built with the ORM.

    `reporters` is a list of (name, role) pairs; `zones` a list of Zone rows.
    """
    import datetime

    from django.utils import timezone

    from articles.models import Article, Byline, ZoneMention
    from newsroom.models import Reporter

    def make(headline="测试文章", *, issue=None, position=1, status="published", publish_at=None,
             reporters=(("刘琴", "作者"),), zones=(), tags=(), body="<p>正文第一段。</p>",
             kicker="", subheadline="", dateline="", standfirst=""):
        article = Article.objects.create(
            headline=headline, issue=issue, position=position, status=status,
            publish_at=publish_at or timezone.now() - datetime.timedelta(hours=1),
            body=body, kicker=kicker, subheadline=subheadline, dateline=dateline,
            standfirst=standfirst,
        )
        for index, (name, role) in enumerate(reporters, start=1):
            reporter, _ = Reporter.objects.get_or_create(name=name)
            Byline.objects.create(article=article, reporter=reporter, role=role, position=index)
        ZoneMention.objects.bulk_create(ZoneMention(article=article, zone=zone) for zone in zones)
        if tags:
            article.tags.add(*tags)
        return article

    return make
