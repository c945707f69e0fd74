"""newsroom/management/supervisor.py on its own, with plain commands for children."""
import signal
import subprocess

from tests.realserver import PYTHON, ROOT

SUPERVISOR = """
import sys
from newsroom.management.supervisor import supervise
sys.exit(supervise({"sleeper": ["sleep", "30"]}, cwd=".", stop_timeout=10))
"""


def start() -> tuple[subprocess.Popen, int]:
    """A supervisor of one `sleep 30`, which dies of a SIGTERM as a program still starting does."""
    process = subprocess.Popen([PYTHON, "-c", SUPERVISOR], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    line = process.stdout.readline()
    assert line.startswith("sleeper: pid "), line
    return process, int(line.split()[-1])


class TestSupervise:
    def test_a_child_killed_by_the_stop_it_was_sent_stopped_cleanly(self):
        process, _ = start()
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0

    def test_a_child_killed_by_someone_else_is_a_failure(self):
        """Not our SIGTERM: the child exited on its own (128 + 15), and so does the supervisor."""
        process, sleeper = start()
        subprocess.run(["kill", "-TERM", str(sleeper)], check=True)
        assert process.wait(timeout=30) == 128 + signal.SIGTERM
        assert process.stdout.read() == "sleeper exited with code -15; stopping the others\n"
