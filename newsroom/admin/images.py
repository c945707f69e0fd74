"""The image library in the admin: upload (one or many at once), focal point, usage, refused deletes.

Every upload goes through newsroom.tasks.image_upload, the one safe path (the file is
inspected before anything is written, renditions are made by the worker); a moved focal
point goes through image_refocus. Nothing here makes a rendition or decodes an image.
"""
import json
from pathlib import PurePath

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.actions import delete_selected
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Func, IntegerField, OuterRef, Q, Subquery
from django.db.models.deletion import ProtectedError
from django.http import HttpResponseRedirect, JsonResponse
from django.template.defaultfilters import filesizeformat
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from articles.models import Article
from newsroom.admin.article_forms import UnlabelledHiddenInput
from newsroom.admin.keys import CheckedKeysAdmin
from newsroom.images import html as image_html
from newsroom.images import safety
from newsroom.images.models import Image
from newsroom.images.safety import ImageRefused
from newsroom.images.storing import clean_alt
from newsroom.models import Issue, Reporter
from newsroom.tasks import DESCRIPTION_FIELDS, image_describe, image_refocus, image_upload

# --- usage counted in the changelist query --------------------------------------------------


class CountDistinct(Func):
    """COUNT(DISTINCT pk) as a subquery's only column: an article that holds the image as its
    lead and as a figure counts once, and each row's count costs no query of its own."""

    template = "COUNT(DISTINCT %(expressions)s)"
    output_field = IntegerField()


def _count(queryset) -> Subquery:
    return Subquery(queryset.order_by().annotate(n=CountDistinct("pk")).values("n"), output_field=IntegerField())


def with_usage(queryset):
    image = OuterRef("pk")
    return queryset.annotate(
        _articles=_count(Article.objects.filter(Q(lead_image=image) | Q(figures=image))),
        _issues=_count(Issue.objects.filter(cover=image)),
        _reporters=_count(Reporter.objects.filter(photo=image)),
    )


def usage_line(*, articles: int, issues: int, reporters: int) -> str:
    """The list's usage column: "用于 3 篇文章、1 期封面", or "未使用"."""
    parts = []
    if articles:
        parts.append(_("%(count)d 篇文章") % {"count": articles})
    if issues:
        parts.append(_("%(count)d 期封面") % {"count": issues})
    if reporters:
        parts.append(_("%(count)d 位记者的照片") % {"count": reporters})
    return _("用于 %(uses)s") % {"uses": "、".join(parts)} if parts else _("未使用")


def usage_items(image) -> list[str]:
    """What uses the image, one line each, for the refused delete."""
    usage = image.usage()
    return [
        *(_("文章：%(headline)s") % {"headline": a.headline} for a in usage["articles"]),
        *(_("期刊封面：%(issue)s") % {"issue": i} for i in usage["issues"]),
        *(_("记者照片：%(name)s") % {"name": r.name} for r in usage["reporters"]),
    ]


class UsageFilter(admin.SimpleListFilter):
    title = gettext_lazy("使用情况")
    parameter_name = "used"

    def lookups(self, request, model_admin):
        return [("yes", _("正在使用")), ("no", _("未使用"))]

    def queryset(self, request, queryset):
        used = Q(_articles__gt=0) | Q(_issues__gt=0) | Q(_reporters__gt=0)
        if self.value() == "yes":
            return queryset.filter(used)
        if self.value() == "no":
            return queryset.exclude(used)
        return queryset


# --- URLs of stored files, never a rendition made on the way ---------------------------------


def thumbnail_url(image) -> str:
    """The smallest square JPEG when the worker has made it, else the master as uploaded."""
    return image_html.smallest(image, shapes=("square",), formats=("jpeg",))[0]


def rendition_status(image) -> str:
    if image.ready:
        return _("第 %(version)d 版的缩放图已生成") % {"version": image.version}
    return _("第 %(version)d 版的缩放图正在后台生成，生成前页面使用原图") % {"version": image.version}


# --- forms ----------------------------------------------------------------------------------


def alt_problem(*, alt: str, file_name: str) -> str | None:
    """The uploaded file's own name, even without its extension, is no alt text either.

    newsroom.images.storing.clean_alt refuses anything shaped like a file name; this catches
    "IMG_0042" typed for IMG_0042.JPG, which only the form knows to be the file's name."""
    name = PurePath(file_name)
    if alt.strip().casefold() in {name.name.casefold(), name.stem.casefold()}:
        return _("替代文字不能是文件名，请说明图片里有什么。")
    return None


def checked_alt(value: str) -> str:
    try:
        return clean_alt(value)
    except ValidationError as error:
        raise ValidationError(error.message_dict["alt"]) from None


class ImageUploadForm(forms.Form):
    required_css_class = "required"  # the admin's bold label of a field that must be filled

    # An empty file reaches newsroom.images.safety, which refuses it with the same words on
    # every path (admin, importer, shell).
    file = forms.FileField(
        allow_empty_file=True,
        label=gettext_lazy("图片文件"),
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp,image/gif,image/avif"}),
    )
    title = forms.CharField(
        label=gettext_lazy("标题"), max_length=200, required=False, help_text=gettext_lazy("留空时用替代文字。"),
        widget=forms.TextInput(attrs={"class": "vTextField"}),
    )
    alt = forms.CharField(
        label=gettext_lazy("替代文字"),
        max_length=300,
        error_messages={"required": gettext_lazy("请填写替代文字：用中文说明图片里有什么。")},
        widget=forms.TextInput(attrs={"class": "vTextField"}),
        help_text=gettext_lazy("给看不到图片的读者：用中文说明图片里有什么。必填，不能是文件名。"),
    )
    caption = forms.CharField(
        label=gettext_lazy("图片说明"), required=False, max_length=500, widget=forms.TextInput(attrs={"class": "vTextField"}),
    )
    credit = forms.CharField(
        label=gettext_lazy("摄影"), required=False, max_length=100, help_text=gettext_lazy("摄影者或来源，例如：张三。"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = _("JPEG、PNG、WebP、GIF 或 AVIF，不超过 %(mb)d MB。") % {
            "mb": safety.MAX_BYTES // 2**20,
        }

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > safety.MAX_BYTES:
            # Refused before it is read into memory, in safety.inspect's words (the same
            # message on every path).
            raise ValidationError(_("文件太大：%(size)s MB，上限 %(limit)s MB。") % {
                "size": f"{upload.size / 1024 / 1024:.1f}", "limit": safety.MAX_BYTES // 1024 // 1024,
            })
        return upload

    def clean_alt(self):
        return checked_alt(self.cleaned_data["alt"])

    def clean(self):
        cleaned = super().clean()
        upload, alt = cleaned.get("file"), cleaned.get("alt")
        if upload and alt and (problem := alt_problem(alt=alt, file_name=upload.name)):
            self.add_error("alt", problem)
        return cleaned

    def upload(self, *, user):
        """(image, created) through the safe path; a refusal becomes this form's error."""
        data = self.cleaned_data["file"].read()
        fields = {k: self.cleaned_data[k] for k in ("title", "alt", "caption", "credit")}
        try:
            return image_upload(data=data, user=user, **fields)
        except ImageRefused as refused:
            self.add_error("file", refused.message)
        except ValidationError as error:
            self.add_error(None, error)
        return None, False


# What an editor may change on the change page, which another editor's save must not undo.
EDITED_FIELDS = ("title", "alt", "caption", "credit", "focal_x", "focal_y")


def edited_values(image: Image) -> dict:
    return {name: getattr(image, name) for name in EDITED_FIELDS}


class ImageChangeForm(forms.ModelForm):
    # The values the page was loaded with: a save made from them while someone else saved
    # others is refused, instead of writing this page's old values over the other's edit.
    loaded = forms.CharField(widget=UnlabelledHiddenInput, required=False)

    class Meta:
        model = Image
        fields = ["title", "alt", "caption", "credit", "focal_x", "focal_y"]
        # Numbers the picker fills in and the editor may also type; a hidden input's label
        # would point at nothing a screen reader can reach.
        widgets = {
            "focal_x": forms.NumberInput(attrs={"step": "0.0001", "min": "0", "max": "1"}),
            "focal_y": forms.NumberInput(attrs={"step": "0.0001", "min": "0", "max": "1"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            self.fields["loaded"].initial = json.dumps(edited_values(self.instance), ensure_ascii=False)

    def clean_alt(self):
        return checked_alt(self.cleaned_data["alt"])

    def clean(self):
        cleaned = super().clean()
        self.refuse_stale(cleaned.get("loaded") or "")
        return cleaned

    def refuse_stale(self, loaded: str) -> None:
        """Compare with the row as it is now, locked until the admin's transaction ends (on
        SQLite the IMMEDIATE transaction holds the write lock already)."""
        if self.instance.pk is None or not loaded:
            return
        current = edited_values(Image.objects.select_for_update().get(pk=self.instance.pk))
        try:
            seen = json.loads(loaded)
        except ValueError:
            seen = {}
        changed = [name for name in EDITED_FIELDS if not isinstance(seen, dict) or seen.get(name) != current[name]]
        if not changed:
            return
        # Saving again after reading this is a deliberate choice: the form now carries the
        # current values, and the editor's own stay as typed.
        self.data = self.data.copy()
        self.data[self.add_prefix("loaded")] = json.dumps(current, ensure_ascii=False)
        labels = "、".join(str(Image._meta.get_field(name).verbose_name) for name in changed)
        raise ValidationError(
            _("你打开这一页之后，别人修改并保存了这张图片（%(fields)s）。你填写的内容还在下面，"
              "没有保存；核对后再次保存，将以你的内容为准。") % {"fields": labels},
            code="stale",
        )


# --- the admin ------------------------------------------------------------------------------


@admin.register(Image)
class ImageAdmin(CheckedKeysAdmin, admin.ModelAdmin):
    form = ImageChangeForm
    list_display = ["thumbnail", "title", "credit", "size", "file_bytes", "usage", "uploaded_by", "uploaded_at"]
    list_display_links = ["thumbnail", "title"]
    list_filter = [UsageFilter, "format", "uploaded_at"]
    search_fields = ["title", "alt", "caption", "credit"]
    list_select_related = ["uploaded_by"]
    ordering = ["-uploaded_at", "-pk"]
    date_hierarchy = "uploaded_at"
    readonly_fields = ["rendition_status", "size", "file_bytes", "format", "uploaded_by", "uploaded_at"]
    fieldsets = [
        (None, {"fields": ["loaded", "title", "alt", "caption", "credit", "focal_x", "focal_y"]}),
        (gettext_lazy("文件"), {"fields": ["rendition_status", "size", "file_bytes", "format", "uploaded_by",
                                          "uploaded_at"]}),
    ]

    class Media:
        css = {"all": ["css/image-admin.css"]}
        js = ["js/image-focal.js"]

    def get_fieldsets(self, request, obj=None):
        if obj is None or self.has_change_permission(request, obj):
            return self.fieldsets
        # A view-only page shows values, and "loaded" is the form's, not a value of the image.
        first, *rest = self.fieldsets
        return [(first[0], {"fields": [f for f in first[1]["fields"] if f != "loaded"]}), *rest]

    def get_queryset(self, request):
        return with_usage(super().get_queryset(request))

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("batch/", view(self.batch_view), name="images_image_batch"),
            path("upload/", view(require_POST(self.upload_view)), name="images_image_upload"),
            *super().get_urls(),
        ]

    # columns

    @admin.display(description=gettext_lazy("缩略图"))
    def thumbnail(self, obj):
        return format_html('<img class="image-thumb" src="{}" alt="{}" width="60" height="60" loading="lazy">',
                           thumbnail_url(obj), obj.alt)

    @admin.display(description=gettext_lazy("尺寸"))
    def size(self, obj):
        return f"{obj.width}×{obj.height}"

    @admin.display(description=gettext_lazy("大小"), ordering="bytes")
    def file_bytes(self, obj):
        return filesizeformat(obj.bytes)

    @admin.display(description=gettext_lazy("使用情况"))
    def usage(self, obj):
        return usage_line(articles=obj._articles, issues=obj._issues, reporters=obj._reporters)

    @admin.display(description=gettext_lazy("缩放图"))
    def rendition_status(self, obj):
        return rendition_status(obj)

    # adding: one file on the add page, several on the batch page

    def add_view(self, request, form_url="", extra_context=None):
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = ImageUploadForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            image, created = form.upload(user=request.user)
            if image is not None:
                return self._uploaded(request, image, created)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts, "title": _("上传图片"), "form": form,
            "media": self.media + form.media, "has_view_permission": self.has_view_permission(request),
        }
        return TemplateResponse(request, "admin/images/image/add.html", context)

    def _uploaded(self, request, image, created):
        if created:
            self.log_addition(request, image, [{"added": {}}])
            self.message_user(request, _("图片“%(title)s”已上传，缩放图正在后台生成。") % {"title": image.title},
                              messages.SUCCESS)
        else:
            self.message_user(request, _("这张图片已经在图片库里：“%(title)s”。没有重复上传。") % {"title": image.title},
                              messages.WARNING)
        return HttpResponseRedirect(reverse("admin:images_image_change", args=[image.pk]))

    def batch_view(self, request):
        if not self.has_add_permission(request):
            raise PermissionDenied
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts, "title": _("批量上传图片"), "media": self.media, "max_bytes": safety.MAX_BYTES,
        }
        return TemplateResponse(request, "admin/images/image/batch.html", context)

    def upload_view(self, request):
        """One file of the batch page, as JSON; CSRF-checked like every admin view."""
        if not self.has_add_permission(request):
            return JsonResponse({"ok": False, "message": _("你没有上传图片的权限。")}, status=403)
        form = ImageUploadForm(request.POST, request.FILES)
        image, created = form.upload(user=request.user) if form.is_valid() else (None, False)
        if image is None:
            errors = {name: [str(e) for e in errs] for name, errs in form.errors.items()}
            message = "；".join(e for errs in errors.values() for e in errs)
            return JsonResponse({"ok": False, "message": message, "errors": errors}, status=400)
        if created:
            self.log_addition(request, image, [{"added": {}}])
        message = _("已上传") if created else _("图片库里已有这张图片：“%(title)s”") % {"title": image.title}
        return JsonResponse({
            "ok": True, "created": created, "id": image.pk, "title": image.title, "message": message,
            "url": reverse("admin:images_image_change", args=[image.pk]), "thumbnail": thumbnail_url(image),
        }, status=201 if created else 200)

    # changing: a moved focal point is a new version, rendered by the worker

    def save_model(self, request, obj, form, change):
        moved = {"focal_x", "focal_y"} & set(form.changed_data)
        described = [name for name in form.changed_data if name in DESCRIPTION_FIELDS]
        if described:
            # Through the one path that also renews the cards and pages that show these words.
            image_describe(image=obj, **{name: form.cleaned_data[name] for name in described})
        if moved:
            image_refocus(image=obj, focal_x=form.cleaned_data["focal_x"], focal_y=form.cleaned_data["focal_y"])

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except Image.DoesNotExist:
            # Deleted by another editor while this form was saved: image_describe and
            # image_refocus read the row again, locked, and find it gone (the save rolled back).
            self.message_user(request, DELETED_MEANWHILE, messages.WARNING)
            return HttpResponseRedirect(reverse("admin:images_image_changelist"))

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            context["image_url"] = image_html.url(obj.file.name)
        return super().render_change_form(request, context, add, change, form_url, obj)

    # deleting: an image in use stays, and the editor sees where it is used

    def get_deleted_objects(self, objs, request):
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        uses = [line for image in objs for line in usage_items(image)]
        return deleted, counts, perms_needed, uses if uses else protected

    def delete_model(self, request, obj):
        lock_for_delete([obj.pk])
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        lock_for_delete(list(queryset.values_list("pk", flat=True)))
        super().delete_queryset(request, queryset)

    def delete_view(self, request, object_id, extra_context=None):
        try:
            return super().delete_view(request, object_id, extra_context)
        except ProtectedError:
            # Put to use between the confirmation page and the deletion (Django's delete
            # view is one transaction: its log entry went with it).
            return self._refused_after_all(request, reverse("admin:images_image_change", args=[object_id]))

    def get_actions(self, request):
        actions = super().get_actions(request)
        if "delete_selected" in actions:
            _action, name, description = actions["delete_selected"]
            actions["delete_selected"] = (delete_selected_at_once, name, description)
        return actions

    def _refused_after_all(self, request, url):
        self.message_user(request, IN_USE_MEANWHILE, messages.ERROR)
        return HttpResponseRedirect(url)


IN_USE_MEANWHILE = gettext_lazy("图片刚被用上，没有删除。")
DELETED_MEANWHILE = gettext_lazy("这张图片刚被其他人删除，修改没有保存。")


def lock_for_delete(ids: list[int]) -> None:
    """Hold the rows before Django looks for what uses them: a save that chose one of these
    pictures (and holds it, ImageChoiceField, Article.sync_figures) commits first, and the
    look-up then sees it and refuses with ProtectedError instead of deleting a row whose
    new reference fails the foreign key at commit."""
    list(Image.objects.select_for_update().filter(pk__in=ids).order_by("pk").values_list("pk"))


def delete_selected_at_once(modeladmin, request, queryset):
    """Django's delete action in one transaction: all the selected images go, or none (and no
    log entry says they went) when one was put to use after the confirmation page."""
    try:
        with transaction.atomic():
            return delete_selected(modeladmin, request, queryset)
    except ProtectedError:
        modeladmin.message_user(request, IN_USE_MEANWHILE, messages.ERROR)
        return None
