"""bench/print.py runs end to end on a tiny issue, so that the benchmark cannot rot."""
import os
import re
import subprocess

from tests.realserver import PYTHON, ROOT


def test_bench_prints_both_issues_and_reports_time_and_memory():
    env = {**os.environ}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    done = subprocess.run([PYTHON, "bench/print.py", "--articles", "2", "--photos", "1", "--runs", "1"], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    header = ("| engine | issue | pages | PDF | total | layout and PDF | drawing the pages | peak RSS "
              "| hello-world/s | hello-worlds per edition |")
    engine = "postgresql" if os.environ.get("DATABASE_URL", "").startswith("postgres") else "sqlite"
    seed, big = lines[lines.index(header) + 1:lines.index(header) + 3]
    assert re.fullmatch(rf"\| {engine} \| seed \| 2 \| [\d,]+ KB \| [\d.]+ s \| [\d.]+ s \| [\d.]+ s \| \d+ MB \| [\d,]+ \| [\d,]+ \|",
                        seed), seed
    assert big.startswith(f"| {engine} | 2 articles | ")
    assert any(line.startswith("baseline (Django started, issue loaded): ") for line in lines)
