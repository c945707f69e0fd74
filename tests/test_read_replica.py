"""An optional read replica (DATABASE_REPLICA_URL): anonymous public reads go to it only while
it has caught up with the primary's content version (newsroom/replica.py; issue 11, point 5).

The real-server tests give gunicorn a copy of the primary as its replica, on the suite's
engine (a second SQLite file, or a second PostgreSQL database). Changing one of the two
directly stands for replication lag: which text a page shows tells which database it read.
"""
import json
import sqlite3
import uuid
from contextlib import contextmanager
from urllib.parse import urlsplit

import psycopg
import pytest
from django.db import transaction
from django.test import RequestFactory
from django.urls import resolve

from articles.models import Article
from newsroom import replica
from newsroom.replica import ReplicaMiddleware, ReplicaRouter, may_read_replica
from tests.realserver import (
    Browser,
    _pg_conninfo,
    fresh_database,
    gunicorn,
    orm,
    read_form,
    seeded_site_env,
    set_field,
)

PASSWORD = "replica-password-1"


def request(method: str = "GET", path: str = "/", cookies: dict | None = None):
    made = RequestFactory().generic(method, path)
    made.COOKIES = cookies or {}
    made.resolver_match = resolve(path)
    return made


class TestWhoMayReadTheReplica:
    @pytest.mark.parametrize("method", ["GET", "HEAD"])
    def test_an_anonymous_reader_of_a_public_page(self, method):
        assert may_read_replica(request(method, "/issues/1/")) is True

    def test_not_a_post(self):
        assert may_read_replica(request("POST", "/search/")) is False

    def test_not_anyone_signed_in(self):
        """An editor who has just saved reads their own write from the primary."""
        assert may_read_replica(request("GET", "/issues/1/", cookies={"sessionid": "x"})) is False

    @pytest.mark.parametrize("path", ["/admin/", "/admin/articles/article/", "/preview/issues/1/"])
    def test_not_the_admin_or_a_preview(self, path):
        assert may_read_replica(request("GET", path)) is False


class TestReplicaRouter:
    def test_reads_go_to_the_primary_outside_a_public_request(self):
        assert ReplicaRouter().db_for_read(Article) == "default"

    def test_writes_and_migrations_go_to_the_primary_only(self):
        router = ReplicaRouter()
        assert router.db_for_write(Article) == "default"
        assert (router.allow_migrate("default", "articles"), router.allow_migrate("replica", "articles")) == (True, False)

    def reads_during(self, monkeypatch, caught_up: bool, *, atomic: bool = False) -> str:
        monkeypatch.setattr(replica, "replica_has_caught_up", lambda request=None: caught_up)
        seen = []

        def view(req):
            if atomic:
                with transaction.atomic():
                    seen.append(ReplicaRouter().db_for_read(Article))
            else:
                seen.append(ReplicaRouter().db_for_read(Article))

        def handler(req):
            middleware.process_view(req, view, (), {})  # as Django does once the URL is resolved
            return view(req)

        middleware = ReplicaMiddleware(handler)
        middleware(request("GET", "/"))
        return seen[0]

    def test_a_public_request_reads_the_replica_that_has_caught_up(self, monkeypatch):
        assert self.reads_during(monkeypatch, True) == "replica"
        assert ReplicaRouter().db_for_read(Article) == "default"  # and only during that request

    def test_a_public_request_reads_the_primary_while_the_replica_lags(self, monkeypatch):
        assert self.reads_during(monkeypatch, False) == "default"

    def test_reads_inside_a_transaction_go_to_the_primary(self, monkeypatch, db):
        assert self.reads_during(monkeypatch, True, atomic=True) == "default"


# --- gunicorn with a primary and a replica ------------------------------------------------

SETUP = f"""
from django.contrib.auth.models import Group, User
from articles.models import Article
user = User.objects.create_user("editor_r", password="{PASSWORD}", is_staff=True, first_name="复本编辑")
user.groups.add(Group.objects.get(name="编辑"))
article = Article.objects.filter(issue__number=1).order_by("position").first()
result = {{"pk": article.pk, "url": article.get_absolute_url(), "headline": article.headline}}
"""


@contextmanager
def copy_of(url: str, workdir):
    """A second database holding what the primary holds now: the replica, frozen at this moment."""
    if url.startswith("sqlite:"):
        target = workdir / "replica.sqlite3"
        with sqlite3.connect(urlsplit(url).path) as source, sqlite3.connect(target) as copy:
            source.backup(copy)
        yield f"sqlite:///{target}"
        return
    admin = _pg_conninfo(url)
    name = f"{admin['dbname']}_r{uuid.uuid4().hex[:6]}"
    with psycopg.connect(**admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{admin["dbname"]}"')
    try:
        yield urlsplit(url)._replace(path=f"/{name}").geturl()
    finally:
        with psycopg.connect(**admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def execute(url: str, sql: str, params: tuple = ()) -> list[tuple]:
    """One statement straight into a database, as replication would apply it."""
    if url.startswith("sqlite:"):
        with sqlite3.connect(urlsplit(url).path) as conn:
            return conn.execute(sql.replace("%s", "?"), params).fetchall()
    with psycopg.connect(**_pg_conninfo(url), autocommit=True) as conn:
        cursor = conn.execute(sql, params)
        return cursor.fetchall() if cursor.description else []


def replicate_headline(url: str, pk: int, headline: str) -> None:
    """A new headline arriving on the replica as replication applies a save: the whole row,
    the card's stored HTML (which list pages show) included."""
    (old, card_html), = execute(url, "SELECT headline, card_html FROM articles_article WHERE id = %s", (pk,))
    card_html = card_html if isinstance(card_html, dict) else json.loads(card_html)
    card_html["link"] = card_html["link"].replace(f">{old}<", f">{headline}<")
    cast = "" if url.startswith("sqlite:") else "::jsonb"
    execute(url, f"UPDATE articles_article SET headline = %s, card_html = %s{cast} WHERE id = %s",
            (headline, json.dumps(card_html), pk))


@pytest.fixture(scope="module")
def replicated(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("replica")
    with fresh_database(workdir) as url:
        env = seeded_site_env(url)
        article = orm(env, SETUP)
        with copy_of(url, workdir) as replica_url:
            env = {**env, "DATABASE_REPLICA_URL": replica_url}
            with gunicorn(env, workers=2, log=workdir / "gunicorn.log") as base:
                yield {"base": base, "env": env, "primary": url, "replica": replica_url, "article": article}


def headline_shown(page: str, *candidates: str) -> list[str]:
    return [text for text in candidates if text in page]


class TestServedWithAReplica:
    """In order: the replica differs from the primary in one headline, then lags, then catches up."""

    def test_an_anonymous_reader_is_served_from_the_replica(self, replicated):
        article = replicated["article"]
        replicate_headline(replicated["replica"], article["pk"], "副本里的标题")
        page = Browser(replicated["base"]).get(article["url"])
        assert page.status == 200
        assert headline_shown(page.body, "副本里的标题", article["headline"]) == ["副本里的标题"]

    def test_a_signed_in_editor_is_served_from_the_primary(self, replicated):
        article = replicated["article"]
        browser = Browser(replicated["base"])
        browser.log_in("editor_r", PASSWORD)
        page = browser.get(article["url"])
        assert page.status == 200
        assert headline_shown(page.body, "副本里的标题", article["headline"]) == [article["headline"]]

    def test_a_replica_behind_the_primary_version_is_not_read(self, replicated):
        """An edit on the primary moves its version on; the replica has not replayed it."""
        article = replicated["article"]
        browser = Browser(replicated["base"])
        browser.log_in("editor_r", PASSWORD)
        path = f"/admin/articles/article/{article['pk']}/change/"
        form = read_form(browser.get(path).body, form_id="article_form")
        assert browser.post(path, set_field(form, "headline", "主库里的新标题")).status == 302
        reader = Browser(replicated["base"])
        # The new headline gave the article a new slug, which only the primary knows.
        moved = reader.get(article["url"])
        assert (moved.status, moved.location) == (301, f"/articles/{article['pk']}/zhu-ku-li-de-xin-biao-ti/")
        page = reader.get(moved.location)
        assert page.status == 200
        assert headline_shown(page.body, "副本里的标题", "主库里的新标题") == ["主库里的新标题"]

    def test_a_replica_that_has_caught_up_is_read_again(self, replicated):
        primary = orm(replicated["env"], "from newsroom.freshness import current\nresult = current().number")
        execute(replicated["replica"], f"UPDATE newsroom_contentversion SET number = {primary}")
        # The home page, not yet asked for under this version, lists the article's headline.
        page = Browser(replicated["base"]).get("/")
        assert page.status == 200
        assert headline_shown(page.body, "副本里的标题", "主库里的新标题") == ["副本里的标题"]
