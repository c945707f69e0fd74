"""How a person is credited in a byline (Byline.Role); the card renderer prints it too."""
from django.db import models
from django.utils.translation import gettext_lazy as _


class BylineRole(models.TextChoices):
    AUTHOR = "作者", _("作者")
    REPORTER = "记者", _("记者")
    CORRESPONDENT = "通讯员", _("通讯员")
