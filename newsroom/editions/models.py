"""What the print and 公众号 editions keep: the site information they print, one print
edition per issue, the pushes to the 公众号 草稿箱 and the access token they share."""
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from newsroom.identity import SITE_NAME

# What an internal publication (内部资料性出版物) prints on its masthead, beside its 准印证号.
INTERNAL_LINE = "内部资料 免费交流"


class SiteInfo(models.Model):
    """The one row of facts the editions print about the paper itself.

    内部资料性出版物管理办法 asks an internal publication to print its name, 准印证号 and
    内部资料 免费交流 on the masthead (报头), and its 编印单位, 发送对象, 印刷单位, 印刷日期,
    印数 and the 准印证号 again at the foot of the last page (报尾)."""

    ROW = 1

    name = models.CharField(_("刊名"), max_length=50, default=SITE_NAME)
    sponsor = models.CharField(_("主办单位"), max_length=100, blank=True)
    publisher = models.CharField(
        _("编印单位"), max_length=100, blank=True, help_text=_("内部资料必填：负责编辑和印制的单位。")
    )
    address = models.CharField(_("地址"), max_length=200, blank=True)
    postcode = models.CharField(_("邮编"), max_length=6, blank=True)
    phone = models.CharField(_("电话"), max_length=50, blank=True)
    email = models.EmailField(_("电子邮箱"), blank=True)
    website = models.URLField(_("网址"), blank=True, help_text=_("留空则用本站网址。"))
    internal = models.BooleanField(
        _("内部资料性出版物"), default=False,
        help_text=_("勾选后，报头印准印证号和“内部资料 免费交流”，报尾印编印单位、发送对象、印刷单位和印数。"),
    )
    permit_number = models.CharField(_("准印证号"), max_length=50, blank=True, help_text=_("例如：（京）0123号。"))
    distribution = models.CharField(_("发送对象"), max_length=200, blank=True, help_text=_("例如：园区企业及相关单位。"))
    printer = models.CharField(_("印刷单位"), max_length=100, blank=True)
    print_run = models.PositiveIntegerField(_("印数"), null=True, blank=True, help_text=_("每期印刷份数。"))
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)

    class Meta:
        verbose_name = _("出版信息")
        verbose_name_plural = _("出版信息")

    def __str__(self):
        return str(_("出版信息"))

    def save(self, *args, **kwargs):
        self.pk = self.ROW  # one row, whatever the form or a restore says
        super().save(*args, **kwargs)

    @classmethod
    def current(cls) -> "SiteInfo":
        """The row, or the defaults until an editor saves it once."""
        return cls.objects.filter(pk=cls.ROW).first() or cls(pk=cls.ROW)

    @property
    def internal_line(self) -> str:
        return INTERNAL_LINE if self.internal else ""

    def site_url(self) -> str:
        return self.website or settings.NEWSROOM_SITE_URL

    def clean(self):
        if not self.internal:
            return
        missing = {
            field: _("内部资料性出版物必须填写%(label)s。") % {"label": self._meta.get_field(field).verbose_name}
            for field in ("permit_number", "publisher", "distribution")
            if not getattr(self, field).strip()
        }
        if missing:
            raise ValidationError(missing)


class PrintEditionQuerySet(models.QuerySet):
    def ready(self):
        """Editions readers may see: made at least once, of an issue that is published. The
        数字报's one visibility rule; the articles on a page are still checked with
        Article.objects.published(), for one unpublished after printing.

        Made once, not READY: while an issue is printed again, or when printing it again
        failed, the row keeps the last edition's files, and readers keep reading it."""
        return self.exclude(pdf="").filter(issue__status="published")


class PrintEdition(models.Model):
    """The issue as a printed newspaper: its PDF and, for the 数字报, its pages as images
    with the rectangle each article covers."""

    class Status(models.TextChoices):
        PENDING = "pending", _("排队中")
        RENDERING = "rendering", _("生成中")
        READY = "ready", _("已生成")
        FAILED = "failed", _("生成失败")

    issue = models.OneToOneField(
        "newsroom.Issue", verbose_name=_("期"), on_delete=models.CASCADE, related_name="print_edition"
    )
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.PENDING)
    # Moves on with every request, so that a run started for an older request drops its
    # result instead of overwriting a newer one.
    generation = models.PositiveIntegerField(_("生成序号"), default=0)
    pdf = models.FileField(_("PDF 文件"), max_length=255, blank=True, editable=False)
    pdf_size = models.PositiveIntegerField(_("PDF 大小"), default=0, editable=False)
    page_count = models.PositiveSmallIntegerField(_("版数"), default=0, editable=False)
    # One item a page: its size in points, its images, its articles in reading order and the
    # rectangles they cover, as fractions of the page (origin top left).
    pages = models.JSONField(_("版面"), default=list, blank=True, editable=False)
    # What the run printed ({"articles": {id: version}, "site_info": time}), so the desk can
    # tell when the edition no longer matches the articles.
    sources = models.JSONField(_("生成依据"), default=dict, blank=True, editable=False)
    requested_at = models.DateTimeField(_("请求时间"), null=True, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("请求人"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    problem = models.TextField(_("问题"), blank=True)

    objects = PrintEditionQuerySet.as_manager()

    class Meta:
        verbose_name = _("印刷版")
        verbose_name_plural = _("印刷版")
        permissions = [("print_edition", _("可以重新生成印刷版"))]

    def __str__(self):
        return _("%(issue)s印刷版") % {"issue": self.issue}

    @property
    def readable(self) -> bool:
        """Whether it has files to read (the rule of ready(), for a row already loaded)."""
        return bool(self.pdf) and self.issue.is_published


class WechatPush(models.Model):
    """One push of an article to the 公众号's 草稿箱; a person publishes it from there."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("排队中")
        PUSHING = "pushing", _("推送中")
        DONE = "done", _("已推送")
        FAILED = "failed", _("推送失败")

    UNFINISHED = (Status.QUEUED, Status.PUSHING)

    article = models.ForeignKey(
        "articles.Article", verbose_name=_("文章"), on_delete=models.CASCADE, related_name="wechat_pushes"
    )
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.QUEUED)
    article_version = models.PositiveIntegerField(_("文章版本"), default=0)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("推送人"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )
    requested_at = models.DateTimeField(_("请求时间"), auto_now_add=True)
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    media_id = models.CharField(_("草稿 media_id"), max_length=200, blank=True)
    problem = models.TextField(_("问题"), blank=True)

    class Meta:
        verbose_name = _("公众号推送")
        verbose_name_plural = _("公众号推送")
        ordering = ["-requested_at", "-id"]
        permissions = [("push_wechat", _("可以推送到公众号草稿箱"))]
        constraints = [
            # Two editors pressing 推送到草稿箱 at once make one push, not two drafts.
            models.UniqueConstraint(
                fields=["article"], condition=Q(status__in=["queued", "pushing"]), name="one_unfinished_wechat_push",
            ),
        ]

    def __str__(self):
        return f"{self.article_id}: {self.get_status_display()}"


class WechatToken(models.Model):
    """The account's access token, in the database so that every app server and worker uses
    the same one: WeChat allows a few thousand a day, and each new one soon ends the last."""

    appid = models.CharField(_("AppID"), max_length=64, unique=True)
    token = models.CharField(_("access_token"), max_length=1024)
    expires_at = models.DateTimeField(_("过期时间"))

    class Meta:
        verbose_name = _("公众号 access_token")
        verbose_name_plural = _("公众号 access_token")

    def __str__(self):
        return self.appid


class WechatUpload(models.Model):
    """A picture already on the account's WeChat servers, so that pushing an article again (or
    another article with the same picture) does not upload it again: uploadimg counts against
    a daily quota, and every add_material takes one of the account's 100,000 materials."""

    class Kind(models.TextChoices):
        BODY = "body", _("正文图片")
        COVER = "cover", _("封面素材")

    appid = models.CharField(_("AppID"), max_length=64)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices)
    url = models.URLField(_("微信图片地址"), max_length=1000)
    media_id = models.CharField(_("素材 media_id"), max_length=200, blank=True)
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("公众号已上传图片")
        verbose_name_plural = _("公众号已上传图片")
        constraints = [
            models.UniqueConstraint(fields=["appid", "sha256", "kind"], name="editions_wechat_upload_once"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.sha256[:12]}"
