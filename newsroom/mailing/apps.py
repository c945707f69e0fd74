from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MailingConfig(AppConfig):
    name = "newsroom.mailing"
    label = "mailing"
    verbose_name = _("邮件订阅")
    default_auto_field = "django.db.models.BigAutoField"
