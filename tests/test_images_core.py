"""The picture library's core: safe inspection, adding, renditions and their markup (issue 12)."""
import datetime
import io
import struct
import zlib

import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from PIL import Image as PILImage

from newsroom.images import renditions
from newsroom.images.html import best_url, picture
from newsroom.images.models import Image, Rendition
from newsroom.images.safety import ImageRefused, inspect
from newsroom.images.storing import image_add
from newsroom.tasks import delete_media_files, image_refocus, image_upload, render_image


@pytest.fixture(autouse=True)
def media_root(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def photo(width=2000, height=1000, fmt="JPEG", **save) -> bytes:
    """A noisy picture: left half red, right half blue, so a crop shows which side it kept."""
    picture = PILImage.effect_noise((width, height), 40).convert("RGB")
    picture.paste((220, 30, 30), (0, 0, width // 2, height))
    picture.paste((30, 30, 220), (width // 2, 0, width, height))
    out = io.BytesIO()
    picture.save(out, fmt, **save)
    return out.getvalue()


def png_declaring(width: int, height: int) -> bytes:
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b"")


def jpeg_rotated_with_gps() -> bytes:
    exif = PILImage.Exif()
    exif[0x0112] = 6  # stored sideways: turn 90° clockwise to show
    exif[0x8825] = {1: "N", 2: (39.0, 54.0, 0.0), 3: "E", 4: (116.0, 23.0, 0.0)}
    exif[0x010F] = "Canon"
    return photo(400, 200, exif=exif, comment=b"shot at home")


def stored_files(root) -> list[str]:
    return sorted(str(path.relative_to(root)) for path in root.rglob("*") if path.is_file()) if root.exists() else []


class TestInspect:
    @pytest.mark.parametrize("data, message", [
        (b"", "文件是空的（0 字节）。"),
        (png_declaring(30000, 30000), "图片像素过多，上限 4000 万像素。"),
        (png_declaring(8000, 6000), "图片太大：8000×6000 像素，上限 4000 万像素。"),
        (b"\x89PNG\r\n\x1a\n<html><script>alert(1)</script></html>", "无法识别这个文件：只接受 JPEG、PNG、WebP、GIF 和 AVIF 图片。"),
        (b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
         "不接受 SVG 或 HTML 文件：它们可以带有脚本。请上传 JPEG、PNG、WebP、GIF 或 AVIF 图片。"),
        (photo(800, 600)[:-3000], "图片文件已损坏或不完整，无法读取。"),
        (b"GIF89a" + b"\0" * 20, "无法识别这个文件：只接受 JPEG、PNG、WebP、GIF 和 AVIF 图片。"),
    ], ids=["empty", "bomb", "over-40mp", "png-then-html", "svg-script", "truncated-jpeg", "broken-gif"])
    def test_refused_with_its_reason(self, data, message):
        with pytest.raises(ImageRefused) as refused:
            inspect(data)
        assert refused.value.message == message

    def test_over_the_byte_limit(self, monkeypatch):
        monkeypatch.setattr("newsroom.images.safety.MAX_BYTES", 1000)
        with pytest.raises(ImageRefused) as refused:
            inspect(photo(200, 100))
        assert refused.value.message.startswith("文件太大：")

    def test_rotation_applied_and_metadata_gone(self):
        inspected = inspect(jpeg_rotated_with_gps())
        master = PILImage.open(io.BytesIO(inspected.master))
        assert (inspected.width, inspected.height, master.size) == (200, 400, (200, 400))
        assert dict(master.getexif()) == {}
        assert "comment" not in master.info and "exif" not in master.info

    def test_animated_gif_keeps_its_frames(self):
        frames = [PILImage.new("RGB", (30, 20), (80 * i, 0, 0)) for i in range(3)]
        out = io.BytesIO()
        frames[0].save(out, "GIF", save_all=True, append_images=frames[1:], duration=120, loop=0, comment=b"x")
        inspected = inspect(out.getvalue())
        master = PILImage.open(io.BytesIO(inspected.master))
        assert (inspected.format, inspected.frames, master.n_frames, "comment" in master.info) == ("GIF", 3, 3, False)


@pytest.mark.django_db
class TestImageAdd:
    def test_added_once(self, media_root):
        data = photo(600, 400)
        first, created = image_add(data=data, alt="园区实验室")
        again, created_again = image_add(data=data, alt="另一个说明")
        assert (created, created_again, again.pk, Image.objects.count()) == (True, False, first.pk, 1)
        assert (first.title, first.width, first.height, first.format) == ("园区实验室", 600, 400, "JPEG")
        assert stored_files(media_root) == [first.file.name]

    @pytest.mark.parametrize("alt, message", [
        ("", "请填写替代文字：用中文说明图片里有什么。"),
        ("  ", "请填写替代文字：用中文说明图片里有什么。"),
        ("IMG_0042.JPG", "替代文字不能是文件名，请说明图片里有什么。"),
    ])
    def test_alt_is_required_and_not_a_file_name(self, alt, message, media_root):
        with pytest.raises(ValidationError) as invalid:
            image_add(data=photo(100, 100), alt=alt)
        assert invalid.value.message_dict == {"alt": [message]}
        assert (Image.objects.count(), stored_files(media_root)) == (0, [])

    def test_identical_upload_committed_after_the_look_up(self, media_root, monkeypatch):
        """Two editors upload the same photo at once: the one whose insert loses gets the
        winner's image, and its own stored copy is removed (found as a 500 on PostgreSQL)."""
        data = photo(300, 200)
        winner, _ = image_add(data=data, alt="园区")
        monkeypatch.setattr("newsroom.images.storing.stored_already", lambda sha256: None)
        image, created = image_add(data=data, alt="园区大门")
        assert (image.pk, created, image.alt, Image.objects.count()) == (winner.pk, False, "园区", 1)
        assert stored_files(media_root) == [winner.file.name]

    def test_refused_file_writes_nothing(self, media_root):
        with pytest.raises(ImageRefused):
            image_add(data=png_declaring(30000, 30000), alt="炸弹")
        assert (Image.objects.count(), stored_files(media_root)) == (0, [])


class TestCropBox:
    @pytest.mark.parametrize("size, focal, ratio, box", [
        ((2000, 1000), (0.5, 0.5), (16, 9), (111, 0, 1889, 1000)),
        ((2000, 1000), (0.0, 0.5), (16, 9), (0, 0, 1778, 1000)),
        ((2000, 1000), (1.0, 0.5), (16, 9), (222, 0, 2000, 1000)),
        ((2000, 1000), (0.9, 0.1), (1, 1), (1000, 0, 2000, 1000)),
        ((1000, 3000), (0.5, 0.2), (16, 9), (0, 319, 1000, 881)),
        ((1000, 3000), (0.5, 0.2), None, (0, 0, 1000, 3000)),
    ])
    def test_box_around_the_focal_point(self, size, focal, ratio, box):
        assert renditions.crop_box(*size, *focal, ratio) == box

    @pytest.mark.parametrize("width, widths", [(3000, [480, 960, 1600]), (1000, [480, 960]), (300, [300])])
    def test_never_upscaled(self, width, widths):
        assert renditions.widths_for(width) == widths


@pytest.mark.django_db
class TestRenditions:
    def test_every_shape_width_and_format(self, media_root):
        image, _ = image_upload(data=photo(2000, 1000), alt="签约仪式")
        assert render_image.call(image.pk) == 3 * 3 + 3 * 3 + 2 * 3
        image.refresh_from_db()
        shapes = image.sources["shapes"]
        assert image.sources["version"] == 1 and image.ready
        assert {shape: [w for w, _h, _n in entry["avif"]] for shape, entry in shapes.items()} == {
            "original": [480, 960, 1600], "wide": [480, 960, 1600], "square": [480, 960],
        }
        assert (shapes["wide"]["width"], shapes["wide"]["height"]) == (1600, 900)
        assert (shapes["square"]["width"], shapes["square"]["height"]) == (960, 960)
        assert Rendition.objects.filter(image=image).count() == 24
        for row in Rendition.objects.filter(image=image):
            with default_storage.open(row.file) as stored:
                made = PILImage.open(stored)
                assert (made.format.lower(), made.size) == (row.format, (row.width, row.height))

    def test_done_once_per_version(self):
        image, _ = image_upload(data=photo(500, 300), alt="厂房")
        assert render_image.call(image.pk) == 9
        assert render_image.call(image.pk) == 0

    def test_replaced_renditions_stay_a_day(self, media_root):
        """A page cached by a CDN or open in a browser still names the old files: they are
        deleted by a task that runs a day after the new ones are recorded."""
        image, _ = image_upload(data=photo(600, 400), alt="展馆")
        render_image.call(image.pk)
        old = sorted(Rendition.objects.values_list("file", flat=True))
        image_refocus(image=image, focal_x=0.2, focal_y=0.3)
        started = timezone.now()
        assert render_image.call(image.pk) == 9
        assert set(old) <= set(stored_files(media_root))
        retired = DBTaskResult.objects.get(task_path="newsroom.tasks.delete_media_files")
        assert sorted(retired.args_kwargs["args"][0]) == old
        assert started + datetime.timedelta(days=1) <= retired.run_after <= timezone.now() + datetime.timedelta(days=1)
        assert delete_media_files.call(old) == 9
        assert stored_files(media_root) == sorted([image.file.name, *Rendition.objects.values_list("file", flat=True)])

    def test_square_crop_follows_the_focal_point(self):
        image, _ = image_upload(data=photo(2000, 1000), alt="左红右蓝")
        image_refocus(image=image, focal_x=0.95, focal_y=0.5)
        render_image.call(image.pk)
        image.refresh_from_db()
        name = image.sources["shapes"]["square"]["jpeg"][0][2]
        with default_storage.open(name) as stored:
            red, _green, blue = PILImage.open(stored).convert("RGB").resize((1, 1)).getpixel((0, 0))
        assert blue > 150 and red < 80

    def test_work_for_an_old_focal_point_is_thrown_away(self, media_root, monkeypatch):
        """A focal-point move while the worker renders: the stale renditions are never recorded."""
        image, _ = image_upload(data=photo(600, 400), alt="展馆")
        real_render_all = renditions._render_all

        def render_then_move(image_row, frame):
            made = real_render_all(image_row, frame)
            image_refocus(image=Image.objects.get(pk=image_row.pk), focal_x=0.1, focal_y=0.1)
            return made

        monkeypatch.setattr(renditions, "_render_all", render_then_move)
        assert renditions.make_renditions(image.pk) == 0
        image.refresh_from_db()
        assert (image.version, image.sources, Rendition.objects.count()) == (2, {}, 0)
        assert stored_files(media_root) == [image.file.name]


@pytest.mark.django_db
class TestPictureMarkup:
    def test_master_at_its_natural_size_until_renditions_are_ready(self):
        image, _ = image_upload(data=photo(700, 500), alt="园区<全景>")
        with CaptureQueriesContext(connection) as queries:
            html = picture(image, shape="wide", sizes="50vw")
        assert len(queries) == 0
        assert html == (
            f'<img src="/media/{image.file.name}" width="700" height="500" alt="园区&lt;全景&gt;"'
            ' loading="lazy" decoding="async">'
        )

    def test_picture_with_avif_webp_and_jpeg(self):
        image, _ = image_upload(data=photo(1800, 1200), alt="实验室")
        render_image.call(image.pk)
        image.refresh_from_db()
        stem = f"/media/renditions/{image.sha256[:2]}/{image.sha256[:20]}-v1-wide"
        with CaptureQueriesContext(connection) as queries:
            html = picture(image, shape="wide", sizes="(min-width: 60em) 30em, 100vw", lazy=False)
        assert len(queries) == 0
        assert html == (
            '<picture>'
            f'<source type="image/avif" srcset="{stem}-480.avif 480w, {stem}-960.avif 960w, {stem}-1600.avif 1600w" sizes="(min-width: 60em) 30em, 100vw">'
            f'<source type="image/webp" srcset="{stem}-480.webp 480w, {stem}-960.webp 960w, {stem}-1600.webp 1600w" sizes="(min-width: 60em) 30em, 100vw">'
            f'<img src="{stem}-960.jpg" srcset="{stem}-480.jpg 480w, {stem}-960.jpg 960w, {stem}-1600.jpg 1600w" sizes="(min-width: 60em) 30em, 100vw"'
            ' width="1600" height="900" alt="实验室" decoding="async">'
            '</picture>'
        )
        assert best_url(image, shape="wide") == (f"{stem}-1600.jpg", 1600, 900)


@pytest.mark.django_db
class TestMediaServing:
    def test_served_with_a_long_cache(self, client):
        image, _ = image_upload(data=photo(300, 200), alt="园区")
        response = client.get(f"/media/{image.file.name}")
        assert (response.status_code, response["Content-Type"], response["Cache-Control"]) == (
            200, "image/jpeg", "public, max-age=31536000, immutable",
        )

    @pytest.mark.parametrize("path, status", [
        ("/media/../newsroom/settings.py", 400), ("/media/images/", 404), ("/media/nothing.jpg", 404),
    ])
    def test_nothing_outside_or_missing(self, client, path, status):
        assert client.get(path).status_code == status


@pytest.mark.django_db(transaction=True)
class TestDeletedWhileQueued:
    def test_picture_deleted_before_its_task_runs_is_no_failure(self, media_root):
        image, _ = image_upload(data=photo(300, 200), alt="已删除的图片")
        Image.objects.filter(pk=image.pk).delete()
        assert render_image.call(image.pk) == 0
        assert (Rendition.objects.count(), stored_files(media_root)) == (0, [])

    def test_picture_deleted_while_its_master_is_read(self, media_root, monkeypatch):
        """The row is there when the task starts and gone when the file is opened."""
        image, _ = image_upload(data=photo(300, 200), alt="删除中的图片")
        real_open = default_storage.open

        def open_after_delete(name, mode="rb"):
            Image.objects.filter(pk=image.pk).delete()
            return real_open(name, mode)

        monkeypatch.setattr(default_storage, "open", open_after_delete)
        assert renditions.make_renditions(image.pk) == 0
        assert (Image.objects.count(), Rendition.objects.count(), stored_files(media_root)) == (0, 0, [])


@pytest.mark.django_db
class TestWithoutAWorker:
    def test_immediate_tasks_render_and_delete_replaced_files_at_once(self, settings, media_root,
                                                                       django_capture_on_commit_callbacks):
        """NEWSROOM_TASKS_IMMEDIATE: the render runs in the request, and the replaced files,
        which no later task could delete, go when the swap commits."""
        settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
        with django_capture_on_commit_callbacks(execute=True):
            image, _ = image_upload(data=photo(600, 400), alt="展馆")
        image.refresh_from_db()
        assert image.ready
        with django_capture_on_commit_callbacks(execute=True):
            image_refocus(image=image, focal_x=0.2, focal_y=0.3)
        image.refresh_from_db()
        assert (image.version, image.ready) == (2, True)
        assert stored_files(media_root) == sorted([image.file.name, *Rendition.objects.values_list("file", flat=True)])
