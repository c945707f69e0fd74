"""Bulk import benchmark: back issues through `manage.py import_issue`, 10,000 articles at a time.

Not a test: it prints figures for docs/benchmarks.md. Usage (from the project folder):

    .venv/bin/python bench/import.py --articles 10000
    .venv/bin/python bench/import.py --articles 100000
    DATABASE_URL=postgres://…/newsroom_bench .venv/bin/python bench/import.py --articles 100000

It writes N synthetic articles as issue text files (docs/issue-format.md), 50 articles a
file, under var/bench/import-files/, one folder per block of 10,000. Each block is then
imported by the real command (`manage.py import_issue <folder> --publish`, a process of
its own) into one fresh database, block after block, so each block's rate is measured
on a database that already holds the blocks before it: the rate must not fall as the
archive grows. Peak memory is the largest resident set of the import processes.

Without DATABASE_URL it uses a fresh SQLite file (--sqlite-path). A PostgreSQL database
given by DATABASE_URL must be empty (migrated or not); it is migrated first.
"""
import argparse
import os
import platform
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BLOCK = 10_000
PER_FILE = 50
ZONES = ["成都高新区", "济南高新区", "武汉东湖高新区", "西安高新区", "苏州工业园区", "中关村科技园区"]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "明华建国立新志强伟芳秀英敏静丽军平刚"


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=BLOCK, help="how many articles in all (a multiple of 10,000)")
    parser.add_argument("--sqlite-path", default=str(ROOT / "var" / "bench" / "bulk-import.sqlite3"))
    parser.add_argument("--files-dir", default=str(ROOT / "var" / "bench" / "import-files"))
    parser.add_argument("--no-publish", action="store_true", help="import as drafts instead of publishing")
    return parser.parse_args()


def reporter_name(k: int) -> str:
    # 20 × 18 × 18 names, as many as a large newsroom's archive of contributors.
    return SURNAMES[k % 20] + GIVEN[(k // 20) % 18] + GIVEN[(k // 360) % 18]


def article_text(a: int) -> str:
    zone, other = ZONES[a % len(ZONES)], ZONES[(a + 3) % len(ZONES)]
    lines = [
        f"{zone}第{a + 1}项新举措落地",
        f"► 记者 {reporter_name(a % 6000)} 通讯员 {reporter_name((a * 7 + 1) % 6000)}",
        f"本报讯 {zone}今年以来新增科技型企业{a % 900 + 100}家，同比增长百分之{a % 30 + 5}，带动就业超过三千人。",
        f"{zone}管委会负责人介绍，园区围绕集成电路、生物医药和新能源三条主线，引进重点项目{a % 40 + 10}个。",
        f"与{other}相比，{zone}在研发投入强度上高出{a % 3 + 1}个百分点，企业研发费用加计扣除政策惠及{a % 500}家企业。",
        "下一步，园区将继续优化营商环境，推动科技成果就地转化，加快培育新质生产力。",
    ]
    return "\n\n".join(lines) + "\n\n"


def write_files(directory: Path, first: int, count: int) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    for start in range(first, first + count, PER_FILE):
        text = "".join(article_text(a) for a in range(start, start + PER_FILE))
        (directory / f"issue-{start // PER_FILE + 1:05d}.txt").write_text(text, encoding="utf-8")


def environment(args) -> dict:
    env = dict(os.environ, PYTHONPATH=str(ROOT), DJANGO_SETTINGS_MODULE="newsroom.settings")
    env.setdefault("DATABASE_URL", f"sqlite:///{args.sqlite_path}")
    env["NEWSROOM_REVIEW_STAGES"] = "0"  # back issues were reviewed before they were printed
    return env


def fresh_database(args, env) -> str:
    if env["DATABASE_URL"] == f"sqlite:///{args.sqlite_path}":
        Path(args.sqlite_path).parent.mkdir(parents=True, exist_ok=True)
        for suffix in ("", "-wal", "-shm"):
            Path(args.sqlite_path + suffix).unlink(missing_ok=True)
    manage("migrate", "--noinput", "--verbosity", "0", env=env)
    check = "from newsroom.models import Issue; import sys; sys.exit(Issue.objects.exists())"
    if subprocess.run([sys.executable, "manage.py", "shell", "-c", check], cwd=ROOT, env=env).returncode:
        sys.exit("The database already has issues; point DATABASE_URL at an empty one.")
    return env["DATABASE_URL"].split(":", 1)[0]


def manage(*arguments, env) -> None:
    """Run a command quietly (the import's progress bar included); its errors end the run."""
    done = subprocess.run([sys.executable, "manage.py", *arguments], cwd=ROOT, env=env, capture_output=True, text=True)
    if done.returncode:
        sys.exit(f"manage.py {arguments[0]} failed:\n{done.stderr[-3000:]}")


def children_cpu() -> float:
    """User and system time of the finished import processes: what the import itself costs
    on a machine that other work shares (the database server's own time is not in it)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def main():
    args = parse_args()
    env = environment(args)
    engine = fresh_database(args, env)
    files = Path(args.files_dir)
    shutil.rmtree(files, ignore_errors=True)
    print(f"{platform.node()} · {os.cpu_count()} cores · Python {platform.python_version()} · {engine}")
    print(f"{args.articles:,} articles, {PER_FILE} a file, {'drafts' if args.no_publish else '--publish'}")
    publish = [] if args.no_publish else ["--publish"]
    total_seconds = 0.0
    for first in range(0, args.articles, BLOCK):
        block = files / f"block-{first // BLOCK + 1:02d}"
        write_files(block, first, min(BLOCK, args.articles - first))
        started, cpu_before = time.perf_counter(), children_cpu()
        manage("import_issue", str(block), *publish, env=env)
        seconds, cpu = time.perf_counter() - started, children_cpu() - cpu_before
        total_seconds += seconds
        count = min(BLOCK, args.articles - first)
        print(f"articles {first + 1:>7,}–{first + count:>7,}: {seconds:6.1f} s, {count / seconds:6.0f} articles/s"
              f" (CPU time of the import process {cpu:6.1f} s, {count / cpu:6.0f} articles per CPU second;"
              f" load average {os.getloadavg()[0]:.1f})")
        shutil.rmtree(block)
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"all {args.articles:,}: {total_seconds:.1f} s, {args.articles / total_seconds:.0f} articles/s; "
          f"peak memory of an import process {peak:.0f} MB")


if __name__ == "__main__":
    main()
