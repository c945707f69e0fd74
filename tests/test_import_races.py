"""Two real import_issue processes at once, on a real database: clear messages, no duplicate.

Each pair runs against a fresh database: a SQLite file, and also a PostgreSQL database
created and dropped here when the suite runs on PostgreSQL. Both processes set Django up
and connect first, then wait at a barrier; the test releases them together, and each
then runs manage.py import_issue exactly as a shell would.
"""
import os
import sqlite3
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

ROOT = Path(__file__).resolve().parent.parent
ROUNDS = 2  # each pair is raced this many times, each time on a fresh database
FILES = {
    "a.txt": "成都高新区开局\n\n► 刘琴\n\n成都高新区第一段。\n\n成都新项目\n\n► 韩霄鹏\n\n成都高新区第二段。\n",
    "b.txt": "济南高新区开局\n\n► 王芳\n\n济南高新区第一段。\n\n济南新项目\n\n► 李明\n\n济南高新区第二段。\n",
}
HEADLINES = {"a.txt": ["成都高新区开局", "成都新项目"], "b.txt": ["济南高新区开局", "济南新项目"]}
# Runs manage.py after a barrier: the slow part (starting Python and Django, connecting)
# is done by the time the parent releases both processes.
BARRIER_RUNNER = """
import os, runpy, sys
import django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")
django.setup()
from django.db import connection
connection.ensure_connection()
print("ready", flush=True)
sys.stdin.readline()
sys.argv = ["manage.py", "import_issue", *sys.argv[1:]]
runpy.run_path("manage.py", run_name="__main__")
"""
POSTGRES = urlsplit(os.environ.get("DATABASE_URL", "")).scheme in {"postgres", "postgresql"}


@dataclass
class Run:
    code: int
    out: str
    err: str


def manage(database_url: str, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": database_url, "DJANGO_SETTINGS_MODULE": "newsroom.settings"}
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, check=True)


def race(database_url: str, first: list[str], second: list[str]) -> tuple[Run, Run]:
    env = {**os.environ, "DATABASE_URL": database_url, "DJANGO_SETTINGS_MODULE": "newsroom.settings"}
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", BARRIER_RUNNER, *args], cwd=ROOT, env=env, text=True,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        )
        for args in (first, second)
    ]
    for process in processes:
        assert process.stdout.readline() == "ready\n", process.stderr.read()
    for process in processes:
        process.stdin.write("go\n")
        process.stdin.flush()
    runs = []
    for process in processes:
        out, err = process.communicate(timeout=120)
        runs.append(Run(process.returncode, out, err))
    return runs[0], runs[1]


# --- databases: a migrated template, copied for each pair ------------------------------


class SQLiteDatabases:
    def __init__(self, folder: Path):
        self.folder, self.count = folder, 0
        self.template = folder / "template.sqlite3"
        manage(f"sqlite:///{self.template}", "migrate", "--noinput", "-v0")

    def fresh(self) -> str:
        self.count += 1
        path = self.folder / f"race{self.count}.sqlite3"
        with sqlite3.connect(self.template) as source, sqlite3.connect(path) as target:
            source.backup(target)
        return f"sqlite:///{path}"

    def rows(self, url: str, sql: str) -> list[tuple]:
        with sqlite3.connect(urlsplit(url).path) as connection:
            return connection.execute(sql).fetchall()

    def close(self) -> None:
        pass


class PostgresDatabases:
    def __init__(self):
        import psycopg

        self.psycopg, self.url, self.created = psycopg, urlsplit(os.environ["DATABASE_URL"]), []
        self.template = f"newsroom_races_{os.getpid()}_template"
        self.execute(f'CREATE DATABASE "{self.template}"')
        self.created.append(self.template)
        manage(self.url_of(self.template), "migrate", "--noinput", "-v0")

    def url_of(self, name: str) -> str:
        return urlunsplit(self.url._replace(path=f"/{name}"))

    def execute(self, sql: str) -> None:
        with self.psycopg.connect(urlunsplit(self.url), autocommit=True) as connection:
            connection.execute(sql)

    def fresh(self) -> str:
        name = f"newsroom_races_{os.getpid()}_{len(self.created)}"
        self.execute(f'CREATE DATABASE "{name}" TEMPLATE "{self.template}"')
        self.created.append(name)
        return self.url_of(name)

    def rows(self, url: str, sql: str) -> list[tuple]:
        with self.psycopg.connect(url) as connection:
            return connection.execute(sql).fetchall()

    def close(self) -> None:
        for name in reversed(self.created):
            self.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="module", params=["sqlite", "postgresql"] if POSTGRES else ["sqlite"])
def databases(request, tmp_path_factory):
    if request.param == "sqlite":
        dbs = SQLiteDatabases(tmp_path_factory.mktemp("races"))
    else:
        dbs = PostgresDatabases()
    yield dbs
    dbs.close()


@pytest.fixture
def files(tmp_path) -> dict[str, str]:
    for name, text in FILES.items():
        (tmp_path / name).write_text(text)
    return {name: str(tmp_path / name) for name in FILES}


def issues(dbs, url) -> list[tuple]:
    return dbs.rows(url, "SELECT number, source_name FROM newsroom_issue ORDER BY number")


def articles(dbs, url) -> list[tuple]:
    return dbs.rows(
        url,
        "SELECT i.number, a.position, a.headline FROM articles_article a "
        "JOIN newsroom_issue i ON i.id = a.issue_id ORDER BY i.number, a.position",
    )


def articles_of(issue_rows: list[tuple]) -> list[tuple]:
    return [(number, k, headline) for number, name in issue_rows for k, headline in enumerate(HEADLINES[name], 1)]


def assert_clean(run: Run) -> None:
    """Success says nothing on stderr; a refusal is one line, the command's error."""
    assert "Traceback" not in run.err
    if run.code == 0:
        assert run.err == ""
    else:
        assert run.code == 1 and len(run.err.splitlines()) == 1, run.err


def winner_and_loser(runs: tuple[Run, Run]) -> tuple[int, Run]:
    codes = [r.code for r in runs]
    assert sorted(codes) == [0, 1], [r.err for r in runs]
    return codes.index(0), runs[codes.index(1)]


class TestConcurrentImports:
    def test_two_files_without_a_number_get_two_numbers(self, databases, files):
        for _round in range(ROUNDS):
            url = databases.fresh()
            runs = race(url, [files["a.txt"]], [files["b.txt"]])
            for run in runs:
                assert_clean(run)
                assert run.code == 0
            rows = issues(databases, url)
            assert [n for n, _ in rows] == [1, 2] and sorted(name for _, name in rows) == ["a.txt", "b.txt"]
            assert articles(databases, url) == articles_of(rows)

    def test_the_same_file_twice_is_one_issue(self, databases, files):
        for _round in range(ROUNDS):
            url = databases.fresh()
            runs = race(url, [files["a.txt"]], [files["a.txt"]])
            for run in runs:
                assert_clean(run)
                assert run.code == 0
            assert sorted("新建 2 篇" in r.out for r in runs) == [False, True]
            assert sorted("未变 2 篇" in r.out for r in runs) == [False, True]
            assert issues(databases, url) == [(1, "a.txt")]
            assert articles(databases, url) == articles_of([(1, "a.txt")])

    def test_two_files_for_the_same_number(self, databases, files):
        for _round in range(ROUNDS):
            url = databases.fresh()
            runs = race(url, [files["a.txt"], "--number", "7"], [files["b.txt"], "--number", "7"])
            for run in runs:
                assert_clean(run)
            winner, loser = winner_and_loser(runs)
            name, other = ("a.txt", "b.txt") if winner == 0 else ("b.txt", "a.txt")
            assert loser.err == f"CommandError: {other}：第 7 期已由 {name} 导入；要用这个文件替换它，请加 --force。\n"
            assert issues(databases, url) == [(7, name)]
            assert articles(databases, url) == articles_of([(7, name)])

    def test_the_same_file_under_two_numbers(self, databases, files):
        for _round in range(ROUNDS):
            url = databases.fresh()
            runs = race(url, [files["a.txt"], "--number", "7"], [files["a.txt"], "--number", "8"])
            for run in runs:
                assert_clean(run)
            winner, loser = winner_and_loser(runs)
            number = 7 if winner == 0 else 8
            assert loser.err == (
                f"CommandError: a.txt：内容与第 {number} 期（a.txt）相同，未导入；确实要再导入一份，请加 --allow-duplicate。\n"
            )
            assert issues(databases, url) == [(number, "a.txt")]
            assert articles(databases, url) == articles_of([(number, "a.txt")])
