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


CAPTIONS = """
from newsroom.images.models import Image
result = [[image.caption, image.version] for image in Image.objects.filter(title__startswith="edit-").order_by("pk")]
"""


class TestSameImageSavedAtOnce:
    def test_two_editors_saving_one_picture_never_undo_each_other(self, site):
        """Both pages loaded before either save: one save lands, the other is refused as stale
        (200 with the form kept), and the caption is the one that landed; never an error."""
        editors = [Editor(site["base"], "editor_a"), Editor(site["base"], "editor_b")]
        outcomes = []
        for round_ in range(5):
            editors[0].upload(photo(90, 60, seed=500 + round_), f"edit-{round_}")
            image_id = orm(site["env"], f"from newsroom.images.models import Image\nresult = Image.objects.get(title='edit-{round_}').pk")
            url = f"/admin/images/image/{image_id}/change/"
            forms = []
            for editor in editors:
                page = editor.browser.get(url)
                assert page.status == 200, page.status
                forms.append(read_form(page.body, form_id="image_form"))
            barrier = threading.Barrier(2)

            def save(editor, form, caption, url=url, barrier=barrier):
                form = [(name, caption if name == "caption" else value) for name, value in form]
                barrier.wait()
                return editor.browser.post(url, form)

            with ThreadPoolExecutor(2) as pool:
                responses = list(pool.map(save, editors, forms, ["甲的说明", "乙的说明"]))
            landed = [caption for caption, r in zip(["甲的说明", "乙的说明"], responses, strict=True) if r.status == 302]
            refused = [r for r in responses if r.status == 200]
            assert len(landed) == 1 and len(refused) == 1, [r.status for r in responses]
            assert "别人修改并保存了这张图片（图片说明）" in refused[0].body
            outcomes.append(landed[0])
        assert orm(site["env"], CAPTIONS) == [[caption, 1] for caption in outcomes]
