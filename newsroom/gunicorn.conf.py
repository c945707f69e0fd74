"""gunicorn settings for `make run` and the server tests.

Everything gunicorn writes stays inside the project folder: its worker heartbeat files go
to var/tmp, and the control socket that gunicorn 27 would create in ~/.gunicorn is off.
"""
import os
from pathlib import Path

RUNTIME_DIR = Path(__file__).resolve().parent.parent / "var" / "tmp"
RUNTIME_DIR.mkdir(parents=True, exist_ok=True)

wsgi_app = "newsroom.wsgi"
bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("GUNICORN_WORKERS", "2"))
worker_tmp_dir = str(RUNTIME_DIR)
control_socket_disable = True
# Longer than SQLite's busy timeout (NEWSROOM_SQLITE_TIMEOUT, 60 s), so a save that queues
# behind another writer is answered instead of having its worker killed mid-request.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "120"))
graceful_timeout = 30
accesslog = "-"
