"""moto's S3 server as a real subprocess on loopback, with one public-read bucket.

The same stand-in as tests/test_media_storage.py, for the tests that put images and
backups in a bucket. Each test names its own prefix (NEWSROOM_S3_PREFIX), so tests that
share the server do not see each other's files.
"""
import json
import subprocess
import sys
import time
import urllib.request
import uuid
from contextlib import contextmanager
from pathlib import Path

import boto3

from newsroom.settings import media_storage
from tests.realserver import free_port

MOTO_SERVER = str(Path(sys.executable).with_name("moto_server"))
BUCKET = "newsroom-media"
KEYS = {"NEWSROOM_S3_ACCESS_KEY_ID": "test-key", "NEWSROOM_S3_SECRET_ACCESS_KEY": "test-secret"}
# The bucket policy of docs/deploy.md: anyone may read what is under media/, nothing else.
PUBLIC_READ = json.dumps({
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
                   "Resource": f"arn:aws:s3:::{BUCKET}/media/*"}],
})


@contextmanager
def moto_s3(workdir: Path):
    """The endpoint URL of a running moto server holding one empty bucket, until the block ends."""
    port = free_port()
    log = workdir / "moto.log"
    with log.open("w") as out:
        process = subprocess.Popen([MOTO_SERVER, "-H", "127.0.0.1", "-p", str(port)], stdout=out, stderr=out)
    endpoint = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(endpoint, process, log)
        client(endpoint).create_bucket(Bucket=BUCKET)
        client(endpoint).put_bucket_policy(Bucket=BUCKET, Policy=PUBLIC_READ)
        yield endpoint
    finally:
        process.terminate()
        process.wait(timeout=30)


def _wait_until_up(endpoint: str, process, log: Path) -> None:
    for _ in range(300):
        if process.poll() is not None:
            raise RuntimeError(f"moto_server exited: {log.read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(endpoint, timeout=2):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("moto_server did not answer within 30 s")


def client(endpoint: str):
    return boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1",
                        aws_access_key_id="test-key", aws_secret_access_key="test-secret")


def s3_environ(endpoint: str, *, prefix: str = "") -> dict:
    """The environment that selects the bucket (newsroom.settings.media_storage); a fresh prefix by default."""
    return {"NEWSROOM_S3_BUCKET": BUCKET, "NEWSROOM_S3_ENDPOINT_URL": endpoint, "NEWSROOM_S3_REGION": "us-east-1",
            "NEWSROOM_S3_PREFIX": prefix or f"media/{uuid.uuid4().hex[:8]}", **KEYS}


def bucket_keys(endpoint: str, prefix: str) -> list[str]:
    """Every key under the prefix, relative to it, sorted."""
    pages = client(endpoint).get_paginator("list_objects_v2").paginate(Bucket=BUCKET, Prefix=f"{prefix}/")
    return sorted(obj["Key"].removeprefix(f"{prefix}/") for page in pages for obj in page.get("Contents", []))


def bucket_object(endpoint: str, key: str) -> bytes:
    return client(endpoint).get_object(Bucket=BUCKET, Key=key)["Body"].read()


def use_bucket(settings, endpoint: str) -> str:
    """Points default_storage at a fresh prefix of the bucket; returns the prefix."""
    environ = s3_environ(endpoint)
    settings.STORAGES = {**settings.STORAGES, "default": media_storage(environ)}
    return environ["NEWSROOM_S3_PREFIX"]
