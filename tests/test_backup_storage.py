"""Backups of the picture library and of media that live in a bucket (issue 12, point 4).

The media are read and restored through the storage. moto's S3 server stands in for the
bucket (tests/s3server.py); each test has its own prefix.
"""
import io
import tarfile
from io import StringIO
from pathlib import Path

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.db import connection
from PIL import Image as PILImage

from newsroom.backups import Database, backup_create, backup_restore, media_of, opened_backup
from newsroom.images.models import Image, Rendition
from newsroom.images.renditions import make_renditions
from newsroom.images.storing import image_add
from tests.s3server import bucket_keys, bucket_object, use_bucket

# Committed rows, so that pg_dump and SQLite's backup (other connections) see them.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

FILES = {
    "covers/2025/第1期封面.png": b"\x89PNG cover",
    "images/ab/abcdef.jpg": b"\xff\xd8 master",
    "renditions/ab/abcdef-3-wide-480.avif": b"avif 480",
}


@pytest.fixture(autouse=True)
def _forget_content_types():
    # As in tests/test_backup.py: the flush after each test leaves cached ids pointing at nothing.
    yield
    ContentType.objects.clear_cache()


@pytest.fixture
def bucket(s3_endpoint, settings):
    """default_storage on a fresh prefix of the bucket, holding FILES; yields (storage, prefix)."""
    prefix = use_bucket(settings, s3_endpoint)
    from django.core.files.storage import default_storage

    for name, data in FILES.items():
        assert default_storage.save(name, ContentFile(data)) == name
    return default_storage, prefix


@pytest.fixture
def backup_dir(tmp_path, settings) -> Path:
    settings.BACKUP_DIR = tmp_path / "backups"
    return settings.BACKUP_DIR


@pytest.fixture
def source() -> Database:
    return Database.from_settings(connection.settings_dict)


def archived_media(path: Path) -> dict[str, bytes]:
    with tarfile.open(path) as tar:
        return {m.name.removeprefix("media/"): tar.extractfile(m).read() for m in tar if m.name.startswith("media/")}


def bucket_files(endpoint: str, prefix: str) -> dict[str, bytes]:
    return {key: bucket_object(endpoint, f"{prefix}/{key}") for key in bucket_keys(endpoint, prefix)}


class TestBucketMedia:
    def test_the_backup_holds_every_object_of_the_bucket(self, bucket, source, backup_dir):
        """Listed through the storage, folders included, byte for byte."""
        storage, _prefix = bucket
        path = backup_create(database=source, storage=storage, directory=backup_dir)
        assert archived_media(path) == FILES

    def test_restore_makes_the_bucket_hold_exactly_the_backups_files(self, bucket, s3_endpoint, source, backup_dir):
        """A changed object is written back, a deleted one returns, one added since goes."""
        storage, prefix = bucket
        path = backup_create(database=source, storage=storage, directory=backup_dir)
        storage.delete("images/ab/abcdef.jpg")
        storage.delete("covers/2025/第1期封面.png")
        storage.save("covers/2025/第1期封面.png", ContentFile(b"changed since"))
        storage.save("images/cd/added-later.jpg", ContentFile(b"added since"))
        with opened_backup(path, database=source, directory=backup_dir) as backup:
            result = backup_restore(backup=backup, database=source, storage=storage, directory=backup_dir)
        assert bucket_files(s3_endpoint, prefix) == FILES
        # The safety backup holds the bucket as it was before the restore.
        assert archived_media(result.safety_backup) == {
            "covers/2025/第1期封面.png": b"changed since",
            "images/cd/added-later.jpg": b"added since",
            "renditions/ab/abcdef-3-wide-480.avif": b"avif 480",
        }

    def test_the_commands_use_the_configured_storage(self, bucket, s3_endpoint, source, backup_dir):
        """`make backup` and `make restore` back up and restore the bucket when media are on S3."""
        storage, prefix = bucket
        call_command("backup", stdout=StringIO())
        (path,) = backup_dir.iterdir()
        assert archived_media(path) == FILES
        storage.delete("renditions/ab/abcdef-3-wide-480.avif")
        out = StringIO()
        call_command("restore", str(path), "--yes", stdout=out)
        assert bucket_files(s3_endpoint, prefix) == FILES
        assert f"和媒体目录 s3://newsroom-media/{prefix} 的全部内容。" in out.getvalue()

    def test_a_local_storage_is_its_folder(self, settings, tmp_path):
        """The default FileSystemStorage is read from MEDIA_ROOT on the disk, as before."""
        settings.MEDIA_ROOT = tmp_path / "media"
        from django.core.files.storage import default_storage

        assert media_of(storage=default_storage).label == str(tmp_path / "media")


def photo() -> bytes:
    picture = PILImage.effect_noise((600, 400), 40).convert("RGB")
    out = io.BytesIO()
    picture.save(out, "JPEG", quality=90)
    return out.getvalue()


def library_state(storage) -> dict:
    """The pictures' rows and the bytes of every file they name."""
    images = list(Image.objects.values_list("pk", "file", "sha256", "version", "sources"))
    renditions = list(Rendition.objects.order_by("pk").values_list("pk", "image_id", "shape", "format", "width", "file"))
    names = [row[1] for row in images] + [row[5] for row in renditions]
    files = {}
    for name in names:
        with storage.open(name, "rb") as stored:
            files[name] = stored.read()
    return {"images": images, "renditions": renditions, "files": files}


class TestPictureLibrary:
    @pytest.mark.parametrize("where", ["local", "bucket"])
    def test_pictures_and_renditions_come_back(self, where, request, source, backup_dir, tmp_path, settings):
        """A deleted picture returns with its row, its renditions' rows, its master and every rendition file."""
        if where == "local":
            settings.MEDIA_ROOT = tmp_path / "media"
        else:
            request.getfixturevalue("bucket")
        from django.core.files.storage import default_storage

        image, _ = image_add(data=photo(), alt="高新区展厅")
        assert make_renditions(image.pk) == 9
        before = library_state(default_storage)
        path = backup_create(database=source, storage=default_storage, directory=backup_dir)
        assert set(before["files"]) <= set(archived_media(path))
        image.delete()  # cascades to its renditions; the files go once that commits
        assert [name for name in before["files"] if default_storage.exists(name)] == []
        with opened_backup(path, database=source, directory=backup_dir) as backup:
            backup_restore(backup=backup, database=source, storage=default_storage, directory=backup_dir)
        assert library_state(default_storage) == before
