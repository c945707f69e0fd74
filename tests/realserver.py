"""The project as an operator runs it, for tests with real concurrent clients.

A fresh database of the engine the suite runs on (a SQLite file, or a new PostgreSQL
database on the server that DATABASE_URL names), `manage.py` commands against it, and
gunicorn started with the same config file as `make run`, DEBUG off. Clients are plain
HTTP with their own cookies, like separate browsers.
"""
import atexit
import http.client
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from contextlib import contextmanager
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import dj_database_url

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
GUNICORN = str(Path(sys.executable).with_name("gunicorn"))


# --- databases ---------------------------------------------------------------------------


@contextmanager
def fresh_database(workdir: Path):
    """A DATABASE_URL for an empty database of the suite's engine, dropped afterwards."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        yield f"sqlite:///{workdir / 'site.sqlite3'}"
        return
    import psycopg

    name = f"newsroom_race_{uuid.uuid4().hex[:10]}"
    admin = _pg_conninfo(url)
    with psycopg.connect(**admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    parts = urlsplit(url)
    try:
        yield parts._replace(path=f"/{name}").geturl()
    finally:
        with psycopg.connect(**admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _pg_conninfo(url: str) -> dict:
    config = dj_database_url.parse(url)
    return {
        "host": config["HOST"], "port": config["PORT"] or 5432, "user": config["USER"],
        "password": config["PASSWORD"], "dbname": config["NAME"],
    }


def site_env(database_url: str, **extra) -> dict:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": "real-server-tests-" + "x" * 40,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    # The processes' own media folder (under the suite's TMPDIR), unless the test names one:
    # a worker they start makes files (the seed's print edition), never in the project's media/.
    env["DJANGO_MEDIA_ROOT"] = tempfile.mkdtemp(prefix="media-")
    env.update(extra)
    return env


def seeded_site_env(database_url: str, **extra) -> dict:
    """site_env() for a database that is migrated and holds the seed as published issue 1."""
    env = site_env(database_url, **extra)
    for args in (("migrate", "--noinput", "-v0"), ("import_issue", "seeds/", "--number", "1", "--publish")):
        done = manage(env, *args)
        assert done.returncode == 0, done.stderr
    return env


def manage(env: dict, *args: str, timeout: float = 600) -> subprocess.CompletedProcess:
    return subprocess.run(
        [PYTHON, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout
    )


def orm(env: dict, code: str):
    """Run `code` in `manage.py shell` against the served database; it sets `result`, returned as JSON."""
    script = f"import json\nresult = None\n{code}\nprint('@@' + json.dumps(result, ensure_ascii=False))"
    done = manage(env, "shell", "--no-imports", "-c", script)
    assert done.returncode == 0, done.stderr
    [line] = [x for x in done.stdout.splitlines() if x.startswith("@@")]
    return json.loads(line[2:])


# --- gunicorn ----------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


_collected_static: list[str] = []


def collected_static() -> str:
    """A STATIC_ROOT filled by collectstatic (hashed and compressed files), once per test run."""
    if not _collected_static:
        root = tempfile.mkdtemp(prefix="static-")
        atexit.register(shutil.rmtree, root, ignore_errors=True)
        env = {**os.environ, "DJANGO_STATIC_ROOT": root}
        env.pop("DJANGO_SETTINGS_MODULE", None)
        done = manage(env, "collectstatic", "--noinput", "--verbosity", "0")
        assert done.returncode == 0, done.stderr
        _collected_static.append(root)
    return _collected_static[0]


@contextmanager
def gunicorn(env: dict, *, workers: int = 4, log: Path):
    """gunicorn as `make run` starts it (newsroom/gunicorn.conf.py, static files collected), until the block ends."""
    port = free_port()
    env = {"DJANGO_STATIC_ROOT": collected_static(), **env, "PORT": str(port), "GUNICORN_WORKERS": str(workers)}
    with log.open("w") as out:
        process = subprocess.Popen(
            [GUNICORN, "--config", "newsroom/gunicorn.conf.py"], cwd=ROOT, env=env, stdout=out, stderr=out
        )
        try:
            base = f"http://127.0.0.1:{port}"
            _wait_until_up(base, process, log)
            yield base
        finally:
            process.terminate()
            process.wait(timeout=30)


def _wait_until_up(base: str, process, log: Path) -> None:
    for _ in range(300):
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited: {log.read_text()[-2000:]}")
        try:
            if Browser(base).get("/healthz").status == 200:
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise RuntimeError("gunicorn did not answer /healthz within 30 s")


# --- clients -----------------------------------------------------------------------------


class Response:
    def __init__(self, status: int, headers: dict, body: str):
        self.status, self.headers, self.body = status, headers, body

    @property
    def location(self) -> str:
        return self.headers.get("location", "")


class Browser:
    """One user agent: its own cookies, no redirects followed, nothing shared with others."""

    def __init__(self, base: str):
        parts = urlsplit(base)
        self.host, self.port = parts.hostname, parts.port
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, fields: list[tuple[str, str]] | None = None) -> Response:
        if fields is None:
            return self._send(method, path, None, None)
        return self._send(method, path, urlencode(fields).encode(), "application/x-www-form-urlencoded")

    def _send(self, method: str, path: str, body: bytes | None, content_type: str | None) -> Response:
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        if content_type:
            headers["Content-Type"] = content_type
        conn = http.client.HTTPConnection(self.host, self.port, timeout=300)
        try:
            conn.request(method, path, body=body, headers=headers)
            raw = conn.getresponse()
            response = Response(raw.status, {k.lower(): v for k, v in raw.getheaders()}, raw.read().decode())
        finally:
            conn.close()
        for header, value in raw.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name] = rest.split(";", 1)[0]
        return response

    def get(self, path: str) -> Response:
        return self.request("GET", path)

    def post(self, path: str, fields: list[tuple[str, str]]) -> Response:
        return self.request("POST", path, fields)

    def log_in(self, username: str, password: str) -> None:
        form = read_form(self.get("/admin/login/").body, form_id="login-form")
        form = set_field(form, "username", username)
        form = set_field(form, "password", password)
        response = self.post("/admin/login/?next=/admin/", form)
        assert response.status == 302, f"login of {username} answered {response.status}"


class _FormReader(HTMLParser):
    """The fields one form would submit, as a browser would: inputs, checked boxes, textareas, selections."""

    def __init__(self, form_id: str):
        super().__init__(convert_charrefs=True)
        self.form_id, self.inside, self.fields = form_id, False, []
        self._textarea: str | None = None
        self._text: list[str] = []
        self._select: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.inside = a.get("id") == self.form_id
        if not self.inside or "name" not in a and tag != "option":
            return
        if tag == "input" and a.get("type") not in {"submit", "button", "file", "image"}:
            if a.get("type") not in {"checkbox", "radio"} or "checked" in a:
                self.fields.append((a["name"], a.get("value", "on" if a.get("type") == "checkbox" else "")))
        elif tag == "textarea":
            self._textarea, self._text = a["name"], []
        elif tag == "select":
            self._select = a["name"]
        elif tag == "option" and self._select and "selected" in a:
            self.fields.append((self._select, a.get("value", "")))

    def handle_data(self, data):
        if self._textarea is not None:
            self._text.append(data)

    def handle_endtag(self, tag):
        if tag == "textarea" and self._textarea is not None:
            # A browser drops the one newline that follows <textarea>.
            self.fields.append((self._textarea, "".join(self._text).removeprefix("\n")))
            self._textarea = None
        elif tag == "select":
            self._select = None
        elif tag == "form":
            self.inside = False


def read_form(html: str, *, form_id: str) -> list[tuple[str, str]]:
    reader = _FormReader(form_id)
    reader.feed(html)
    assert reader.fields, f"no form #{form_id} in the page"
    return reader.fields


def field(form: list[tuple[str, str]], name: str) -> str:
    [value] = [v for k, v in form if k == name]
    return value


def set_field(form: list[tuple[str, str]], name: str, value: str) -> list[tuple[str, str]]:
    assert any(k == name for k, _ in form), f"no field {name}"
    return [(k, value if k == name else v) for k, v in form]
