"""The newsletter's name and other facts the public site, feeds and JSON-LD share."""
from django.utils.translation import gettext_lazy as _

SITE_NAME = _("高新区通讯")
SITE_TAGLINE = _("国家高新区的新闻与观察")
