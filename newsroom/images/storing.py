"""Adding a picture to the library: inspect, store the clean master, record it once."""
import re

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from newsroom.images.models import Image
from newsroom.images.safety import inspect

# "IMG_0042.JPG", "photo.jpeg": what a camera or a browser names a file, never a description.
FILE_NAME = re.compile(r"^[\w\-. ()]*\.(jpe?g|png|gif|webp|avif|heic|bmp|tiff?)$", re.IGNORECASE)


def clean_alt(alt: str) -> str:
    """The alt text, or ValidationError: it is required and is never a file name."""
    alt = " ".join((alt or "").split())
    if not alt:
        raise ValidationError({"alt": _("请填写替代文字：用中文说明图片里有什么。")}, code="required")
    if FILE_NAME.match(alt):
        raise ValidationError({"alt": _("替代文字不能是文件名，请说明图片里有什么。")}, code="file_name")
    return alt


def master_name(sha256: str, extension: str) -> str:
    # Named by content: the same picture always lands at the same place.
    return f"images/{sha256[:2]}/{sha256[:20]}{extension}"


def image_add(*, data: bytes, title: str = "", alt: str, caption: str = "", credit: str = "", user=None):
    """(Image, created). An identical picture already in the library is returned as it is.

    Raises ImageRefused for an unsafe or unreadable file and ValidationError for bad text,
    both before anything is written.
    """
    alt = clean_alt(alt)
    inspected = inspect(data)
    existing = stored_already(inspected.sha256)
    if existing is not None:
        return existing, False
    name = default_storage.save(master_name(inspected.sha256, inspected.extension), ContentFile(inspected.master))
    image = Image(
        file=name, title=(" ".join(title.split()) or alt)[:200], alt=alt, caption=" ".join(caption.split()),
        credit=" ".join(credit.split()), width=inspected.width, height=inspected.height,
        bytes=len(inspected.master), sha256=inspected.sha256, format=inspected.format,
        uploaded_by=user if user is not None and user.is_authenticated else None,
    )
    try:
        # Not sha256: its uniqueness is the database's to decide, below, because an identical
        # upload may commit after the look-up above (the IntegrityError branch answers it).
        image.full_clean(exclude=["file", "uploaded_by", "sha256"])
        with transaction.atomic():
            image.save()
    except IntegrityError:
        # Someone added the same picture meanwhile: theirs is the one. Its master can be this
        # very name: object storage (S3) has no atomic create, so two identical uploads may
        # both write the same key, and deleting it would take the winner's file away.
        winner = Image.objects.get(sha256=inspected.sha256)
        if winner.file.name != name:
            default_storage.delete(name)
        return winner, False
    except BaseException:
        default_storage.delete(name)
        raise
    return image, True


def stored_already(sha256: str):
    return Image.objects.filter(sha256=sha256).first()


def delete_files_of_image(sender, instance, **kwargs):
    """post_delete: the master goes once the row's deletion commits (a rollback keeps it)."""
    name = instance.file.name
    if name:
        transaction.on_commit(lambda: default_storage.delete(name))


def delete_file_of_rendition(sender, instance, **kwargs):
    if getattr(instance, "keep_file", False):  # its name is a new rendition's (renditions._record)
        return
    name = instance.file
    transaction.on_commit(lambda: default_storage.delete(name))
