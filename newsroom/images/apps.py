from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ImagesConfig(AppConfig):
    name = "newsroom.images"
    label = "images"
    verbose_name = _("图片")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.db.models.signals import post_delete

        from newsroom.images.models import Image, Rendition
        from newsroom.images.storing import delete_file_of_rendition, delete_files_of_image

        post_delete.connect(delete_files_of_image, sender=Image, dispatch_uid="images-delete-files")
        post_delete.connect(delete_file_of_rendition, sender=Rendition, dispatch_uid="rendition-delete-file")
