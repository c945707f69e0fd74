"""bench/mail.py runs end to end on a small list, so that the benchmark cannot rot."""
import os
import subprocess

from tests.realserver import PYTHON, ROOT


def test_bench_sends_to_every_subscriber_once_and_reports_the_rate():
    env = {**os.environ}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    done = subprocess.run([PYTHON, "bench/mail.py", "--subscribers", "50", "--batch", "20", "--connections", "2"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert ("deliveries: {'queued': 0, 'sending': 0, 'sent': 50, 'failed': 0, 'unknown': 0, 'skipped': 0, "
            "'total': 50}") in lines
    header = ("| engine | subscribers | batch | connections | queueing | sending | messages/s | hello-world/s "
              "| hello-worlds per message |")
    row = lines[lines.index(header) + 1]
    engine = "postgresql" if os.environ.get("DATABASE_URL", "").startswith("postgres") else "sqlite"
    assert row.startswith(f"| {engine} | 50 | 20 | 2 | ")
