"""`manage.py images_render`: the operator's way to have renditions made again (issue 12)."""
import io
from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import F
from django_tasks_db.models import DBTaskResult
from PIL import Image as PILImage

from newsroom.images.models import Image, Rendition
from newsroom.images.renditions import make_renditions
from newsroom.images.storing import image_add
from newsroom.tasks import render_image

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_root(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def photo(seed: int) -> bytes:
    """A small distinct JPEG (noise differs by seed), 500x300: nine renditions."""
    picture = PILImage.effect_noise((500, 300), 30 + seed).convert("RGB")
    out = io.BytesIO()
    picture.save(out, "JPEG", quality=90)
    return out.getvalue()


@pytest.fixture
def library():
    """One picture with its renditions, one without, one whose focal point moved since."""
    ready, _ = image_add(data=photo(1), alt="已生成版本的厂房")
    make_renditions(ready.pk)
    missing, _ = image_add(data=photo(2), alt="刚上传的实验室")
    stale, _ = image_add(data=photo(3), alt="焦点改过的签约仪式")
    make_renditions(stale.pk)
    Image.objects.filter(pk=stale.pk).update(version=F("version") + 1)
    return {"ready": ready.pk, "missing": missing.pk, "stale": stale.pk}


def queued() -> list[tuple[str, dict]]:
    return [(row.task_path, row.args_kwargs) for row in DBTaskResult.objects.order_by("args_kwargs__args")]


class TestImagesRender:
    def test_queues_the_pictures_whose_renditions_are_missing_or_stale(self, library):
        out = StringIO()
        call_command("images_render", stdout=out)
        assert queued() == [
            ("newsroom.tasks.render_image", {"args": [library["missing"]], "kwargs": {}}),
            ("newsroom.tasks.render_image", {"args": [library["stale"]], "kwargs": {}}),
        ]
        assert out.getvalue() == "已为 2 张图片排队生成版本，由后台任务进程完成。\n"

    def test_all_makes_every_picture_again_under_new_names(self, library):
        """--all (after a quality change): every picture gets a new version, so its new
        renditions never reuse a name a browser may keep for a year."""
        before = dict(Image.objects.values_list("pk", "version"))
        ready_names = set(Rendition.objects.filter(image_id=library["ready"]).values_list("file", flat=True))
        out = StringIO()
        call_command("images_render", "--all", stdout=out)
        assert queued() == [
            ("newsroom.tasks.render_image", {"args": [pk], "kwargs": {}}) for pk in sorted(library.values())
        ]
        assert out.getvalue() == "已为 3 张图片排队生成版本，由后台任务进程完成。\n"
        assert dict(Image.objects.values_list("pk", "version")) == {pk: v + 1 for pk, v in before.items()}
        assert render_image.call(library["ready"]) == 9
        new_names = set(Rendition.objects.filter(image_id=library["ready"]).values_list("file", flat=True))
        assert len(new_names) == 9 and not new_names & ready_names

    def test_the_queued_tasks_leave_every_picture_ready(self, library):
        call_command("images_render", stdout=StringIO())
        for row in DBTaskResult.objects.all():
            render_image.call(*row.args_kwargs["args"], **row.args_kwargs["kwargs"])
        assert [image.ready for image in Image.objects.order_by("pk")] == [True, True, True]

    def test_nothing_to_do(self):
        out = StringIO()
        call_command("images_render", stdout=out)
        assert (DBTaskResult.objects.count(), out.getvalue()) == (0, "已为 0 张图片排队生成版本，由后台任务进程完成。\n")
