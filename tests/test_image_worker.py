"""Renditions made by the real worker (`manage.py db_worker`) while gunicorn serves the site
(issue 12, point 3): pages and media requests never make one, the worker does, and a focal
point moved twice while it renders ends with the last version's files only."""
import re
import subprocess
import time
import urllib.request

import pytest

from tests.realserver import PYTHON, ROOT, fresh_database, gunicorn, manage, orm, site_env

UPLOAD = """
import io
from PIL import Image as P
from newsroom.tasks import image_upload
picture = P.effect_noise(({width}, {height}), 40).convert("RGB")
picture.paste(({red}, 40, 40), (0, 0, {width} // 2, {height}))
out = io.BytesIO()
picture.save(out, "JPEG", quality=90)
image, created = image_upload(data=out.getvalue(), alt="园区航拍")
result = {{"pk": image.pk, "file": image.file.name, "created": created}}
"""

STATE = """
import os
from django.conf import settings
from django_tasks_db.models import DBTaskResult
from newsroom.images.html import picture
from newsroom.images.models import Image, Rendition
image = Image.objects.get(pk={pk})
folder = settings.MEDIA_ROOT / "renditions" / image.sha256[:2]
result = {{
    "version": image.version,
    "sources_version": image.sources.get("version"),
    "rows": sorted(Rendition.objects.filter(image=image).values_list("version", "file")),
    # This picture's rendition files on the disk (named after its SHA-256, as the master is).
    "files": sorted(f"renditions/{{image.sha256[:2]}}/{{n}}" for n in os.listdir(folder)
                    if n.startswith(image.sha256[:20])) if folder.exists() else [],
    "tasks": [[t.status, t.args_kwargs["args"], t.return_value]
              for t in DBTaskResult.objects.order_by("enqueued_at", "pk")],
    "picture": str(picture(image, shape="wide")),
}}
"""

# Run while the worker renders: waits for the task to be claimed, then takes the image's lock
# (SQLite: the write lock; PostgreSQL: the row) so that the worker, once its files are made,
# waits to record them; moves the focal point twice and commits. The worker then finds its
# version outdated. Prints when it starts waiting, when the lock is held and when the moves
# are committed.
MOVE_WHILE_RENDERING = """
import os, sys, time
from django.conf import settings
from django.db import transaction
from django_tasks_db.models import DBTaskResult
from newsroom.images.models import Image
from newsroom.tasks import image_refocus
deadline = time.monotonic() + 120
print("polling", flush=True)
while DBTaskResult.objects.filter(status="RUNNING").count() == 0:
    assert time.monotonic() < deadline, "the worker never started the task"
    time.sleep(0.01)
with transaction.atomic():
    image = Image.objects.select_for_update().get(pk={pk})
    assert image.sources == {{}}, "the worker recorded its renditions before the move"
    print("locked", flush=True)
    folder = settings.MEDIA_ROOT / "renditions" / image.sha256[:2]
    def made():
        mine = f"{{image.sha256[:20]}}-v1-"
        return [n for n in os.listdir(folder) if n.startswith(mine)] if folder.exists() else []
    while len(made()) < {files}:
        assert time.monotonic() < deadline, "the worker never finished its files"
        time.sleep(0.01)
    image_refocus(image=image, focal_x=0.2, focal_y=0.5)
    image_refocus(image=image, focal_x=0.8, focal_y=0.4)
print("moved", flush=True)
"""


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """A migrated empty database, its own media folder, and gunicorn serving both."""
    workdir = tmp_path_factory.mktemp("image-worker")
    with fresh_database(workdir) as url:
        env = site_env(url, DJANGO_MEDIA_ROOT=str(workdir / "media"))
        done = manage(env, "migrate", "--noinput", "-v0")
        assert done.returncode == 0, done.stderr
        with gunicorn(env, workers=1, log=workdir / "gunicorn.log") as base:
            yield env, base, workdir / "media"


def worker(env) -> subprocess.Popen:
    """The worker until the queue is empty (--batch)."""
    return subprocess.Popen([PYTHON, "manage.py", "db_worker", "--batch", "--no-reload", "--no-startup-delay"],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def finished(process: subprocess.Popen) -> None:
    output, _ = process.communicate(timeout=300)
    assert process.returncode == 0, output


def fetch(base: str, url: str) -> tuple[bytes, str]:
    with urllib.request.urlopen(base + url, timeout=60) as response:
        return response.read(), response.headers["Content-Type"]


class TestWorkerMakesRenditions:
    def test_uploaded_picture_gets_its_renditions_from_the_worker(self, site):
        env, base, media = site
        uploaded = orm(env, UPLOAD.format(width=1000, height=700, red=200))
        assert uploaded["created"]
        # Pages and media requests before the worker ran: the master is served, nothing is made.
        assert fetch(base, f"/media/{uploaded['file']}") == ((media / uploaded["file"]).read_bytes(), "image/jpeg")
        before = orm(env, STATE.format(pk=uploaded["pk"]))
        assert (before["sources_version"], before["rows"], before["files"]) == (None, [], [])
        assert before["tasks"] == [["READY", [uploaded["pk"]], None]]
        assert before["picture"].startswith(f'<img src="/media/{uploaded["file"]}" width="1000" height="700"')

        finished(worker(env))
        after = orm(env, STATE.format(pk=uploaded["pk"]))
        # original and wide at 480 and 960, the 700-pixel square at 480; three formats each.
        assert after["tasks"] == [["SUCCESSFUL", [uploaded["pk"]], 15]]
        assert (after["version"], after["sources_version"]) == (1, 1)
        assert [f for _v, f in after["rows"]] == after["files"] and len(after["files"]) == 15
        urls = sorted(set(re.findall(r'/media/[^\s",]+', after["picture"])))
        assert [u.removeprefix("/media/") for u in urls] == [f for f in after["files"] if "-wide-" in f]
        types = {"avif": "image/avif", "webp": "image/webp", "jpg": "image/jpeg"}
        for url in urls:
            assert fetch(base, url) == ((media / url.removeprefix("/media/")).read_bytes(), types[url.rsplit(".", 1)[1]])

    def test_focal_point_moved_twice_while_rendering_keeps_only_the_last_version(self, site, tmp_path):
        env, _base, _media = site
        uploaded = orm(env, UPLOAD.format(width=1700, height=1200, red=120))
        pk = uploaded["pk"]
        files = 3 * 3 + 3 * 3 + 2 * 3  # original and wide at 480, 960, 1600; the 1200 square at 480, 960
        mover_log = tmp_path / "mover.log"
        with mover_log.open("w") as out:
            mover = subprocess.Popen([PYTHON, "manage.py", "shell", "--no-imports", "-c",
                                      MOVE_WHILE_RENDERING.format(pk=pk, files=files)],
                                     cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
            # The worker starts once the mover watches, so that it cannot finish unseen.
            while "polling" not in mover_log.read_text():
                assert mover.poll() is None, mover_log.read_text()
                time.sleep(0.05)
            running = worker(env)
            assert mover.wait(timeout=300) == 0, mover_log.read_text()
            finished(running)
        assert mover_log.read_text().split() == ["polling", "locked", "moved"]
        state = orm(env, STATE.format(pk=pk))
        # The first run's work was for version 1: thrown away. The second made version 3; the
        # third found it ready.
        assert state["tasks"][-3:] == [
            ["SUCCESSFUL", [pk], 0], ["SUCCESSFUL", [pk], files], ["SUCCESSFUL", [pk], 0],
        ]
        assert (state["version"], state["sources_version"]) == (3, 3)
        assert {v for v, _f in state["rows"]} == {3} and len(state["rows"]) == files
        # On the disk: version 3's files only; version 1's were deleted, version 2's never made.
        assert state["files"] == [f for _v, f in state["rows"]]
        assert all("-v3-" in f for f in state["files"])
