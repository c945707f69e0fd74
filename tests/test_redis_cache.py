"""The page cache on a real Redis (Debian's redis-server), as several app servers share it.

No skip when redis-server is missing: .ci/run installs it, and locally it is one apt-get away.
"""
import socket
import subprocess
import time

import pytest
import redis
from django.core.cache.backends.redis import RedisCache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from newsroom import freshness, page_cache


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def redis_url(tmp_path):
    port = free_port()
    server = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
         "--dir", str(tmp_path)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    client = redis.Redis(port=port)
    for _ in range(200):  # up to about 10 s for the server to accept connections
        try:
            client.ping()
            break
        except redis.ConnectionError:
            time.sleep(0.05)
    else:
        server.kill()
        pytest.fail("redis-server did not start")
    yield f"redis://127.0.0.1:{port}/0"
    server.terminate()
    server.wait(timeout=10)


@pytest.fixture
def redis_settings(settings, redis_url):
    """The settings an app server has with REDIS_URL set (newsroom/settings.py)."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": redis_url,
            "KEY_PREFIX": "newsroom",
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
    return settings


def another_server(redis_url) -> RedisCache:
    """The cache client of a second app server: its own connection to the same Redis."""
    return RedisCache(redis_url, {"KEY_PREFIX": "newsroom"})


def read(url="/"):
    with CaptureQueriesContext(connection) as queries:
        response = Client().get(url)
    return response, len(queries)


class TestTwoClients:
    def test_two_cache_clients_see_the_same_entries(self, redis_url):
        first, second = another_server(redis_url), another_server(redis_url)
        first.set("page:probe", (b"<p>\xe9\xa1\xb5</p>", (("Content-Type", "text/html"),)))
        assert second.get("page:probe") == (b"<p>\xe9\xa1\xb5</p>", (("Content-Type", "text/html"),))


@pytest.mark.django_db
class TestPagesInRedis:
    def test_a_page_rendered_by_one_server_is_served_to_the_other(self, redis_settings, redis_url, make_article):
        make_article("共享缓存的文章")
        rendered, _ = read()
        key = page_cache.cache_key(rendered.wsgi_request, page_cache.Validators.of(freshness.current()))
        assert another_server(redis_url).get(key)[0] == rendered.content
        served, queries = read()
        assert (served.status_code, queries, served.content) == (200, 1, rendered.content)

    def test_a_bump_makes_every_server_render_again(self, redis_settings, make_article):
        article = make_article("改版前的标题")
        read()
        article.headline = "改版后的标题"
        article.save()
        freshness.bump()  # what the commit of that save does outside a test's transaction
        response, queries = read()
        assert queries > 1
        assert "改版后的标题" in response.content.decode()
        assert "改版前的标题" not in response.content.decode()

    def test_pages_are_served_while_redis_is_down(self, redis_settings, redis_url, make_article):
        make_article("缓存停机时的文章")
        port = int(redis_url.rsplit(":", 1)[1].split("/")[0])
        redis.Redis(port=port).shutdown(nosave=True)
        response, _ = read()
        assert response.status_code == 200
        assert "缓存停机时的文章" in response.content.decode()
