"""What the review of issue 12 found: hostile input that reached a 500 or got past a check."""
import io

import pytest
from PIL import Image as PILImage

from newsroom.images.models import Image
from newsroom.images.safety import ImageRefused, inspect
from tests.test_admin_images import UPLOAD, stored_files, upload_file

BROKEN = "图片文件已损坏或不完整，无法读取。"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return tmp_path / "media"


def animated_gif_cut_in_a_frame_header() -> bytes:
    """Three frames, cut inside the third frame's header: counting the frames reads past the end."""
    frames = [PILImage.new("RGB", (32, 24), (80 * i, 0, 0)) for i in range(3)]
    out = io.BytesIO()
    frames[0].save(out, "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)
    data = out.getvalue()
    assert len(data) == 273  # the cut below sits in the third frame's header of this file
    return data[:222]


class TestTruncatedAnimation:
    def test_inspect_refuses_it_as_broken(self):
        with pytest.raises(ImageRefused) as refused:
            inspect(animated_gif_cut_in_a_frame_header())
        assert refused.value.message == BROKEN

    def test_upload_endpoint_answers_400_and_stores_nothing(self, editor_client, media):
        response = editor_client.post(UPLOAD, {"file": upload_file("cut.gif", animated_gif_cut_in_a_frame_header()),
                                               "alt": "园区动图"})
        assert (response.status_code, response.json()) == (
            400, {"ok": False, "message": BROKEN, "errors": {"file": [BROKEN]}},
        )
        assert (Image.objects.count(), stored_files(media)) == (0, [])
