from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EditionsConfig(AppConfig):
    name = "newsroom.editions"
    label = "editions"
    verbose_name = _("出版")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        import reversion
        from django.db.models.signals import post_delete

        from newsroom.editions.models import PrintEdition, SiteInfo
        from newsroom.editions.printing import delete_files_of_edition

        # The site information is what the law asks a paper to print: who changed it, and
        # what it said when an old issue was printed, stays on record.
        if not reversion.is_registered(SiteInfo):
            reversion.register(SiteInfo)
        post_delete.connect(delete_files_of_edition, sender=PrintEdition, dispatch_uid="editions-delete-files")
