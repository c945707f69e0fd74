"""Shared fixtures: the seed issue and small builders for test data."""
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SEED_PATH = next((ROOT / "seeds").glob("*.txt"))


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    # MD5 is unsafe for real passwords but makes creating test users cheap.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def seed_path() -> Path:
    return SEED_PATH


@pytest.fixture
def seed_bytes() -> bytes:
    return SEED_PATH.read_bytes()
