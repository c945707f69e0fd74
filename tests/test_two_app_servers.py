"""Scale-out: two app servers share one database and one Redis, and keep no state of their own
(issue 11, point 5).

Two gunicorn processes serve the same database (PostgreSQL when the suite runs on it, one
SQLite file otherwise) with REDIS_URL naming one real redis-server. Readers warm both
servers on every page; an editor then edits, publishes and unpublishes through server A,
and the very next request through server B shows each change.
"""
import re
import socket
import subprocess
import time

import pytest

from tests.realserver import (
    Browser,
    free_port,
    fresh_database,
    gunicorn,
    orm,
    read_form,
    seeded_site_env,
    set_field,
)

PASSWORD = "scale-password-1"
DRAFT = "两台服务器同步测试稿"

SETUP = f"""
from django.contrib.auth.models import Group, User
from articles.models import Article, Byline
from newsroom.models import Issue, Reporter
user = User.objects.create_user("editor_s", password="{PASSWORD}", is_staff=True, first_name="扩容编辑")
user.groups.add(Group.objects.get(name="编辑"))
issue = Issue.objects.get(number=1)
draft = Article.objects.create(headline="{DRAFT}", issue=issue, position=99, body="<p>成都高新区新增企业一千家。</p>")
Byline.objects.create(article=draft, reporter=Reporter.objects.create(name="扩容记者"))
first = Article.objects.filter(issue=issue, status="published").order_by("position").first()
result = {{"draft": draft.pk, "draft_url": draft.get_absolute_url(), "first": first.pk,
           "first_url": first.get_absolute_url(), "first_headline": first.headline}}
"""


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory):
    """A throwaway redis-server on loopback: no persistence, its files in the test's folder."""
    workdir = tmp_path_factory.mktemp("redis")
    port = free_port()
    log = workdir / "redis.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(workdir)],
            stdout=out, stderr=out,
        )
    try:
        wait_for_redis(port, process, log)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait(timeout=30)


def wait_for_redis(port: int, process, log) -> None:
    for _ in range(300):
        if process.poll() is not None:
            raise RuntimeError(f"redis-server exited: {log.read_text()[-2000:]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as conn:
                conn.sendall(b"PING\r\n")
                if conn.recv(16) == b"+PONG\r\n":
                    return
        except OSError:
            pass
        time.sleep(0.1)
    raise RuntimeError("redis-server did not answer PING within 30 s")


@pytest.fixture(scope="module")
def servers(tmp_path_factory, redis_url):
    workdir = tmp_path_factory.mktemp("scale-out")
    with fresh_database(workdir) as url:
        env = seeded_site_env(url, REDIS_URL=redis_url)
        ids = orm(env, SETUP)
        with gunicorn(env, workers=2, log=workdir / "a.log") as a, gunicorn(env, workers=2, log=workdir / "b.log") as b:
            yield {"a": a, "b": b, **ids}


def warm(servers, *paths: str) -> dict[str, int]:
    """Every path read twice through each server, as a crowd of readers would."""
    statuses = {}
    for base in (servers["a"], servers["b"]):
        reader = Browser(base)
        for path in paths * 2:
            statuses[path] = reader.get(path).status
    return statuses


def save_through(base: str, pk: int, **changes: str) -> None:
    editor = Browser(base)
    editor.log_in("editor_s", PASSWORD)
    path = f"/admin/articles/article/{pk}/change/"
    form = read_form(editor.get(path).body, form_id="article_form")
    for name, value in changes.items():
        form = set_field(form, name, value)
    response = editor.post(path, form)
    assert response.status == 302, re.findall(r'class="errorlist[^"]*"[^>]*>(.*?)</ul>', response.body)


def read_through(base: str, path: str):
    return Browser(base).get(path)


class TestTwoAppServers:
    """In order: an edit, a publication and an unpublication through A, each read through B."""

    def test_an_edit_through_one_server_is_read_at_once_through_the_other(self, servers):
        assert warm(servers, "/", "/issues/1/", servers["first_url"]) == {
            "/": 200, "/issues/1/": 200, servers["first_url"]: 200,
        }
        save_through(servers["a"], servers["first"], headline="甲服务器改过的标题")
        for path in ("/", "/issues/1/"):
            page = read_through(servers["b"], path)
            assert (page.status, "甲服务器改过的标题" in page.body, servers["first_headline"] in page.body) == (200, True, False)
        moved = read_through(servers["b"], servers["first_url"])
        assert (moved.status, moved.location) == (301, f"/articles/{servers['first']}/jia-fu-wu-qi-gai-guo-de-biao-ti/")

    def test_a_publication_through_one_server_is_read_at_once_through_the_other(self, servers):
        assert warm(servers, "/issues/1/", servers["draft_url"]) == {"/issues/1/": 200, servers["draft_url"]: 404}
        save_through(servers["a"], servers["draft"], status="published")
        page = read_through(servers["b"], servers["draft_url"])
        assert (page.status, DRAFT in page.body) == (200, True)
        assert DRAFT in read_through(servers["b"], "/issues/1/").body

    def test_an_unpublication_through_one_server_is_read_at_once_through_the_other(self, servers):
        assert warm(servers, "/issues/1/", servers["draft_url"]) == {"/issues/1/": 200, servers["draft_url"]: 200}
        save_through(servers["a"], servers["draft"], status="draft")
        assert read_through(servers["b"], servers["draft_url"]).status == 404
        page = read_through(servers["b"], "/issues/1/")
        assert (page.status, DRAFT in page.body) == (200, False)
