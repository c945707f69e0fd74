"""Renditions of pictures in the colour modes cameras and editors produce (found serving the
site by hand, issue 12): each comes out with the tones of its master."""
import io

import pytest
from django.core.files.storage import default_storage
from PIL import Image as PILImage
from PIL import ImageStat

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
