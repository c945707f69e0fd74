"""Absolute links for emails, which are built on the worker, away from any request."""
from django.conf import settings


def absolute(path: str) -> str:
    """settings.NEWSROOM_SITE_URL joined with a site path such as /issues/3/."""
    return settings.NEWSROOM_SITE_URL.rstrip("/") + "/" + path.lstrip("/")
