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


def icc_header(space: bytes) -> bytes:
    """A 128-byte ICC profile header naming its colour space (all a reader checks it by)."""
    header = bytearray(128)
    header[0:4] = (128).to_bytes(4, "big")
    header[12:16], header[16:20], header[20:24], header[36:40] = b"mntr", space, b"XYZ ", b"acsp"
    return bytes(header)


def jpeg(picture: PILImage.Image, **options) -> bytes:
    out = io.BytesIO()
    picture.save(out, "JPEG", quality=90, **options)
    return out.getvalue()


def profiles(image) -> dict[str, bytes | None]:
    """The colour space named by the profile of the master and of each JPEG rendition."""
    found = {}
    for label, name in [("master", image.file.name)] + [
        (shape, entry["jpeg"][0][2]) for shape, entry in sorted(image.sources["shapes"].items())
    ]:
        with default_storage.open(name) as stored:
            icc = PILImage.open(stored).info.get("icc_profile")
        found[label] = icc[16:20] if icc else None
    return found


@pytest.mark.django_db
class TestColourProfiles:
    """A profile stays only on pixels of the colour space it describes."""

    def test_a_cmyk_photo_converted_to_rgb_drops_its_cmyk_profile(self):
        data = jpeg(PILImage.new("CMYK", (600, 400), (0, 90, 200, 10)), icc_profile=icc_header(b"CMYK"))
        image, _ = image_upload(data=data, alt="印刷用的园区照片")
        render_image.call(image.pk)
        image.refresh_from_db()
        assert profiles(image) == {"master": None, "original": None, "square": None, "wide": None}

    def test_a_grey_profile_stays_on_the_grey_master_only(self):
        data = jpeg(PILImage.new("L", (600, 400), 120), icc_profile=icc_header(b"GRAY"))
        image, _ = image_upload(data=data, alt="黑白老照片")
        render_image.call(image.pk)
        image.refresh_from_db()
        assert profiles(image) == {"master": b"GRAY", "original": None, "square": None, "wide": None}

    def test_an_rgb_profile_is_kept_everywhere(self):
        data = jpeg(PILImage.new("RGB", (600, 400), (30, 90, 160)), icc_profile=icc_header(b"RGB "))
        image, _ = image_upload(data=data, alt="园区鸟瞰")
        render_image.call(image.pk)
        image.refresh_from_db()
        assert profiles(image) == {"master": b"RGB ", "original": b"RGB ", "square": b"RGB ", "wide": b"RGB "}
