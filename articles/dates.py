"""How the desk writes a moment: in the newsroom's time zone (settings.TIME_ZONE), to the minute."""
from datetime import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone


def format_local(value: datetime | None) -> str:
    if value is None:
        return ""
    return timezone.localtime(value, ZoneInfo(settings.TIME_ZONE)).strftime("%Y-%m-%d %H:%M")
