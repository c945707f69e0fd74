from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EditionsConfig(AppConfig):
    name = "newsroom.editions"
    label = "editions"
    verbose_name = _("版本")
    default_auto_field = "django.db.models.BigAutoField"
