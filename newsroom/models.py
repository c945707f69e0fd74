"""Issues of the newsletter and the reporters who write it."""
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from newsroom.links import link
from newsroom.text.names import clean_name, code_points
from newsroom.text.slugs import unique_slug


class IssueQuerySet(models.QuerySet):
    def published(self):
        """Issues readers may see. Every public page starts here, and none shows the
        source file, which can be megabytes: it is not loaded."""
        return self.filter(status=Issue.Status.PUBLISHED).defer("source_text")


class Issue(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        PUBLISHED = "published", _("已发布")

    number = models.PositiveIntegerField(_("期号"), unique=True)
    date = models.DateField(_("出版日期"))
    title = models.CharField(_("标题"), max_length=200, blank=True)
    status = models.CharField(
        _("状态"), max_length=20, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    cover = models.ForeignKey(
        "images.Image", verbose_name=_("封面"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="issue_covers",
    )
    source_name = models.CharField(_("源文件名"), max_length=255, blank=True)
    source_sha256 = models.CharField(_("源文件 SHA-256"), max_length=64, blank=True, db_index=True)
    # The same issue saved in another encoding or with other line ends has other bytes but
    # this same hash, which is how an import recognises text that is already an issue.
    source_text_sha256 = models.CharField(
        _("源文本 SHA-256"), max_length=64, blank=True, db_index=True, help_text=_("统一换行符后的源文本的 SHA-256。")
    )
    source_text = models.TextField(_("源文本"), blank=True)
    imported_at = models.DateTimeField(_("导入时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)

    objects = IssueQuerySet.as_manager()

    class Meta:
        verbose_name = _("期")
        verbose_name_plural = _("期")
        ordering = ["-number"]
        # The archive lists published issues newest first, a page at a time, without a sort.
        indexes = [models.Index(fields=["status", "number"], name="issue_status_number_idx")]

    def __str__(self):
        return _("第%(number)s期") % {"number": self.number}

    def get_absolute_url(self):
        return link("issues:detail", number=self.number)

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED


class Reporter(models.Model):
    name = models.CharField(_("姓名"), max_length=50, unique=True)
    slug = models.SlugField(_("网址别名"), max_length=80, unique=True, blank=True)
    bio = models.TextField(_("简介"), blank=True)
    photo = models.ForeignKey(
        "images.Image", verbose_name=_("照片"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="reporter_photos",
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登录账号"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reporter",
        help_text=_("关联后，该记者可以编辑自己署名的草稿。"),
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("记者")
        verbose_name_plural = _("记者")
        ordering = ["name"]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        # Every write path stores the one form of the name, not only forms that clean().
        self.name = clean_name(self.name)
        if not self.slug:
            self.slug = unique_slug(model=Reporter, text=self.name, instance_pk=self.pk)
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return link("reporters:detail", slug=self.slug)

    def clean(self):
        # Before the unique check, so that 张\u200b三丰 is found to be the existing 张三丰.
        cleaned = clean_name(self.name)
        if self.name and not cleaned:
            raise ValidationError(
                {"name": _("姓名只由看不见的字符组成（%(codes)s）。") % {"codes": code_points(self.name)}}
            )
        self.name = cleaned


class ContentVersion(models.Model):
    """One row: a number that every change readers could see moves on (newsroom.freshness).

    Public pages are cached and answered with 304 under this number, so no page has to
    know which edits affect it. `next_boundary` is the soonest scheduled publication: when
    it passes, the number moves on too, so a scheduled article appears at its minute.
    """

    number = models.PositiveBigIntegerField(_("内容版本"), default=1)
    changed_at = models.DateTimeField(_("修改时间"))
    next_boundary = models.DateTimeField(_("下一次定时发布"), null=True, blank=True)

    class Meta:
        verbose_name = _("内容版本")
        verbose_name_plural = _("内容版本")

    def __str__(self):
        return str(self.number)
