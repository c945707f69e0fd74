"""Media on S3-compatible object storage when NEWSROOM_S3_BUCKET is set (issue 11, point 5).

moto's S3 server runs as a real subprocess on loopback; the storage settings are the ones
newsroom/settings.py builds from the environment.
"""
import urllib.request

import pytest
from django.core.files.base import ContentFile

from newsroom.settings import media_storage
from tests.s3server import BUCKET, client
from tests.s3server import s3_environ as bucket_environ

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256))


def s3_environ(endpoint: str, **extra: str) -> dict:
    return {**bucket_environ(endpoint, prefix="media"), **extra}


@pytest.fixture
def storage_from(settings):
    """Points default_storage at what media_storage() makes of an environment."""

    def use(environ: dict):
        settings.STORAGES = {**settings.STORAGES, "default": media_storage(environ)}
        from django.core.files.storage import default_storage

        return default_storage

    return use


def stored_object(endpoint: str, key: str) -> dict:
    return client(endpoint).get_object(Bucket=BUCKET, Key=key)


class TestMediaStorageSettings:
    def test_without_a_bucket_media_stay_on_the_local_disk(self):
        assert media_storage({}) == {"BACKEND": "django.core.files.storage.FileSystemStorage"}

    def test_a_bucket_selects_s3_with_public_unsigned_urls(self):
        """Empty variables count as unset: boto3 then finds its own keys and endpoint."""
        environ = {"NEWSROOM_S3_BUCKET": BUCKET, "NEWSROOM_S3_ENDPOINT_URL": "", "NEWSROOM_S3_ACCESS_KEY_ID": ""}
        assert media_storage(environ) == {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": BUCKET, "location": "media", "querystring_auth": False,
                "file_overwrite": False, "object_parameters": {"CacheControl": "public, max-age=86400"},
            },
        }


class TestMediaOnS3:
    def test_a_saved_file_is_in_the_bucket_and_reads_back(self, s3_endpoint, storage_from):
        storage = storage_from(s3_environ(s3_endpoint))
        name = storage.save("covers/2025/第1期封面.png", ContentFile(PNG))
        assert name == "covers/2025/第1期封面.png"
        with storage.open(name) as stored:
            assert stored.read() == PNG
        obj = stored_object(s3_endpoint, "media/covers/2025/第1期封面.png")
        assert (obj["Body"].read(), obj["CacheControl"]) == (PNG, "public, max-age=86400")

    def test_a_second_upload_under_the_same_name_gets_a_new_name(self, s3_endpoint, storage_from):
        """An address once published keeps showing the same picture."""
        storage = storage_from(s3_environ(s3_endpoint))
        first = storage.save("reporters/liu.png", ContentFile(PNG))
        second = storage.save("reporters/liu.png", ContentFile(PNG[::-1]))
        assert first == "reporters/liu.png"
        assert second != first and second.startswith("reporters/liu_") and second.endswith(".png")
        with storage.open(first) as stored:
            assert stored.read() == PNG

    def test_the_public_url_is_the_endpoint_path_without_a_signature(self, s3_endpoint, storage_from):
        storage = storage_from(s3_environ(s3_endpoint))
        name = storage.save("covers/2025/url.png", ContentFile(PNG))
        url = storage.url(name)
        assert url == f"{s3_endpoint}/{BUCKET}/media/covers/2025/url.png"
        with urllib.request.urlopen(url, timeout=10) as response:
            assert response.read() == PNG

    def test_a_custom_domain_names_the_public_url(self, s3_endpoint, storage_from):
        storage = storage_from(s3_environ(s3_endpoint, NEWSROOM_S3_CUSTOM_DOMAIN="media.example.cn"))
        name = storage.save("covers/2025/封面.png", ContentFile(PNG))
        assert storage.url(name) == "https://media.example.cn/media/covers/2025/%E5%B0%81%E9%9D%A2.png"
