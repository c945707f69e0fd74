"""Production serving under gunicorn: hashed, compressed static files cached for ten years, and
a server that writes nothing outside the project folder (issue 11, point 4)."""
import gzip
import hashlib
import http.client
import os
import re
import runpy
from pathlib import Path
from urllib.parse import urlsplit

import brotli
import pytest

from tests.realserver import ROOT, fresh_database, gunicorn, manage, site_env

CONFIG = ROOT / "newsroom" / "gunicorn.conf.py"
SITE_CSS = (ROOT / "static" / "css" / "site.css").read_bytes()


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """gunicorn on a migrated database, with a HOME of its own to show that nothing lands there."""
    workdir = tmp_path_factory.mktemp("production")
    home = workdir / "home"
    home.mkdir()
    with fresh_database(workdir) as url:
        env = site_env(url, HOME=str(home))
        done = manage(env, "migrate", "--noinput")
        assert done.returncode == 0, done.stderr
        log = workdir / "gunicorn.log"
        with gunicorn(env, workers=2, log=log) as base:
            yield {"base": base, "home": home, "log": log}


def fetch(base: str, path: str, **headers: str) -> tuple[int, dict, bytes]:
    parts = urlsplit(base)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
    try:
        conn.request("GET", path, headers={k.replace("_", "-"): v for k, v in headers.items()})
        response = conn.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        conn.close()


def stylesheet(base: str) -> str:
    status, _, body = fetch(base, "/")
    assert status == 200
    [url] = re.findall(r'<link rel="stylesheet" href="(/static/css/site\.[0-9a-f]{12}\.css)">', body.decode())
    return url


class TestStaticFiles:
    def test_a_page_names_its_stylesheet_by_content_hash(self, served):
        """The home page links site.css by the name collectstatic gave it: MD5 of the content, 12 digits."""
        assert stylesheet(served["base"]) == f"/static/css/site.{hashlib.md5(SITE_CSS).hexdigest()[:12]}.css"

    def test_a_hashed_file_is_cached_for_ten_years(self, served):
        status, headers, body = fetch(served["base"], stylesheet(served["base"]))
        assert (status, headers["cache-control"]) == (200, "max-age=315360000, public, immutable")
        assert "content-encoding" not in headers
        assert body == SITE_CSS

    @pytest.mark.parametrize(("encoding", "decompress"), [("br", brotli.decompress), ("gzip", gzip.decompress)])
    def test_a_compressed_copy_is_served_when_asked(self, served, encoding, decompress):
        url = stylesheet(served["base"])
        _, _, plain = fetch(served["base"], url)
        status, headers, body = fetch(served["base"], url, Accept_Encoding=encoding)
        assert (status, headers["content-encoding"], headers["vary"]) == (200, encoding, "Accept-Encoding")
        assert len(body) < len(plain)
        assert decompress(body) == plain

    def test_an_unhashed_name_is_cached_briefly(self, served):
        """A file asked for by its plain name may change at the next deploy: one minute."""
        status, headers, _ = fetch(served["base"], "/static/css/site.css")
        assert (status, headers["cache-control"]) == (200, "max-age=60, public")


class TestServerProcess:
    def test_requests_are_logged_to_stdout(self, served):
        fetch(served["base"], "/healthz")
        assert re.search(r'"GET /healthz HTTP/1\.1" 200 2 ', served["log"].read_text())

    def test_nothing_is_written_to_the_home_folder(self, served):
        """gunicorn 27 would make ~/.gunicorn for its control socket; the config turns it off."""
        fetch(served["base"], "/")
        assert list(served["home"].iterdir()) == []


class TestGunicornConfig:
    def load(self, monkeypatch, **environ) -> dict:
        for name in ("GUNICORN_WORKERS", "GUNICORN_FORWARDED_ALLOW_IPS", "GUNICORN_MAX_REQUESTS"):
            monkeypatch.delenv(name, raising=False)
        for name, value in environ.items():
            monkeypatch.setenv(name, value)
        return runpy.run_path(str(CONFIG))

    def test_workers_are_two_per_usable_core_plus_one(self, monkeypatch):
        config = self.load(monkeypatch)
        assert config["workers"] == 2 * len(os.sched_getaffinity(0)) + 1

    def test_the_environment_overrides_the_worker_count_and_proxies(self, monkeypatch):
        config = self.load(monkeypatch, GUNICORN_WORKERS="3", GUNICORN_FORWARDED_ALLOW_IPS="10.0.0.5")
        assert (config["workers"], config["forwarded_allow_ips"]) == (3, "10.0.0.5")

    def test_workers_are_recycled_at_staggered_times(self, monkeypatch):
        config = self.load(monkeypatch)
        assert (config["max_requests"], config["max_requests_jitter"]) == (20000, 2000)

    def test_runtime_files_stay_in_the_project_folder(self, monkeypatch):
        config = self.load(monkeypatch)
        assert Path(config["worker_tmp_dir"]) == ROOT / "var" / "tmp"
        assert config["control_socket_disable"] is True
        assert (config["accesslog"], config["errorlog"]) == ("-", "-")
