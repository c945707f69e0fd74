"""gunicorn settings for `make run`, `make serve`, the systemd unit of docs/deploy.md and the server tests.

Every value can be changed from the environment (docs/deploy.md lists the variables).
Everything gunicorn writes stays inside the project folder: its worker heartbeat files go
to var/tmp, the control socket that gunicorn 27 would create in ~/.gunicorn is off, and
both logs go to stdout/stderr for systemd's journal or the container runtime to keep.
"""
import os
from pathlib import Path

RUNTIME_DIR = Path(__file__).resolve().parent.parent / "var" / "tmp"
RUNTIME_DIR.mkdir(parents=True, exist_ok=True)


def usable_cores() -> int:
    # The cores this process may run on (a container or taskset may allow fewer than the machine has).
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


wsgi_app = "newsroom.wsgi"
bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"
# Sync workers spend part of each request waiting on the database, so gunicorn's own rule
# of thumb, two per core plus one, keeps every core busy.
workers = int(os.environ.get("GUNICORN_WORKERS") or 2 * usable_cores() + 1)
worker_tmp_dir = str(RUNTIME_DIR)
control_socket_disable = True
# The application is imported once in the master and forked: less memory per worker, and
# an error in the settings stops the start instead of every worker failing in turn. Django
# opens no database connection while it loads, so no connection is shared across the fork.
# The price: `kill -HUP` does not load new code; deploys restart the service.
preload_app = os.environ.get("GUNICORN_PRELOAD", "1") != "0"
# Longer than SQLite's busy timeout (NEWSROOM_SQLITE_TIMEOUT, 60 s), so a save that queues
# behind another writer is answered instead of having its worker killed mid-request.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "120"))
graceful_timeout = 30
# nginx (docs/deploy.md) keeps its upstream connections open for a few seconds.
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "5"))
# A worker is replaced after this many requests, so a slow leak cannot grow without bound;
# the jitter keeps the workers from all restarting at the same moment. A cached page is served
# in about a millisecond, so during a spike 2,000 requests lasted a worker only seconds and
# the restarts showed up in the latencies; 20,000 is still minutes, not days.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "20000"))
max_requests_jitter = int(os.environ.get("GUNICORN_MAX_REQUESTS_JITTER", "2000"))
# The proxies whose X-Forwarded-Proto (https) gunicorn believes: the local nginx by default.
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
accesslog = "-"
errorlog = "-"
# The request's duration in microseconds (%(D)s) ends each access line.
access_log_format = '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %(D)s'
