"""Two editors upload the same photo at the same moment, against gunicorn on the suite's database.

The SHA-256 is unique: one Image, one stored master, and neither editor sees an error page.
"""
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.realserver import (
    Browser,
    field,
    fresh_database,
    gunicorn,
    manage,
    orm,
    read_form,
    site_env,
)
from tests.test_admin_images import photo

PASSWORD = "race-password-1"
ROUNDS = 10

SETUP = f"""
from django.contrib.auth.models import Group, User
for username in ("editor_a", "editor_b"):
    user = User.objects.create_user(username, password="{PASSWORD}", is_staff=True)
    user.groups.add(Group.objects.get(name="编辑"))
"""

COUNT = """
from django.core.files.storage import default_storage
from newsroom.images.models import Image
folders = default_storage.listdir("images")[0]
result = {
    "titles": sorted(Image.objects.values_list("title", flat=True)),
    "files": sorted(Image.objects.values_list("file", flat=True)),
    "stored": sorted(f"images/{d}/{f}" for d in folders for f in default_storage.listdir(f"images/{d}")[1]),
}
"""


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("served")
    with fresh_database(workdir) as url:
        env = site_env(url, DJANGO_MEDIA_ROOT=str(workdir / "media"))
        done = manage(env, "migrate", "--noinput", "-v0")
        assert done.returncode == 0, done.stderr
        orm(env, SETUP)
        with gunicorn(env, log=workdir / "gunicorn.log") as base:
            yield {"base": base, "env": env}


def multipart(fields: dict[str, str], files: dict[str, tuple[str, bytes]]) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
             for k, v in fields.items()]
    for name, (filename, data) in files.items():
        head = (f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
                "Content-Type: application/octet-stream\r\n\r\n")
        parts.append(head.encode() + data + b"\r\n")
    return b"".join(parts) + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


class Editor:
    """A signed-in browser with the batch page's CSRF token."""

    def __init__(self, base: str, username: str):
        self.browser = Browser(base)
        self.browser.log_in(username, PASSWORD)
        page = self.browser.get("/admin/images/image/batch/")
        assert page.status == 200, page.status
        self.token = field(read_form(page.body, form_id="image-batch"), "csrfmiddlewaretoken")

    def upload(self, data: bytes, title: str):
        body, content_type = multipart({"csrfmiddlewaretoken": self.token, "title": title, "alt": "厂房外景"},
                                       {"file": ("plant.jpg", data)})
        return self.browser._send("POST", "/admin/images/image/upload/", body, content_type)


class TestSameUploadAtOnce:
    def test_two_editors_uploading_the_same_photo_make_one_image(self, site):
        editors = [Editor(site["base"], "editor_a"), Editor(site["base"], "editor_b")]
        statuses = []
        for round_ in range(ROUNDS):
            data = photo(120, 80, seed=100 + round_)
            barrier = threading.Barrier(2)

            def send(editor, title, data=data, barrier=barrier):
                barrier.wait()
                return editor.upload(data, title)

            with ThreadPoolExecutor(2) as pool:
                responses = list(pool.map(send, editors, [f"{round_}-a", f"{round_}-b"]))
            statuses.append(sorted(r.status for r in responses))
        # Each round: one 201 (created) and one 200 (the existing image), never an error.
        assert statuses == [[200, 201]] * ROUNDS
        counted = orm(site["env"], COUNT)
        # One image a round, titled by whichever editor came first; its master is the one
        # stored file (the other upload's copy is removed when its insert fails).
        assert [title.split("-")[0] for title in counted["titles"]] == sorted(str(r) for r in range(ROUNDS))
        assert counted["stored"] == counted["files"]
