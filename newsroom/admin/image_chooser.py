"""The image chooser: the list of library pictures its dialog pages through, and the widget
of the image fields (issue cover, lead image, reporter photo).

The list and the widget show what is ready (a rendition the worker made) or else the
stored master; they never make a rendition, as no request does.
"""
from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import models, transaction
from django.http import JsonResponse
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.views.decorators.http import require_GET

from articles.body import credit_line
from newsroom.admin.keys import is_key
from newsroom.images.html import smallest, url
from newsroom.images.models import Image

PER_PAGE = 24
MAX_QUERY_CHARS = 100
# The smallest ready rendition makes the thumbnail: a square one first, as the grid shows
# squares; WebP before JPEG, which every browser the desk uses reads.
THUMBNAIL_SHAPES = ("square", "original", "wide")
THUMBNAIL_FORMATS = ("webp", "jpeg")


def thumbnail(image: Image) -> tuple[str, int, int]:
    """(url, width, height) of the smallest ready rendition, else of the master."""
    return smallest(image, shapes=THUMBNAIL_SHAPES, formats=THUMBNAIL_FORMATS)


def image_summary(image: Image) -> dict:
    """What the dialog shows of a picture, and what a field or a figure takes from it."""
    thumb, thumb_width, thumb_height = thumbnail(image)
    return {
        "id": image.pk, "title": image.title, "alt": image.alt, "caption": image.caption,
        "credit": image.credit, "credit_line": credit_line(image.credit),
        # A figure in the body names the master; the public page shows renditions of it.
        "src": url(image.file.name), "width": image.width, "height": image.height,
        "thumb": thumb, "thumb_width": thumb_width, "thumb_height": thumb_height,
    }


def can_choose(user) -> bool:
    return user.has_perm("images.view_image") or user.has_perm("images.change_image")


@require_GET
def image_choices(request):
    """One page of the library, newest first, or of the pictures matching `q` (title, alt
    text, caption, credit), as JSON for the chooser dialog."""
    if not can_choose(request.user):
        raise PermissionDenied
    query = request.GET.get("q", "").strip()[:MAX_QUERY_CHARS]
    images = Image.objects.search(query).order_by("-uploaded_at", "-id")
    page = Paginator(images, PER_PAGE).get_page(request.GET.get("page"))
    return JsonResponse({
        "query": query,
        "count": page.paginator.count,
        "page": page.number,
        "pages": page.paginator.num_pages,
        "previous": page.previous_page_number() if page.has_previous() else None,
        "next": page.next_page_number() if page.has_next() else None,
        "results": [image_summary(image) for image in page.object_list],
    })


def dialog_context(prefix: str) -> dict:
    try:
        upload_url = reverse("admin:images_image_add")
    except NoReverseMatch:  # the library's own admin pages are not installed
        upload_url = ""
    return {"dialog_id": f"{prefix}_chooser", "chooser_url": reverse("image_choices"), "upload_url": upload_url}


class ImageChooserWidget(forms.Widget):
    """A hidden input with the picture's id, its thumbnail and alt text, 选择图片 and 清除."""

    template_name = "admin/widgets/image_chooser.html"

    @property
    def media(self):
        return forms.Media(js=["js/image-chooser.js"], css={"all": ["css/image-chooser.css"]})

    def id_for_label(self, id_):
        # The field's label names the 选择图片 button: a hidden input cannot be labelled.
        return f"{id_}_choose" if id_ else id_

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        widget = context["widget"]
        image = self._image(value)
        widget["image"] = image_summary(image) if image else None
        widget.update(dialog_context(widget["attrs"].get("id") or name))
        return context

    def render(self, name, value, attrs=None, renderer=None):
        # The project's templates, not the form renderer's (which reads only Django's own).
        return render_to_string(self.template_name, self.get_context(name, value, attrs))

    @staticmethod
    def _image(value) -> Image | None:
        # A form shown again with its errors carries what was posted, whatever it was.
        if value in (None, "") or not is_key(Image._meta.pk, value):
            return None
        return Image.objects.filter(pk=value).first()


class ImageChoiceField(forms.ModelChoiceField):
    """A picture by its id; an id that is no number the column can hold is refused, not looked up."""

    widget = ImageChooserWidget

    def to_python(self, value):
        if value not in self.empty_values and not is_key(self.queryset.model._meta.pk, value):
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        if value not in self.empty_values and transaction.get_connection(self.queryset.db).in_atomic_block:
            # The admin validates and saves in one transaction: the chosen picture is held
            # until it ends (ImageQuerySet.hold), so one deleted meanwhile is a form error here.
            Image.objects.using(self.queryset.db).hold([Image._meta.pk.to_python(value)])
        return super().to_python(value)


class ImageChooserAdminMixin:
    """Put before admin.ModelAdmin: every foreign key to a picture takes the chooser rather
    than a <select> listing the whole library."""

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if isinstance(db_field, models.ForeignKey) and db_field.related_model is Image:
            return db_field.formfield(form_class=ImageChoiceField, widget=ImageChooserWidget, **kwargs)
        return super().formfield_for_dbfield(db_field, request, **kwargs)
