"""Renditions of pictures in the colour modes cameras and editors produce (found serving the
site by hand, issue 12): each comes out with the tones of its master."""
import io

import pytest
from django.core.files.storage import default_storage
from PIL import Image as PILImage
from PIL import ImageStat

from newsroom.images import renditions
from newsroom.tasks import image_upload, render_image


@pytest.fixture(autouse=True)
def media_root(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def png(picture: PILImage.Image) -> bytes:
    out = io.BytesIO()
    picture.save(out, "PNG")
    return out.getvalue()


def jpeg_greys(image) -> dict[str, int]:
    """The mean grey of each shape's smallest JPEG rendition, rounded."""
    greys = {}
    for shape, entry in image.sources["shapes"].items():
        with default_storage.open(entry["jpeg"][0][2]) as stored:
            greys[shape] = round(ImageStat.Stat(PILImage.open(stored).convert("L")).mean[0])
    return greys


@pytest.mark.django_db
class TestRenditionModes:
    def test_sixteen_bit_grey_png_is_scaled_not_clipped_to_white(self):
        # Mid-grey in 16 bits (0x8000) is 128 in 8 bits; clipped, it was 255.
        image, _ = image_upload(data=png(PILImage.new("I;16", (600, 400), 0x8000)), alt="扫描的厂区平面图")
        assert PILImage.open(default_storage.open(image.file.name)).mode == "I;16"
        render_image.call(image.pk)
        image.refresh_from_db()
        assert jpeg_greys(image) == {"original": 128, "square": 128, "wide": 128}


def stored_renditions(media_root) -> list[str]:
    folder = media_root / "renditions"
    return sorted(p.name for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


@pytest.mark.django_db
class TestLongPictures:
    """A 长图 (a long infographic) is taller than WebP's 16,383 pixels at 960 or even 480 wide:
    it gets the widths every format can encode, instead of a failed task and no renditions."""

    @pytest.mark.parametrize("width, height, widths", [
        (1080, 20000, [480]),  # 960 wide would be 17,778 tall
        (500, 20000, [409]),  # even 480 is too tall: the widest within 16,383
        (2000, 1000, [480, 960, 1600]),
    ])
    def test_widths_keep_every_rendition_within_webp(self, width, height, widths):
        assert renditions.widths_for(width, height) == widths

    def test_long_picture_is_rendered_in_every_shape(self):
        image, _ = image_upload(data=png(PILImage.new("RGB", (500, 20000), (30, 90, 160))), alt="园区发展历程长图")
        assert render_image.call(image.pk) == 3 * 3  # one width of each shape, in three formats
        image.refresh_from_db()
        assert {shape: [(w, h) for w, h, _name in entry["webp"]] for shape, entry in image.sources["shapes"].items()} == {
            "original": [(409, 16360)], "wide": [(480, 270)], "square": [(480, 480)],
        }

    def test_a_failed_encoder_leaves_no_files(self, media_root, monkeypatch):
        image, _ = image_upload(data=png(PILImage.new("RGB", (600, 400), (30, 90, 160))), alt="园区鸟瞰")
        real_encode, calls = renditions.encode, []

        def fail_on_the_fourth(picture, fmt, **options):
            calls.append(fmt)
            if len(calls) == 4:
                raise ValueError("encoding error")
            return real_encode(picture, fmt, **options)

        monkeypatch.setattr(renditions, "encode", fail_on_the_fourth)
        with pytest.raises(ValueError):
            renditions.make_renditions(image.pk)
        assert stored_renditions(media_root) == []
