"""Media on S3-compatible object storage when NEWSROOM_S3_BUCKET is set (issue 11, point 5).

moto's S3 server runs as a real subprocess on loopback; the storage settings are the ones
newsroom/settings.py builds from the environment.
"""
import json
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import boto3
import pytest
from django.core.files.base import ContentFile

from newsroom.settings import media_storage
from tests.realserver import free_port

MOTO_SERVER = str(Path(sys.executable).with_name("moto_server"))
BUCKET = "newsroom-media"
KEYS = {"NEWSROOM_S3_ACCESS_KEY_ID": "test-key", "NEWSROOM_S3_SECRET_ACCESS_KEY": "test-secret"}
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256))
# The bucket policy of docs/deploy.md: anyone may read what is under media/, nothing else.
PUBLIC_READ = json.dumps({
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
                   "Resource": f"arn:aws:s3:::{BUCKET}/media/*"}],
})


@pytest.fixture(scope="module")
def s3_endpoint(tmp_path_factory):
    """moto's S3 server with one empty bucket, until the module's tests end."""
    port = free_port()
    log = tmp_path_factory.mktemp("moto") / "moto.log"
    with log.open("w") as out:
        process = subprocess.Popen([MOTO_SERVER, "-H", "127.0.0.1", "-p", str(port)], stdout=out, stderr=out)
    endpoint = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(endpoint, process, log)
        client = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1",
                              aws_access_key_id="test-key", aws_secret_access_key="test-secret")
        client.create_bucket(Bucket=BUCKET)
        client.put_bucket_policy(Bucket=BUCKET, Policy=PUBLIC_READ)
        yield endpoint
    finally:
        process.terminate()
        process.wait(timeout=30)


def wait_until_up(endpoint: str, process, log: Path) -> None:
    for _ in range(300):
        if process.poll() is not None:
            raise RuntimeError(f"moto_server exited: {log.read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(endpoint, timeout=2):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("moto_server did not answer within 30 s")


def s3_environ(endpoint: str, **extra: str) -> dict:
    return {"NEWSROOM_S3_BUCKET": BUCKET, "NEWSROOM_S3_ENDPOINT_URL": endpoint,
            "NEWSROOM_S3_REGION": "us-east-1", **KEYS, **extra}


@pytest.fixture
def storage_from(settings):
    """Points default_storage at what media_storage() makes of an environment."""

    def use(environ: dict):
        settings.STORAGES = {**settings.STORAGES, "default": media_storage(environ)}
        from django.core.files.storage import default_storage

        return default_storage

    return use


def stored_object(endpoint: str, key: str) -> dict:
    client = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1",
                          aws_access_key_id="test-key", aws_secret_access_key="test-secret")
    return client.get_object(Bucket=BUCKET, Key=key)


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
