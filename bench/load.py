"""Load benchmark of the production server: each public page against a Django hello-world.

Not a test: it prints a markdown table for docs/benchmarks.md. From the project folder:

    .venv/bin/python bench/load.py                        # the seed only, 3 rounds of 10 s
    .venv/bin/python bench/load.py --articles 100000      # the seed, then 100k more articles
    .venv/bin/python bench/load.py --seconds 2 --rounds 1 --fixed-seconds 2   # a quick check
    DATABASE_URL=postgres://newsroom:newsroom@127.0.0.1:5432/newsroom .venv/bin/python bench/load.py

For each data set (the seed; then, with `--articles N`, the seed plus N synthetic
articles from bench/synth.py) it builds a fresh database, migrates it, imports the seed
(`import_issue seeds/ --number 1 --publish`), collects the static files, and starts
gunicorn with the production configuration (newsroom/gunicorn.conf.py, DEBUG off) on
127.0.0.1. SQLite files go to var/bench/load/; with a PostgreSQL DATABASE_URL, the
databases are `<its name>_load_seed` and `<its name>_load_<N>` on that server (dropped
and created again, unless `--reuse` finds one this script built). REDIS_URL, when set,
is passed on to the server like any other setting; `--redis` starts a private
redis-server on the next port for the run (Debian's `redis-server`) and sets it.

The hello-world is /hello/, a view that returns "Hello, world!" through the same
middleware and server as the pages; bench/hello_settings.py adds it for this server only
(see there why the product has no such route).

Then wrk (`-t2 -c16 --latency`, one warm-up run before each measured one) measures, in
alternating pairs (hello, page, hello, page, ...), every page in three modes:

- cold: each request carries a query parameter of its own (`?nocache=<nonce>-<thread>-<n>`,
  from a wrk Lua script), so no page cache can answer it: the page is rendered every time;
- warm: plain GETs of the one URL, as a page cache sees a spike;
- 304: GETs with If-None-Match set to the ETag the page sent, answered without rendering.

The page's rate is divided by the hello-world's of the same pair; the table gives the
medians over `--rounds` rounds. Afterwards each page and mode is run once more at half of
its median rate with an open-loop client (bench/loadgen.py `fixed_rate`), for the p99 at
half of the maximum throughput. Everything is written under var/bench/load/ (the report as
report-<time>.md, the server's log without its access lines); the servers stop on exit,
Ctrl-C and SIGTERM. The server keeps the production access log on: the hello-world pays for
it as much as a page does.
"""
import argparse
import json
import os
import platform
import re
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import time
import uuid
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.loadgen import discover, fixed_rate, http_get, wrk  # noqa: E402

PYTHON = sys.executable
GUNICORN = str(Path(sys.executable).with_name("gunicorn"))
WORKDIR = ROOT / "var" / "bench" / "load"
HELLO = "/hello/"
MODES = ("cold", "warm", "304")
# The goals, as the page's rate over the hello-world's (cold means uncached).
GOALS = {
    ("article", "warm"): 0.7, ("article", "304"): 0.7, ("article", "cold"): 1 / 4,
    ("home", "cold"): 1 / 6, ("issue", "cold"): 1 / 6, ("zone", "cold"): 1 / 6,
    ("tag", "cold"): 1 / 6, ("search", "cold"): 1 / 8,
}
P99_GOAL_MS = 150
# Past this, the open-loop client itself was late sending, and its p99 is not the server's.
CLIENT_LAG_MS = 10


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=0,
                        help="after the seed, measure again with this many synthetic articles")
    parser.add_argument("--seconds", type=int, default=10, help="seconds of each measured wrk run")
    parser.add_argument("--warmup", type=int, default=1, help="seconds of the warm-up run before each")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--connections", type=int, default=16, help="wrk connections")
    parser.add_argument("--modes", default=",".join(MODES), help="of cold, warm, 304")
    parser.add_argument("--pages", default="", help="names to measure, e.g. article,home (default: all)")
    parser.add_argument("--fixed-seconds", type=float, default=10,
                        help="seconds of the fixed-rate run at half the maximum; 0 skips it")
    parser.add_argument("--port", type=int, default=8670, help="gunicorn's; --redis uses the next one")
    parser.add_argument("--redis", action="store_true",
                        help="start a private redis-server and give the site its REDIS_URL (the shared cache)")
    parser.add_argument("--reuse", action="store_true", help="keep a database this script built before")
    parser.add_argument("--json", help="also write every figure to this file")
    args = parser.parse_args()
    args.modes = [m for m in args.modes.split(",") if m]
    if unknown := set(args.modes) - set(MODES):
        parser.error(f"unknown modes: {', '.join(sorted(unknown))}")
    args.pages = [p for p in args.pages.split(",") if p]
    return args


# --- databases and the server ------------------------------------------------------------

def site_env(database_url: str) -> dict:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": os.environ.get("DJANGO_SECRET_KEY") or "bench-load-not-secret-" + "x" * 40,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "NEWSROOM_REVIEW_STAGES": "0",  # the seed is published by the import, as `make seed` does
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    return env


def manage(env: dict, *args: str) -> str:
    done = subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True)
    if done.returncode:
        sys.exit(f"manage.py {' '.join(args)} failed:\n{done.stdout}{done.stderr}")
    return done.stdout


def dataset_url(label: str) -> str:
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql://")):
        parts = urlsplit(url)
        return parts._replace(path=f"{parts.path}_load_{label}").geturl()
    return f"sqlite:///{WORKDIR / f'{label}.sqlite3'}"


def build_database(label: str, articles: int, reuse: bool) -> str:
    """A migrated database with the seed published, and `articles` synthetic articles more."""
    url = dataset_url(label)
    # One marker per database, so that SQLite and PostgreSQL builds can both be reused.
    backend = "postgresql" if url.startswith(("postgres://", "postgresql://")) else "sqlite"
    marker = WORKDIR / f"{label}.{backend}.built"
    if reuse and marker.exists() and marker.read_text() == url:
        print(f"reusing {label}: {redact(url)}", file=sys.stderr)
        # Code merged since the build may bring migrations (and data migrations that fill
        # stored fields): the pages must be measured on the schema they are written for.
        manage(site_env(url), "migrate", "--noinput")
        return url
    marker.unlink(missing_ok=True)
    empty_database(url)
    env = site_env(url)
    print(f"building {label}: {redact(url)}", file=sys.stderr)
    manage(env, "migrate", "--noinput")
    manage(env, "import_issue", "seeds/", "--number", "1", "--publish")
    if articles:
        synth = ROOT / "bench" / "synth.py"
        if not synth.exists():
            sys.exit("bench/synth.py is missing: it makes the synthetic articles for --articles")
        started = time.monotonic()
        subprocess.run([PYTHON, str(synth), "--articles", str(articles)], cwd=ROOT, env=env, check=True)
        print(f"synthesized {articles} articles in {time.monotonic() - started:.0f} s", file=sys.stderr)
    marker.write_text(url)
    return url


def empty_database(url: str) -> None:
    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return
    import dj_database_url
    import psycopg

    config = dj_database_url.parse(os.environ["DATABASE_URL"])
    name = dj_database_url.parse(url)["NAME"]
    admin = {"host": config["HOST"], "port": config["PORT"] or 5432, "user": config["USER"],
             "password": config["PASSWORD"], "dbname": config["NAME"]}
    with psycopg.connect(**admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def redact(url: str) -> str:
    return re.sub(r"//([^:/@]+):[^@]*@", r"//\1:***@", url)


@contextmanager
def gunicorn(env: dict, port: int, log: Path):
    """The production server (newsroom/gunicorn.conf.py) with /hello/ added, until the block ends."""
    with socket.socket() as probe:
        if probe.connect_ex(("127.0.0.1", port)) == 0:
            sys.exit(f"port {port} is in use: pick another with --port")
    env = {**env, "HOST": "127.0.0.1", "PORT": str(port), "DJANGO_SETTINGS_MODULE": "bench.hello_settings"}
    with log.open("w") as out:
        # Its own session: Ctrl-C reaches only this script, which then stops the server in order.
        process = subprocess.Popen([GUNICORN, "--config", "newsroom/gunicorn.conf.py"], cwd=ROOT, env=env,
                                   stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            base = f"http://127.0.0.1:{port}"
            wait_until_up(base, process, log)
            yield base, process.pid
        finally:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@contextmanager
def redis_server(port: int):
    """A private redis-server on loopback, storing nothing on disk, until the block ends.

    Cold runs store a page per request; maxmemory with LRU eviction bounds what they leave."""
    command = ["redis-server", "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--appendonly", "no",
               "--dir", str(WORKDIR), "--maxmemory", "256mb", "--maxmemory-policy", "allkeys-lru"]
    with (WORKDIR / "redis.log").open("w") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            for _ in range(100):
                with socket.socket() as probe:
                    if probe.connect_ex(("127.0.0.1", port)) == 0:
                        break
                time.sleep(0.1)
            else:
                sys.exit(f"redis-server did not start: see {WORKDIR / 'redis.log'}")
            yield f"redis://127.0.0.1:{port}/0"
        finally:
            process.terminate()
            process.wait(timeout=30)


def trim_log(log: Path) -> int:
    """Drop the access lines (one per request, hundreds of megabytes in a full run) from the
    server's log, keeping its own messages and any traceback; how many workers it booted."""
    kept = log.with_suffix(".kept")
    boots = 0
    with log.open() as lines, kept.open("w") as out:
        for line in lines:
            if line.startswith("127.0.0.1 "):
                continue
            boots += "Booting worker with pid" in line
            out.write(line)
    kept.replace(log)
    return boots


def wait_until_up(base: str, process, log: Path) -> None:
    for _ in range(600):
        if process.poll() is not None:
            sys.exit(f"gunicorn exited:\n{log.read_text()[-3000:]}")
        try:
            if http_get(base, HELLO)[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.1)
    sys.exit("gunicorn did not answer /hello/ within 60 s")


def worker_count(master: int) -> int:
    """The gunicorn workers running now: the master's child processes."""
    count = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        count += int(fields[1]) == master
    return count


# --- one data set ------------------------------------------------------------------------

class Bench:
    def __init__(self, args, base: str):
        self.args, self.base = args, base
        self.cold_script = WORKDIR / "cold.lua"
        self.cold_script.write_text(COLD_LUA)

    def get(self, path: str) -> str:
        status, _, body = http_get(self.base, path)
        if status != 200:
            sys.exit(f"{path}: HTTP {status}")
        return body.decode()

    def probe(self, path: str) -> dict:
        """What each mode needs, checked once: the page's size and ETag, and that 304 and a
        cache-busting parameter are answered as expected."""
        status, headers, body = http_get(self.base, path)
        etag = headers.get("etag")
        info = {"bytes": len(body), "etag": etag, "cache_control": headers.get("cache-control"),
                "last_modified": headers.get("last-modified"), "skip": {}}
        if status != 200:
            sys.exit(f"{path}: HTTP {status}")
        busted = http_get(self.base, bust(path, self.nonce("cold")[0]))[0]
        if busted != 200:
            info["skip"]["cold"] = f"HTTP {busted} with a cache-busting parameter"
        if not etag:
            info["skip"]["304"] = "no ETag"
        elif (answer := http_get(self.base, path, {"If-None-Match": etag})[0]) != 304:
            info["skip"]["304"] = f"If-None-Match answered {answer}"
        return info

    def measure(self, path: str, mode: str) -> dict:
        options = {"threads": self.args.threads, "connections": self.args.connections}
        if mode == "cold":
            options["script"] = str(self.cold_script)
        elif mode == "304":
            # Asked again each time: a scheduled publication falling due moves the version on.
            options["headers"] = {"If-None-Match": http_get(self.base, path)[1]["etag"]}
        if self.args.warmup:
            wrk(self.base + path, seconds=self.args.warmup, **options, script_args=self.nonce(mode))
        return wrk(self.base + path, seconds=self.args.seconds, **options, script_args=self.nonce(mode))

    @staticmethod
    def nonce(mode: str) -> tuple:
        """A word of its own for each cold wrk run, so that no run asks for an address an
        earlier one (its warm-up included) has left in the cache."""
        return (uuid.uuid4().hex[:12],) if mode == "cold" else ()

    def run(self) -> dict:
        pages = discover(self.get)
        if self.args.pages:
            pages = {name: path for name, path in pages.items() if name in self.args.pages}
        probes = {name: self.probe(path) for name, path in pages.items()}
        runs = {(name, mode): [] for name in pages for mode in self.args.modes}
        hello = []
        for round_number in range(1, self.args.rounds + 1):
            for mode in self.args.modes:
                for name, path in pages.items():
                    if mode in probes[name]["skip"]:
                        continue
                    before = self.measure(HELLO, "warm")
                    figures = self.measure(path, mode)
                    figures["ratio"] = figures["rps"] / before["rps"] if before["rps"] else None
                    hello.append(before)
                    runs[name, mode].append(figures)
                    print(f"round {round_number} {mode:>4} {name:<12} {figures['rps']:8.1f} req/s, "
                          f"hello {before['rps']:8.1f}, ratio {figures['ratio'] or 0:.3f}", file=sys.stderr)
        results = {"pages": pages, "probes": probes, "hello": hello, "runs": {}}
        for (name, mode), figures in runs.items():
            results["runs"][f"{name} {mode}"] = {"page": name, "mode": mode, "rounds": figures}
        if self.args.fixed_seconds:
            self.fixed(results)
        return results

    def fixed(self, results: dict) -> None:
        """The p99 at half of each page's (and the hello-world's) median maximum rate."""
        hello_rate = statistics.median(r["rps"] for r in results["hello"])
        results["hello_fixed"] = fixed_rate(self.base, HELLO, rate=hello_rate / 2, seconds=self.args.fixed_seconds)
        for run in results["runs"].values():
            if not run["rounds"]:
                continue
            path = results["pages"][run["page"]]
            rate = statistics.median(r["rps"] for r in run["rounds"]) / 2
            headers = {"If-None-Match": http_get(self.base, path)[1]["etag"]} if run["mode"] == "304" else None
            unique = self.nonce(run["mode"])[0] if run["mode"] == "cold" else None
            run["fixed"] = fixed_rate(self.base, path, rate=rate, seconds=self.args.fixed_seconds,
                                      headers=headers, unique=unique)
            print(f"fixed rate {run['mode']:>4} {run['page']:<12} {fixed_cell(run['fixed'])}", file=sys.stderr)


# Each wrk thread numbers its own requests; the run's nonce (init's argument) keeps one run's
# addresses apart from every other's.
COLD_LUA = """
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("tid", threads)
end
function init(args)
  nonce = args[1]
end
local n = 0
local sep = string.find(wrk.path, "?", 1, true) and "&" or "?"
function request()
  n = n + 1
  return wrk.format(nil, wrk.path .. sep .. "nocache=" .. nonce .. "-" .. tid .. "-" .. n)
end
"""


def bust(path: str, token: str) -> str:
    return f"{path}{'&' if '?' in path else '?'}nocache={token}"


# --- the report --------------------------------------------------------------------------

def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def errors_of(figures: dict) -> int:
    return figures["non_2xx_3xx"] + sum(figures["socket_errors"].values())


def summarize(run: dict) -> dict:
    rounds = run["rounds"]
    return {
        "rps": median(r["rps"] for r in rounds), "ratio": median(r["ratio"] for r in rounds),
        "p50_ms": median(r["p50_ms"] for r in rounds), "p99_ms": median(r["p99_ms"] for r in rounds),
        "errors": sum(errors_of(r) for r in rounds), "bytes_per_response": median(r["bytes_per_response"] for r in rounds),
    }


def shorten(path: str, width: int = 32) -> str:
    return path if len(path) <= width else path[: width - 1] + "…"


def goal_cell(page: str, mode: str, ratio: float | None) -> str:
    goal = GOALS.get((page, mode))
    if goal is None or ratio is None:
        return ""
    return f"≥ {goal:.3g}: {'met' if ratio >= goal else '**not met**'}"


def fixed_cell(fixed: dict | None) -> str:
    if not fixed or fixed["p99_ms"] is None:
        return "–"
    lag = fixed["client_lag_p99_ms"]
    late = f" (the client lagged: p99 {lag:.0f} ms)" if lag > CLIENT_LAG_MS else ""
    bad = sum(n for status, n in fixed["statuses"].items() if status >= 400) + fixed["errors"]
    over = f" **over {P99_GOAL_MS} ms**" if fixed["p99_ms"] > P99_GOAL_MS else ""
    return f"{fixed['p99_ms']:.1f} ms{over} at {fixed['rate']:.0f}/s{late}" + (f", {bad} errors" if bad else "")


def table(label: str, results: dict, seed: dict | None) -> list[str]:
    hello = results["hello"]
    lines = [
        f"### {label}",
        "",
        f"Hello-world (`/hello/`): median {median(r['rps'] for r in hello):,.0f} req/s over {len(hello)} runs "
        f"(min {min(r['rps'] for r in hello):,.0f}, max {max(r['rps'] for r in hello):,.0f}); "
        f"p50 {median(r['p50_ms'] for r in hello):.2f} ms, p99 {median(r['p99_ms'] for r in hello):.2f} ms; "
        f"at half of it, p99 {fixed_cell(results.get('hello_fixed'))}.",
        "",
        "| page | mode | bytes | req/s | ÷ hello | p50 ms | p99 ms | p99 at ½ max | errors | goal |"
        + (" ÷ hello, seed |" if seed else ""),
        "|---|---|---|---|---|---|---|---|---|---|" + ("---|" if seed else ""),
    ]
    for key, run in results["runs"].items():
        name, mode = run["page"], run["mode"]
        path = shorten(results["pages"][name])
        skip = results["probes"][name]["skip"].get(mode)
        if skip:
            lines.append(f"| {name} `{path}` | {mode} | | | | | | | | {skip} |" + (" |" if seed else ""))
            continue
        s = summarize(run)
        size = s["bytes_per_response"] if mode == "304" else results["probes"][name]["bytes"]
        ratio = "–" if s["ratio"] is None else f"{s['ratio']:.3f}"
        row = (f"| {name} `{path}` | {mode} | {size:,} | {s['rps']:,.0f} | {ratio} | {s['p50_ms']:.1f} | "
               f"{s['p99_ms']:.1f} | {fixed_cell(run.get('fixed'))} | {s['errors']} | {goal_cell(name, mode, s['ratio'])} |")
        if seed:
            before = seed["runs"].get(key)
            if before and before["rounds"] and s["ratio"] and summarize(before)["ratio"]:
                change = s["ratio"] / summarize(before)["ratio"]
                row += f" {change:.2f}{'' if change >= 0.8 else ' (**over 20 % lower**)'} |"
            else:
                row += " |"
        lines.append(row)
    return lines + [""]


def machine(args, servers: dict) -> list[str]:
    cpu = re.search(r"model name\s*:\s*(.*)", Path("/proc/cpuinfo").read_text())
    memory = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1)) / 1024**2
    wrk_version = subprocess.run(["wrk", "-v"], capture_output=True, text=True).stdout.split(" [")[0]
    gunicorn_version = subprocess.run([GUNICORN, "--version"], capture_output=True, text=True).stdout.strip()
    commit = subprocess.run(["git", "describe", "--always", "--dirty"], cwd=ROOT, capture_output=True, text=True)
    import django

    url = os.environ.get("DATABASE_URL", "")
    database = "PostgreSQL" if url.startswith("postgres") else f"SQLite {sqlite3.sqlite_version}"
    cache = "Redis (REDIS_URL)" if os.environ.get("REDIS_URL") else "the settings' default (no REDIS_URL)"
    if args.redis:
        cache = "a private redis-server (--redis, 256 MB, LRU)"
    return [
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC by `bench/load.py` at {commit.stdout.strip()}.",
        "",
        f"- Machine: {os.cpu_count()} CPUs (`nproc`), {cpu.group(1) if cpu else platform.processor()}, "
        f"{memory:.0f} GiB of memory; load average {' / '.join(f'{x:.1f}' for x in os.getloadavg())} at the end.",
        f"- Python {platform.python_version()}, Django {django.get_version()}, {database}, cache: {cache}, "
        f"{gunicorn_version}, {wrk_version}.",
        "- gunicorn: " + "; ".join(
            f"{label}, {s['workers']} workers, restarted {s['restarts']} times (max_requests)" for label, s in servers.items()
        ) + ".",
        f"- wrk `-t{args.threads} -c{args.connections} -d{args.seconds:g}s --latency` after a {args.warmup:g} s "
        f"warm-up; hello and page alternate; medians of {args.rounds} round{'s' if args.rounds > 1 else ''}. The fixed-rate client ran "
        f"{args.fixed_seconds:g} s a page at half of the page's median rate (latency from each request's due time).",
        "- cold: a query parameter of its own on every request (no page cache can answer); warm: one URL; "
        "304: If-None-Match with the page's ETag. \"errors\": non-2xx/3xx answers plus socket errors.",
        "",
    ]


def published_count(env: dict) -> int:
    out = manage(env, "shell", "--no-imports", "-c",
                 "from articles.models import Article; print(Article.objects.published().count())")
    return int(out.strip().splitlines()[-1])


def main():
    args = parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # unwinds through the server's finally
    WORKDIR.mkdir(parents=True, exist_ok=True)
    manage(site_env(dataset_url("seed")), "collectstatic", "--noinput", "--verbosity", "0")
    datasets = [("seed", 0)] + ([(str(args.articles), args.articles)] if args.articles else [])
    everything, sections, servers = {}, [], {}
    with ExitStack() as stack:
        if args.redis:
            os.environ["REDIS_URL"] = stack.enter_context(redis_server(args.port + 1))
        for label, articles in datasets:
            url = build_database(label, articles, args.reuse)
            env = site_env(url)
            published = published_count(env)
            log = WORKDIR / f"gunicorn-{label}.log"
            with gunicorn(env, args.port, log) as (base, master):
                results = Bench(args, base).run()
                workers = worker_count(master)
            servers[label] = {"workers": workers, "restarts": trim_log(log) - workers}
            results["published"] = published
            everything[label] = results
            title = "The seed" if not articles else f"The seed and {articles:,} synthetic articles"
            sections += table(f"{title} ({published:,} published articles)", results,
                              everything["seed"] if articles else None)
    report = "\n".join(machine(args, servers) + sections)
    print(report)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    (WORKDIR / f"report-{stamp}.md").write_text(report + "\n")
    if args.json:
        Path(args.json).write_text(json.dumps(everything, indent=1, default=str))


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        sys.exit("interrupted; the servers are stopped")
