"""Migration newsroom 0007 moves issue covers and reporters' photos into the picture library."""
import datetime
import io

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from PIL import Image as PILImage

from tests.migrating import migrate

BEFORE = [("newsroom", "0006_archive_indexes")]
AFTER = [("newsroom", "0008_pictures_in_library_columns")]


@pytest.fixture(autouse=True)
def _back_to_the_latest_schema():
    yield
    executor = MigrationExecutor(connection)
    migrate(executor.loader.graph.leaf_nodes())


def png() -> bytes:
    out = io.BytesIO()
    PILImage.new("RGB", (64, 48), (10, 120, 200)).save(out, "PNG")
    return out.getvalue()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
class TestPicturesMigration:
    def test_files_become_library_images_and_unsafe_ones_stay_in_storage(self, tmp_path, settings, capsys):
        settings.MEDIA_ROOT = tmp_path
        (tmp_path / "covers/2026").mkdir(parents=True)
        (tmp_path / "reporters").mkdir()
        (tmp_path / "covers/2026/cover.png").write_bytes(png())
        (tmp_path / "reporters/liu.png").write_bytes(png())  # the same picture as the cover
        (tmp_path / "reporters/evil.svg").write_bytes(b"<svg><script>alert(1)</script></svg>")
        apps = migrate(BEFORE)
        Issue, Reporter = apps.get_model("newsroom", "Issue"), apps.get_model("newsroom", "Reporter")
        Issue.objects.create(number=7, date=datetime.date(2026, 1, 5), cover="covers/2026/cover.png")
        Reporter.objects.create(name="刘琴", slug="liu-qin", photo="reporters/liu.png")
        Reporter.objects.create(name="王五", slug="wang-wu", photo="reporters/evil.svg")
        Reporter.objects.create(name="赵六", slug="zhao-liu", photo="reporters/missing.jpg")
        migrate(AFTER)
        from newsroom.images.models import Image
        from newsroom.models import Issue as CurrentIssue
        from newsroom.models import Reporter as CurrentReporter

        image = Image.objects.get()
        assert (image.alt, image.width, image.height, image.format) == ("第7期封面", 64, 48, "PNG")
        assert CurrentIssue.objects.get(number=7).cover_id == image.pk
        photos = dict(CurrentReporter.objects.values_list("name", "photo_id"))
        assert photos == {"刘琴": image.pk, "王五": None, "赵六": None}
        assert (tmp_path / "reporters/evil.svg").exists() and (tmp_path / image.file.name).exists()
        assert "reporters/evil.svg: 不接受 SVG 或 HTML 文件" in capsys.readouterr().out
