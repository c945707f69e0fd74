"""Pictures on S3-compatible object storage (issue 12, point 4): the master and every rendition
in the bucket, and the <picture> URLs served from it, so that several app servers share them.

moto's S3 server stands in for the bucket (tests/s3server.py); each test has its own prefix.
"""
import io
import re
import urllib.request

import pytest
from django_tasks_db.models import DBTaskResult
from PIL import Image as PILImage

from newsroom.images.html import best_url, picture
from newsroom.images.models import Rendition
from newsroom.images.renditions import make_renditions
from newsroom.images.storing import image_add
from newsroom.tasks import delete_media_files, image_refocus, render_image
from tests.s3server import bucket_keys, bucket_object, use_bucket

pytestmark = pytest.mark.django_db
CONTENT_TYPES = {"avif": "image/avif", "webp": "image/webp", "jpeg": "image/jpeg"}


@pytest.fixture
def bucket(s3_endpoint, settings):
    """default_storage on a fresh prefix of the bucket; yields the prefix."""
    return use_bucket(settings, s3_endpoint)


def photo(width: int, height: int) -> bytes:
    picture = PILImage.effect_noise((width, height), 40).convert("RGB")
    picture.paste((200, 60, 40), (0, 0, width // 2, height))
    out = io.BytesIO()
    picture.save(out, "JPEG", quality=90)
    return out.getvalue()


def fetch(url: str) -> tuple[bytes, str]:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.read(), response.headers["Content-Type"]


class TestImagesInTheBucket:
    def test_master_and_every_rendition_are_objects_of_the_bucket(self, bucket, s3_endpoint):
        image, created = image_add(data=photo(1000, 600), alt="园区全景")
        assert created
        # original 480 and 960, wide (1000x562) 480 and 960, square (600) 480; three formats each.
        assert make_renditions(image.pk) == 15
        rows = list(Rendition.objects.filter(image=image).order_by("shape", "format", "width"))
        assert [(r.shape, r.format, r.width) for r in rows if r.format == "avif"] == [
            ("original", "avif", 480), ("original", "avif", 960), ("square", "avif", 480),
            ("wide", "avif", 480), ("wide", "avif", 960),
        ]
        assert bucket_keys(s3_endpoint, bucket) == sorted([image.file.name, *(r.file for r in rows)])
        for row in rows:
            stored = bucket_object(s3_endpoint, f"{bucket}/{row.file}")
            made = PILImage.open(io.BytesIO(stored))
            assert (len(stored), made.format.lower(), made.size) == (row.bytes, row.format, (row.width, row.height))

    def test_the_picture_urls_are_served_by_the_bucket(self, bucket, s3_endpoint):
        """Every URL the <picture> names answers with the stored bytes and the right type."""
        image, _ = image_add(data=photo(1000, 600), alt="实验室")
        make_renditions(image.pk)
        image.refresh_from_db()
        html = str(picture(image, shape="wide"))
        urls = sorted(set(re.findall(r'(http://127\.0\.0\.1:\d+/[^\s",]+)', html)))
        wide = {f"{s3_endpoint}/newsroom-media/{bucket}/{r.file}": r
                for r in Rendition.objects.filter(image=image, shape="wide")}
        assert urls == sorted(wide)
        for url, row in wide.items():
            body, content_type = fetch(url)
            assert (body, content_type) == (bucket_object(s3_endpoint, f"{bucket}/{row.file}"), CONTENT_TYPES[row.format])

    def test_before_the_renditions_the_master_is_served_from_the_bucket(self, bucket, s3_endpoint):
        image, _ = image_add(data=photo(700, 400), alt="签约仪式")
        url, width, height = best_url(image)
        assert (url, width, height) == (f"{s3_endpoint}/newsroom-media/{bucket}/{image.file.name}", 700, 400)
        assert fetch(url) == (bucket_object(s3_endpoint, f"{bucket}/{image.file.name}"), "image/jpeg")

    def test_a_new_focal_point_replaces_the_objects_of_the_old_one(
        self, bucket, s3_endpoint, django_capture_on_commit_callbacks
    ):
        """The renditions of the old version leave the bucket a day after the new ones are
        recorded (pages cached meanwhile still show them), through a delayed task."""
        image, _ = image_add(data=photo(700, 400), alt="厂房")
        make_renditions(image.pk)
        old = set(Rendition.objects.values_list("file", flat=True))
        image_refocus(image=image, focal_x=0.2, focal_y=0.5)
        with django_capture_on_commit_callbacks(execute=True):
            assert render_image.call(image.pk) == 9
        new = set(Rendition.objects.values_list("file", flat=True))
        assert old.isdisjoint(new) and all("-v2-" in name for name in new)
        assert bucket_keys(s3_endpoint, bucket) == sorted([image.file.name, *old, *new])
        retired = DBTaskResult.objects.get(task_path="newsroom.tasks.delete_media_files")
        assert sorted(retired.args_kwargs["args"][0]) == sorted(old)
        assert delete_media_files.call(*retired.args_kwargs["args"]) == 9
        assert bucket_keys(s3_endpoint, bucket) == sorted([image.file.name, *new])
