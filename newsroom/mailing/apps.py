from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MailingConfig(AppConfig):
    name = "newsroom.mailing"
    label = "mailing"
    verbose_name = _("邮件订阅")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from anymail.signals import tracking

        from newsroom.mailing.bounces import tracking_event_received

        # A provider's bounce and complaint reports (django-anymail's webhooks) stop mail.
        tracking.connect(tracking_event_received, dispatch_uid="newsroom.mailing.bounces")
