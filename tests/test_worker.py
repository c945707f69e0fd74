"""The background worker as an operator runs it: `manage.py db_worker` and `manage.py serve`
(what `make run` starts) as real processes against a fresh database of the suite's engine."""
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from tests.realserver import (
    PYTHON,
    ROOT,
    Browser,
    collected_static,
    free_port,
    fresh_database,
    manage,
    orm,
    seeded_site_env,
)

SEARCH = """
from articles.models import Article
from articles.search.engine import search
from articles.search.tokenize import parse_query
def found(q):
    return list(search(Article.objects.published(), parse_query(q)).ids)
"""

VERSION = "from newsroom import freshness\nversion = freshness.current().number\n"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """A migrated database holding the seed as published issue 1, and the environment to reach it."""
    workdir = tmp_path_factory.mktemp("worker")
    with fresh_database(workdir) as url:
        env = seeded_site_env(url)
        # The seed's publication queued its print edition: the worker makes it first, so each
        # test starts from an empty queue.
        run_worker(env)
        assert orm(env, "from newsroom.editions.models import PrintEdition\nresult = PrintEdition.objects.get().status") == "ready"
        yield env


def run_worker(env) -> subprocess.CompletedProcess:
    """The worker until the queue is empty (--batch), then it exits."""
    done = manage(env, "db_worker", "--batch", "--no-reload", "--no-startup-delay", timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    return done


def enqueue(env, call: str) -> str:
    return orm(env, f"from newsroom import tasks\nresult = tasks.{call}.id")


def task_row(env, task_id: str) -> dict:
    return orm(env, f"""
from django_tasks_db.models import DBTaskResult
row = DBTaskResult.objects.get(pk="{task_id}")
result = {{"status": row.status, "return_value": row.return_value,
          "exception": row.exception_class_path, "traceback": row.traceback}}
""")


class TestDbWorker:
    def test_worker_reindexes_and_moves_the_version_on(self, site):
        """A queued re-index runs on the worker: the article is found again, and pages are fresh."""
        before = orm(site, SEARCH + VERSION + """
feature = Article.objects.get(headline__startswith="国家高新区")
indexed = found("坐诊")
Article.objects.filter(pk=feature.pk).update(search_text="")
result = {"pk": feature.pk, "indexed": indexed, "blanked": found("坐诊"), "version": version}
""")
        assert (before["indexed"], before["blanked"]) == ([before["pk"]], [])
        task_id = enqueue(site, f"reindex_articles.enqueue([{before['pk']}])")
        run_worker(site)
        assert task_row(site, task_id) == {
            "status": "SUCCESSFUL", "return_value": 1, "exception": "", "traceback": "",
        }
        after = orm(site, SEARCH + VERSION + 'result = {"found": found("坐诊"), "version": version}')
        assert after["found"] == [before["pk"]]
        assert after["version"] == before["version"] + 1

    def test_failing_task_is_recorded_with_its_error(self, site):
        """A task that raises is stored as failed, with the exception and its traceback, and the worker goes on."""
        failing = enqueue(site, 'reindex_articles.enqueue(["x"])')
        following = enqueue(site, "rebuild_search_index.enqueue()")
        run_worker(site)
        failed = task_row(site, failing)
        assert (failed["status"], failed["return_value"], failed["exception"]) == ("FAILED", None, "builtins.ValueError")
        assert failed["traceback"].endswith("ValueError: Field 'id' expected a number but got 'x'.\n")
        assert task_row(site, following)["status"] == "SUCCESSFUL"


# --- manage.py serve: gunicorn and the worker as one command.


def children(pid: int) -> list[int]:
    return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]


def command_line(pid: int) -> str:
    return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()


def is_running(pid: int) -> bool:
    # A zombie has not been reaped by its parent yet; it no longer runs.
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


@pytest.fixture
def served(site, tmp_path):
    """`manage.py serve` as `make run` starts it, answering on a free port; yields (process, base URL, log)."""
    port = free_port()
    env = {**site, "DJANGO_STATIC_ROOT": collected_static(), "PORT": str(port), "GUNICORN_WORKERS": "1"}
    log = tmp_path / "serve.log"
    with log.open("w") as out:
        process = subprocess.Popen([PYTHON, "manage.py", "serve"], cwd=ROOT, env=env, stdout=out, stderr=out)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):
            assert process.poll() is None, log.read_text()
            try:
                if Browser(base).get("/healthz").status == 200:
                    break
            except OSError:
                time.sleep(0.1)
        yield process, base, log
    finally:
        if process.poll() is None:
            process.terminate()
            process.wait(timeout=60)


class TestServe:
    def test_serves_the_site_with_the_worker_and_the_scheduler_beside_it(self, served):
        process, base, _ = served
        assert Browser(base).get("/").status == 200
        commands = sorted(command_line(pid) for pid in children(process.pid))
        assert commands == [
            f"{PYTHON} -m gunicorn --config {ROOT}/newsroom/gunicorn.conf.py ",
            f"{PYTHON} {ROOT}/manage.py db_worker --no-reload ",
            f"{PYTHON} {ROOT}/manage.py mail_scheduler ",
        ]

    def test_ctrl_c_stops_all_three_and_exits_cleanly(self, served):
        """`make run`'s Ctrl-C: the terminal sends SIGINT to the supervisor alone (the children
        have process groups of their own), which stops each child once."""
        process, _, log = served
        started = children(process.pid)
        assert len(started) == 3
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=60) == 0, log.read_text()
        assert [pid for pid in started if is_running(pid)] == []

    def test_sigterm_stops_both_and_exits_cleanly(self, served):
        process, _, log = served
        started = children(process.pid)
        [gunicorn] = [pid for pid in started if "gunicorn" in command_line(pid)]
        gunicorn_workers = children(gunicorn)
        assert len(gunicorn_workers) == 1
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=60) == 0, log.read_text()
        assert [pid for pid in started + gunicorn_workers if is_running(pid)] == []

    def test_a_worker_that_dies_takes_the_site_down_with_it(self, served):
        """The site never runs without its worker: the supervisor stops gunicorn and exits non-zero."""
        process, base, log = served
        [gunicorn] = [pid for pid in children(process.pid) if "gunicorn" in command_line(pid)]
        [worker] = [pid for pid in children(process.pid) if "db_worker" in command_line(pid)]
        os.kill(worker, signal.SIGKILL)
        assert process.wait(timeout=60) == 128 + signal.SIGKILL, log.read_text()
        assert not is_running(gunicorn)
        assert "worker exited with code -9; stopping the others" in log.read_text()
        with pytest.raises(OSError):
            Browser(base).get("/healthz")

    def test_killing_the_supervisor_stops_both(self, served):
        """Even a kill -9, which leaves no chance to pass anything on, leaves nothing running."""
        process, _, _ = served
        started = children(process.pid)
        process.kill()
        process.wait()
        for _ in range(600):
            if not any(is_running(pid) for pid in started):
                break
            time.sleep(0.1)
        assert [pid for pid in started if is_running(pid)] == []
