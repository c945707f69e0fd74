"""The picture library: one row per distinct picture, and the renditions made of it."""
from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import connections, models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

FOCAL_RANGE = [MinValueValidator(0.0), MaxValueValidator(1.0)]


class ImageQuerySet(models.QuerySet):
    def search(self, query: str):
        """Pictures whose title, alt text, caption or credit contain every word of the query."""
        result = self
        for word in (query or "").split():
            result = result.filter(
                Q(title__icontains=word) | Q(alt__icontains=word)
                | Q(caption__icontains=word) | Q(credit__icontains=word)
            )
        return result

    def hold(self, ids) -> set[int]:
        """The ids among `ids` of pictures that exist, each held against deletion until the
        transaction ends: a save that points at a picture holds it from its check to its
        commit, so a delete either waits and then finds it in use, or went first and the
        save sees it gone, never a foreign key failure at commit.

        FOR KEY SHARE on PostgreSQL, the lock a foreign key check takes: saves that show the
        same pictures never wait for each other (nor deadlock, whatever their order), only a
        delete (ImageAdmin) or a change of the picture's own row does. SQLite needs nothing:
        its writer holds the whole database from the start of the transaction."""
        ids = list(ids)
        if not ids:
            return set()
        if connections[self.db].vendor != "postgresql":
            return set(self.filter(pk__in=ids).values_list("pk", flat=True))
        table = connections[self.db].ops.quote_name(self.model._meta.db_table)
        with connections[self.db].cursor() as cursor:
            cursor.execute(f"SELECT id FROM {table} WHERE id = ANY(%s) FOR KEY SHARE", [ids])
            return {row[0] for row in cursor.fetchall()}


class Image(models.Model):
    class Shape(models.TextChoices):
        ORIGINAL = "original", _("原始比例")
        WIDE = "wide", _("16:9")
        SQUARE = "square", _("1:1")

    # The stored master: the upload re-encoded without its metadata (newsroom.images.safety).
    file = models.FileField(_("文件"), max_length=255, editable=False)
    title = models.CharField(_("标题"), max_length=200)
    alt = models.CharField(
        _("替代文字"), max_length=300,
        help_text=_("给看不到图片的读者：用中文说明图片里有什么。不能是文件名。"),
    )
    caption = models.CharField(_("图片说明"), max_length=500, blank=True)
    credit = models.CharField(_("摄影"), max_length=100, blank=True, help_text=_("摄影者或来源，例如：张三。"))
    focal_x = models.FloatField(_("焦点横坐标"), default=0.5, validators=FOCAL_RANGE)
    focal_y = models.FloatField(_("焦点纵坐标"), default=0.5, validators=FOCAL_RANGE)
    width = models.PositiveIntegerField(_("宽度"), editable=False)
    height = models.PositiveIntegerField(_("高度"), editable=False)
    bytes = models.PositiveIntegerField(_("字节数"), editable=False)
    sha256 = models.CharField(_("SHA-256"), max_length=64, unique=True, editable=False)
    format = models.CharField(_("格式"), max_length=10, editable=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("上传者"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+", editable=False,
    )
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)
    # Moves on when the focal point moves: renditions of an older version are stale.
    version = models.PositiveIntegerField(_("版本"), default=1, editable=False)
    # The renditions ready to serve, by shape and format (names in storage, not URLs), so a
    # page that shows the picture needs no query of its own. Empty until the worker made them.
    sources = models.JSONField(_("已生成的版本"), default=dict, blank=True, editable=False)

    objects = ImageQuerySet.as_manager()

    class Meta:
        verbose_name = _("图片")
        verbose_name_plural = _("图片")
        ordering = ["-uploaded_at", "-id"]

    def __str__(self):
        return self.title

    @property
    def ready(self) -> bool:
        """Whether the renditions of the current focal point are made."""
        return self.sources.get("version") == self.version

    def renditions_of(self, shape: str) -> dict:
        """The ready renditions of one shape, as `sources` holds them ({} when none are)."""
        return (self.sources or {}).get("shapes", {}).get(shape) or {}

    def usage(self) -> dict[str, list]:
        """What shows this picture, by kind; deleting it is refused while any list is non-empty."""
        return {
            "articles": list(
                self.lead_articles.model.objects.filter(
                    Q(lead_image=self) | Q(figures=self)
                ).distinct().order_by("-id")
            ),
            "issues": list(self.issue_covers.order_by("-number")),
            "reporters": list(self.reporter_photos.order_by("name")),
        }


class Rendition(models.Model):
    class Format(models.TextChoices):
        AVIF = "avif", "AVIF"
        WEBP = "webp", "WebP"
        JPEG = "jpeg", "JPEG"

    image = models.ForeignKey(Image, verbose_name=_("图片"), on_delete=models.CASCADE, related_name="renditions")
    version = models.PositiveIntegerField(_("版本"))
    shape = models.CharField(_("比例"), max_length=10, choices=Image.Shape.choices)
    format = models.CharField(_("格式"), max_length=10, choices=Format.choices)
    width = models.PositiveIntegerField(_("宽度"))
    height = models.PositiveIntegerField(_("高度"))
    file = models.CharField(_("文件"), max_length=255)
    bytes = models.PositiveIntegerField(_("字节数"))
    created_at = models.DateTimeField(_("生成时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("图片版本")
        verbose_name_plural = _("图片版本")
        constraints = [
            models.UniqueConstraint(
                fields=["image", "version", "shape", "format", "width"], name="rendition_unique"
            )
        ]

    def __str__(self):
        return f"{self.image_id} {self.shape} {self.width} {self.format}"
