"""Shared fixtures: the seed issue and small builders for test data."""
import os
import signal
import tempfile
from contextlib import contextmanager
from io import StringIO
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SEED_PATH = next((ROOT / "seeds").glob("*.txt"))

# Nothing the suite runs writes outside the project folder: tmp_path, the servers and
# commands the tests start, and Chromium's profiles all take their temporary files here.
TEMP_DIR = ROOT / "var" / "tmp"
TEMP_DIR.mkdir(parents=True, exist_ok=True)
os.environ["TMPDIR"] = tempfile.tempdir = str(TEMP_DIR)


# 三审 is off unless a test asks for it (the `three_stages` fixture): the suite's other tests
# publish freshly made articles, as a team without review stages does. The servers and
# commands the tests start inherit this through the environment.
os.environ.setdefault("NEWSROOM_REVIEW_STAGES", "0")


@pytest.fixture(autouse=True)
def _review_off_by_default(settings):
    settings.NEWSROOM_REVIEW_STAGES = int(os.environ["NEWSROOM_REVIEW_STAGES"])


@pytest.fixture
def three_stages(settings):
    """The default 初审, 复审 and 终审 from the data migration, all required."""
    from articles.models import ReviewStage

    settings.NEWSROOM_REVIEW_STAGES = None
    return list(ReviewStage.objects.order_by("order"))


@pytest.fixture(autouse=True, scope="session")
def _static_files_without_collectstatic():
    """In-process pages name static files through the plain storage, unhashed.

    Production's manifest storage needs collectstatic before any page can render; without
    this a fresh clone's `make test` would need it too. The real-server tests run
    collectstatic once and serve the hashed files (tests/realserver.py).
    """
    from django.conf import settings
    from django.test import override_settings

    plain = {**settings.STORAGES, "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"}}
    with override_settings(STORAGES=plain):
        yield


def pytest_configure(config):
    _load_snapshots_into_empty_tables()


def _load_snapshots_into_empty_tables() -> None:
    """A serialized rollback loads its snapshot into emptied tables, whatever came before.

    Django loads the snapshot over what the previous test left. After a test whose flush ran
    post_migrate, or a live-server test whose browser sent a last request after its flush
    (taggit and the admin create content types on first use), the tables hold content types
    under other ids, and loading the snapshot failed on their unique names. Emptying the
    tables first (as the flush at the end of a serialized test does) makes the load exact.
    """
    from django.core.management.color import no_style
    from django.db.backends.base.creation import BaseDatabaseCreation

    load = BaseDatabaseCreation.deserialize_db_from_string
    if getattr(load, "empties_tables_first", False):
        return

    def deserialize_into_empty_tables(self, data):
        connection = self.connection
        tables = connection.introspection.django_table_names(only_existing=True, include_views=False)
        connection.ops.execute_sql_flush(
            connection.ops.sql_flush(no_style(), tables, reset_sequences=False, allow_cascade=True)
        )
        return load(self, data)

    deserialize_into_empty_tables.empties_tables_first = True
    BaseDatabaseCreation.deserialize_db_from_string = deserialize_into_empty_tables


@pytest.fixture(autouse=True)
def _empty_page_cache():
    """Each test starts with an empty cache. A test's database is rolled back afterwards, so
    the next test starts again from the same content version, and pages and counts cached
    under it by the previous test would otherwise be served for the next one's different data.

    Within a test wrapped in a transaction nothing commits, so the version does not move on:
    a test that reads a public page, changes what it shows and reads it again must be
    transactional (as tests/test_cache_invalidation.py is), or it reads the cached page.

    Every transactional test here is also serialized_rollback=True: a plain one's flush runs
    post_migrate, which creates the content types again under new ids, and the next
    serialized test then fails to load its snapshot over them (a UNIQUE violation)."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    # MD5 is unsafe for real passwords but makes creating test users cheap.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def deadline():
    """deadline(seconds): a block that fails instead of hanging (a FIFO read, a runaway regex)."""

    @contextmanager
    def guard(seconds: int):
        def expire(signum, frame):
            raise AssertionError(f"still running after {seconds} s")

        previous = signal.signal(signal.SIGALRM, expire)
        signal.alarm(seconds)
        try:
            yield
        finally:
            signal.alarm(0)
            signal.signal(signal.SIGALRM, previous)

    return guard


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
        # As every write path does once the relations are written: the card pages show.
        Article.objects.filter(pk=article.pk).refresh_cards()
        article.refresh_from_db(fields=["card", "card_html"])
        return article

    return make


# --- admin fixtures (issue 5): newsroom roles, logged-in clients, change-form POST data.


def _staff_user(username: str, *, group: str, full_name: str):
    from django.contrib.auth.models import Group, User

    user = User.objects.create_user(username, password=f"{username}-password-1", is_staff=True, first_name=full_name)
    user.groups.add(Group.objects.get(name=group))
    return user


@pytest.fixture
def editor_user(db):
    """A member of 编辑, the role created by the roles migration."""
    return _staff_user("editor", group="编辑", full_name="王芳")


@pytest.fixture
def second_editor_user(db):
    return _staff_user("editor2", group="编辑", full_name="李明")


@pytest.fixture
def reporter_user(db):
    """A member of 记者, linked to the reporter 刘琴."""
    from newsroom.models import Reporter

    user = _staff_user("liuqin", group="记者", full_name="刘琴")
    Reporter.objects.update_or_create(name="刘琴", defaults={"user": user})
    return user


@pytest.fixture
def editor_client(client, editor_user):
    client.force_login(editor_user)
    return client


@pytest.fixture
def reporter_client(reporter_user):
    from django.test import Client

    client = Client()
    client.force_login(reporter_user)
    return client


@pytest.fixture
def draft_article(make_article):
    """A complete draft by 刘琴, with no issue and no publication date."""
    from articles.models import Article

    article = make_article("成都高新区发布新政", status="draft", body="<p>成都高新区今年新增企业一千家。</p>")
    Article.objects.filter(pk=article.pk).update(publish_at=None)
    article.refresh_from_db()
    return article


@pytest.fixture
def article_form_data():
    """The POST body of the article change form for `article`, with `changes` applied."""
    from django.utils import timezone

    def build(article, **changes):
        article.refresh_from_db()
        local = timezone.localtime(article.publish_at) if article.publish_at else None
        bylines = list(article.bylines.order_by("position", "id"))
        mentions = list(article.zone_mentions.all())
        data = {
            "issue": article.issue_id or "",
            "position": article.position,
            "kicker": article.kicker,
            "headline": article.headline,
            "subheadline": article.subheadline,
            "dateline": article.dateline,
            "standfirst": article.standfirst,
            "body": article.body,
            "status": article.status,
            "publish_at_0": local.strftime("%Y-%m-%d") if local else "",
            "publish_at_1": local.strftime("%H:%M:%S") if local else "",
            "tags": [t.pk for t in article.tags.all()],
            "new_tags": "",
            "excluded_zones": list(article.excluded_zones.values_list("pk", flat=True)),
            "loaded_version": article.version,
            "bylines-TOTAL_FORMS": len(bylines),
            "bylines-INITIAL_FORMS": len(bylines),
            "bylines-MIN_NUM_FORMS": 0,
            "bylines-MAX_NUM_FORMS": 1000,
            "zone_mentions-TOTAL_FORMS": len(mentions),
            "zone_mentions-INITIAL_FORMS": len(mentions),
            "zone_mentions-MIN_NUM_FORMS": 0,
            "zone_mentions-MAX_NUM_FORMS": 1000,
        }
        for i, byline in enumerate(bylines):
            data.update({
                f"bylines-{i}-id": byline.pk, f"bylines-{i}-article": article.pk,
                f"bylines-{i}-position": byline.position, f"bylines-{i}-reporter": byline.reporter_id,
                f"bylines-{i}-role": byline.role,
            })
        for i, mention in enumerate(mentions):
            data.update({
                f"zone_mentions-{i}-id": mention.pk, f"zone_mentions-{i}-article": article.pk,
                f"zone_mentions-{i}-zone": mention.zone_id,
            })
        data.update(changes)
        return data

    return build


# --- search fixtures (issue 4): the seed's two articles, and a searcher over published ones.


@pytest.fixture
def seed_articles(imported_seed):
    """(feature, jinan): the seed's 国家高新区 feature and its 济南高新区 report."""
    from articles.models import Article

    articles = imported_seed.articles.order_by("position")
    feature, jinan = articles.get(headline__startswith="国家高新区"), articles.get(headline__startswith="济南")
    assert Article.objects.published().count() == 2
    return feature, jinan


@pytest.fixture
def found():
    """found(q) -> the ids the search engine returns for q over published articles, best first."""
    from articles.models import Article
    from articles.search.engine import search
    from articles.search.tokenize import parse_query

    def run(q, queryset=None):
        queryset = Article.objects.published() if queryset is None else queryset
        return list(search(queryset, parse_query(q)).ids)

    return run


# --- browser tests: Playwright for Python driving Debian's Chromium.

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    # Without these, Chromium keeps calling home, which this closed network refuses.
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]


def require_chromium() -> None:
    """Skip locally without Chromium; in CI a missing browser is a failure, never a skip."""
    if CHROMIUM.exists():
        return
    if os.environ.get("CI"):
        pytest.fail(f"CI is set but {CHROMIUM} is missing: install Debian's chromium package")
    pytest.skip(f"{CHROMIUM} not found: install Debian's chromium package to run the browser tests")


@pytest.fixture(scope="module")
def browser():
    require_chromium()
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread, which makes Django refuse
    # the ORM calls that fixtures and the live server make from it.
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            yield chromium
            chromium.close()


# --- Content-Security-Policy in the browser (issue 8): any violation fails the test.

# Runs in every page before its own scripts; the binding reports to Python even when the
# page navigates away right after the violation.
CSP_LISTENER = """
document.addEventListener("securitypolicyviolation", (event) => window.__cspViolation(
  `${event.effectiveDirective} blocked ${event.blockedURI || "inline"} at ${event.sourceFile}:${event.lineNumber}`
  + (event.sample ? ` (${event.sample})` : "")
), true);
"""


class CspWatch:
    """The CSP violations and uncaught script errors of every page in the watched contexts.

    Both the DOM's securitypolicyviolation events and Chromium's console reports are kept,
    so a violation is caught even before any listener could run (an inline script in <head>).
    """

    def __init__(self, html_check=None):
        self.problems: list[str] = []
        self.html_check = html_check

    def watch(self, context):
        # Every context watched for CSP also has its pages checked by the Nu Html Checker.
        if self.html_check is not None:
            self.html_check.watch(context)
        context.expose_binding("__cspViolation", lambda source, text: self.problems.append(f"violation: {text}"))
        context.add_init_script(CSP_LISTENER)
        context.on("console", self._console)
        context.on("weberror", lambda error: self.problems.append(f"page error: {error.error}"))
        return context

    def _console(self, message) -> None:
        if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text:
            self.problems.append(f"console: {message.text}")

    def assert_clean(self, *pages) -> None:
        for page in pages:
            # Let queued violation events reach Python before looking.
            page.evaluate("() => new Promise((resolve) => setTimeout(resolve, 0))")
        assert self.problems == []


@pytest.fixture
def csp_watch(html_check):
    """A CspWatch; anything it caught also fails the test at teardown, asserted or not.

    It brings html_check, so every page a browser test visits is also validated."""
    watch = CspWatch(html_check)
    yield watch
    assert watch.problems == [], "CSP violations or page errors"


# --- The Nu Html Checker (issue 9): every HTML document a watched browser context loads
# is validated with vnu.jar at teardown; any error fails the test.

VNU_JAR = ROOT / ".venv" / "vnu" / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"


def require_vnu() -> None:
    """Skip locally without the checker or Java; in CI either missing is a failure."""
    import shutil

    missing = [] if VNU_JAR.exists() else [f"{VNU_JAR} (make install)"]
    missing += [] if shutil.which("java") else ["java (Debian's default-jre-headless)"]
    if not missing:
        return
    if os.environ.get("CI"):
        pytest.fail(f"CI is set but the Nu Html Checker cannot run: missing {', '.join(missing)}")
    pytest.skip(f"Nu Html Checker not available: missing {', '.join(missing)}")


class HtmlCheck:
    """The HTML documents (pages and frames) served to the watched contexts, for vnu.jar."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.documents: dict[str, str] = {}

    def watch(self, context):
        context.on("response", self._keep)
        return context

    def _keep(self, response) -> None:
        is_html = response.headers.get("content-type", "").startswith("text/html")
        if response.request.resource_type == "document" and is_html and response.status < 300:
            # Keyed by the body so a page seen twice in the same state is checked once.
            body = response.text()
            self.documents.setdefault(body, response.url)

    def errors(self) -> list[str]:
        """Every error vnu.jar reports, as 'URL line N: message'."""
        import json
        import subprocess

        if not self.documents:
            return []
        urls = {}
        for index, (body, url) in enumerate(self.documents.items()):
            path = self.folder / f"page-{index}.html"
            path.write_text(body, encoding="utf-8")
            urls[path.name] = url
        run = subprocess.run(
            ["java", "-jar", str(VNU_JAR), "--format", "json", "--errors-only", "--exit-zero-always",
             *(str(self.folder / f"page-{i}.html") for i in range(len(urls)))],
            capture_output=True, text=True, timeout=300, check=True,
        )
        messages = json.loads(run.stderr)["messages"]
        return [f"{urls.get(m.get('url', '').rsplit('/', 1)[-1])} line {m.get('lastLine')}: {m['message']}"
                for m in messages if m["type"] == "error" or m.get("subType") == "fatal"]


@pytest.fixture
def html_check(tmp_path):
    """An HtmlCheck; at teardown, every document it kept must pass the Nu Html Checker."""
    require_vnu()
    folder = tmp_path / "nu"
    folder.mkdir()
    check = HtmlCheck(folder)
    yield check
    assert check.errors() == [], "the Nu Html Checker reports errors"


SITEMAP_NS = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


@pytest.fixture
def sitemap_locations():
    """sitemap_locations(client): every <loc> of every page the sitemap index lists, in order."""
    import xml.etree.ElementTree as ET
    from urllib.parse import urlsplit

    def read(client) -> list[str]:
        index = client.get("/sitemap.xml")
        assert index.status_code == 200
        locations = []
        for page in ET.fromstring(index.content).iter(f"{SITEMAP_NS}loc"):
            url = urlsplit(page.text)
            response = client.get(url.path + (f"?{url.query}" if url.query else ""))
            assert response.status_code == 200, page.text
            locations += [loc.text for loc in ET.fromstring(response.content).iter(f"{SITEMAP_NS}loc")]
        return locations

    return read


@pytest.fixture(scope="module")
def s3_endpoint(tmp_path_factory):
    """moto's S3 server (tests/s3server.py) with one empty bucket, until the module's tests end."""
    from tests.s3server import moto_s3

    with moto_s3(tmp_path_factory.mktemp("moto")) as endpoint:
        yield endpoint


# --- email (issue 13): a real SMTP server on loopback.


@pytest.fixture
def mail_server(settings):
    """aiosmtpd on a free loopback port (tests/smtpserver.py), with Django's email settings
    pointed at it through the project's backend; `.messages` holds what arrived."""
    from tests.smtpserver import smtp_server, use_smtp

    with smtp_server() as running:
        use_smtp(settings, running)
        yield running
