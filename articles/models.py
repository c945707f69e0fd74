"""Articles, with ordered bylines and counted zone mentions."""
import reversion
from django.conf import settings
from django.contrib.contenttypes.fields import GenericRelation
from django.db import models, transaction
from django.db.models import Count, IntegerField, OuterRef, Prefetch, Q, Subquery
from django.db.models.functions import Coalesce, Left
from django.urls import reverse
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _
from taggit.managers import TaggableManager
from taggit.models import Tag, TaggedItem

from articles.body import html_to_blocks, sanitize_html
from articles.proofreading import Word, WordList
from articles.search.tokenize import article_search_text
from newsroom.text.slugs import pinyin_slug

RELATED_LIMIT = 5
# Enough HTML to hold the start of the first paragraph after any headings.
EXCERPT_SOURCE_CHARS = 2000


class ArticleQuerySet(models.QuerySet):
    """The visibility rule, and the selections the public pages make.

    Every selection a reader sees starts from published(). for_reading() and
    for_article_page() add only what a page shows and no filter: the preview uses them on
    unpublished articles, so a public page chains them after published().
    """

    def published(self):
        """The one visibility rule: published, due, and in a published issue if any."""
        return self.filter(
            Q(issue__isnull=True) | Q(issue__status="published"),
            status=Article.Status.PUBLISHED,
            publish_at__lte=timezone.now(),
        )

    def for_reading(self):
        """With the issue and the ordered bylines, without the columns no page shows.

        The search text and the issue's source file can each be megabytes; loading them with
        every row made one big issue's pages take seconds.
        """
        bylines = Prefetch("bylines", queryset=Byline.objects.select_related("reporter").order_by("position", "id"))
        return self.select_related("issue").defer("search_text", "issue__source_text").prefetch_related(bylines)

    def for_article_page(self):
        """Everything an article page shows; the preview uses it on unpublished articles too."""
        return self.for_reading().prefetch_related("zones", "tags")

    def cards(self):
        """Published articles as list items show them: for the excerpt only the opening of
        the body (`body_opening`), never the whole of it."""
        return self.published().for_reading().defer("body").annotate(body_opening=Left("body", EXCERPT_SOURCE_CHARS))

    def latest_cards(self):
        return self.cards().order_by("-publish_at", "-id")

    def issue_cards(self, issue):
        """An issue's published articles in print order."""
        return self.cards().filter(issue=issue).order_by("position", "id")

    def search_hits(self):
        """Published articles with the whole body, which a search hit's snippet is cut from."""
        return self.published().for_reading()

    def related_to(self, article, *, limit: int = RELATED_LIMIT) -> list:
        """Published articles sharing a zone or a topic with `article`, most shared first.

        Uses the zones and tags already prefetched on `article`, so it costs one query
        plus the byline prefetch.
        """
        zone_ids = [zone.pk for zone in article.zones.all()]
        tag_ids = [tag.pk for tag in article.tags.all()]
        if not zone_ids and not tag_ids:
            return []
        shared = Count("zones", filter=Q(zones__in=zone_ids), distinct=True) + Count(
            "tags", filter=Q(tags__in=tag_ids), distinct=True
        )
        return list(
            self.cards()
            .filter(Q(zones__in=zone_ids) | Q(tags__in=tag_ids))
            .exclude(pk=article.pk)
            .annotate(shared=shared)
            .order_by("-shared", "-publish_at", "-id")[:limit]
        )

    def published_count(self, lookup: str):
        """An annotation for another model: how many published articles point at its row via `lookup`.

        A subquery rather than Count() over a join, so the visibility rule stays the
        queryset method instead of being restated as join filters.
        """
        counts = (
            self.published()
            .filter(**{lookup: OuterRef("pk")})
            .order_by()
            .values(lookup)
            .annotate(n=Count("pk", distinct=True))
            .values("n")
        )
        return Coalesce(Subquery(counts, output_field=IntegerField()), 0)


class Article(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        REVIEW = "review", _("待审")
        PUBLISHED = "published", _("已发布")
        ARCHIVED = "archived", _("已归档")

    issue = models.ForeignKey(
        "newsroom.Issue",
        verbose_name=_("期"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="articles",
    )
    position = models.PositiveSmallIntegerField(_("版内顺序"), default=1)
    kicker = models.CharField(_("引题"), max_length=200, blank=True)
    headline = models.CharField(_("标题"), max_length=200)
    subheadline = models.CharField(_("副题"), max_length=200, blank=True)
    standfirst = models.TextField(_("导语"), blank=True)
    dateline = models.CharField(_("电头"), max_length=100, blank=True)
    body = models.TextField(_("正文"), blank=True, help_text=_("经过净化的 HTML。"))
    reporters = models.ManyToManyField(
        "newsroom.Reporter", through="Byline", related_name="articles", verbose_name=_("记者")
    )
    zones = models.ManyToManyField(
        "zones.Zone", through="ZoneMention", related_name="articles", verbose_name=_("高新区")
    )
    unknown_zones = models.JSONField(
        _("未知高新区"), default=dict, blank=True, help_text=_("正文中出现、但尚未收录的“…高新区”名称及次数。")
    )
    tags = TaggableManager(_("话题"), blank=True)
    # The tag rows themselves, so that revisions (which follow relations) keep the tags.
    tagged_items = GenericRelation(TaggedItem, verbose_name=_("话题标记"))
    # Zones an editor removed by hand; re-detection on save never adds them back.
    excluded_zones = models.ManyToManyField(
        "zones.Zone",
        blank=True,
        related_name="+",
        verbose_name=_("手动移除的高新区"),
        help_text=_("即使正文提到，也不与本文关联的高新区。"),
    )
    status = models.CharField(
        _("状态"), max_length=20, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    publish_at = models.DateTimeField(_("发布时间"), null=True, blank=True, db_index=True)
    slug = models.SlugField(_("网址别名"), max_length=80, blank=True, allow_unicode=False)
    search_text = models.TextField(_("检索文本"), blank=True, editable=False)
    version = models.PositiveIntegerField(_("版本"), default=1, editable=False)
    import_ref = models.CharField(_("导入标识"), max_length=200, blank=True, editable=False)
    import_fingerprint = models.CharField(_("导入指纹"), max_length=64, blank=True, editable=False)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)

    objects = ArticleQuerySet.as_manager()

    class Meta:
        verbose_name = _("文章")
        verbose_name_plural = _("文章")
        ordering = ["issue", "position", "id"]
        indexes = [models.Index(fields=["status", "publish_at"])]
        permissions = [
            ("publish_article", _("可以发布、排期和归档文章")),
            ("change_any_article", _("可以编辑他人署名或非草稿的文章")),
        ]

    def __str__(self):
        return self.headline

    class StaleVersion(Exception):
        """The row changed after this instance (or the editor's form) read it; nothing was written."""

    def save(self, *args, **kwargs):
        self.compute_derived()
        if self._state.adding:
            super().save(*args, **kwargs)
            return
        read_version = self.version
        self.version = read_version + 1
        self._expected_version = read_version
        try:
            # A savepoint, so that a refused save leaves the caller's transaction usable.
            with transaction.atomic():
                super().save(*args, **kwargs)
        except Article.StaleVersion:
            self.version = read_version
            raise
        finally:
            self._expected_version = None

    def get_absolute_url(self):
        return reverse("articles:detail", kwargs={"pk": self.pk, "slug": self.slug})

    def compute_derived(self, *, reporter_names=None, zone_names=None) -> None:
        """Set the stored fields derived from the others, as every write path stores them.

        save() calls it, and so does the bulk import, which writes its rows with
        bulk_create() and passes the names it already has (in the order the database
        lists them) instead of having them read per article. A field added here is
        computed on both paths.
        """
        # The one sanitizer runs on every write path: admin, import and shell saves.
        self.body = sanitize_html(self.body)
        self.slug = pinyin_slug(self.headline) or "article"
        self.search_text = article_search_text(self, reporter_names=reporter_names, zone_names=zone_names)

    def _do_update(self, base_qs, using, pk_val, values, update_fields, forced_update):
        """One conditional UPDATE … WHERE version = <the version this instance read>.

        The database decides in the same statement that writes, so two saves made from
        the same version cannot both succeed, whichever path they come from (form,
        list, bulk action, restore, import, shell). A row that no longer has that
        version is left alone and the save raises StaleVersion.
        """
        expected = getattr(self, "_expected_version", None)
        if expected is None:
            return super()._do_update(base_qs, using, pk_val, values, update_fields, forced_update)
        if base_qs.filter(pk=pk_val, version=expected)._update(values) > 0:
            return True
        if base_qs.filter(pk=pk_val).exists():
            raise Article.StaleVersion
        return False  # deleted meanwhile: Django inserts it again, as for any model

    @property
    def blocks(self) -> list[dict]:
        return html_to_blocks(self.body)

    def excerpt(self, *, length: int = 110) -> str:
        """The standfirst, or else the opening of the first paragraph, as plain text."""
        if self.standfirst:
            return Truncator(self.standfirst).chars(length)
        # Cards carry only the body's opening; a cut tag at its end is dropped by the parser.
        opening = getattr(self, "body_opening", None)
        for block in html_to_blocks(self.body if opening is None else opening):
            if block["type"] == "paragraph":
                return Truncator(block["text"]).chars(length)
        return ""

    def byline_names(self) -> list[str]:
        return [byline.reporter.name for byline in self.bylines.all()]

    def update_search_text(self) -> None:
        """Re-index after bylines or zones change, which happens after save()."""
        self.search_text = article_search_text(self)
        Article.objects.filter(pk=self.pk).update(search_text=self.search_text)


class Byline(models.Model):
    class Role(models.TextChoices):
        AUTHOR = "作者", _("作者")
        REPORTER = "记者", _("记者")
        CORRESPONDENT = "通讯员", _("通讯员")

    article = models.ForeignKey(
        Article, verbose_name=_("文章"), on_delete=models.CASCADE, related_name="bylines"
    )
    reporter = models.ForeignKey(
        "newsroom.Reporter", verbose_name=_("记者"), on_delete=models.PROTECT, related_name="bylines"
    )
    role = models.CharField(_("身份"), max_length=10, choices=Role.choices, default=Role.AUTHOR)
    position = models.PositiveSmallIntegerField(_("顺序"), default=1)

    class Meta:
        verbose_name = _("署名")
        verbose_name_plural = _("署名")
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["article", "reporter"], name="unique_byline_per_article")
        ]

    def __str__(self):
        return f"{self.get_role_display()} {self.reporter}"


class ZoneMention(models.Model):
    article = models.ForeignKey(
        Article, verbose_name=_("文章"), on_delete=models.CASCADE, related_name="zone_mentions"
    )
    zone = models.ForeignKey(
        "zones.Zone", verbose_name=_("高新区"), on_delete=models.PROTECT, related_name="mentions"
    )
    mentions = models.PositiveIntegerField(_("提及次数"), default=1)
    # Added by an editor rather than detected: kept even when the text no longer names it.
    manual = models.BooleanField(_("手动添加"), default=False)

    class Meta:
        verbose_name = _("高新区提及")
        verbose_name_plural = _("高新区提及")
        ordering = ["-mentions", "zone__name"]
        constraints = [
            models.UniqueConstraint(fields=["article", "zone"], name="unique_zone_per_article")
        ]

    def __str__(self):
        return f"{self.zone} × {self.mentions}"


class TopicRedirect(models.Model):
    """A slug a topic (taggit tag) had before: its old address leads to the current one."""

    old_slug = models.CharField(_("旧网址别名"), max_length=100, unique=True)
    tag = models.ForeignKey(Tag, verbose_name=_("话题"), on_delete=models.CASCADE, related_name="+")

    class Meta:
        verbose_name = _("话题旧网址")
        verbose_name_plural = _("话题旧网址")

    def __str__(self):
        return f"{self.old_slug} → {self.tag.slug}"


# Revisions keep an article with its bylines, zones and tags (django-reversion).
reversion.register(Article, follow=["bylines", "zone_mentions", "tagged_items"])
reversion.register(Byline)
reversion.register(ZoneMention)
reversion.register(TaggedItem, follow=["tag"])
reversion.register(Tag)


class ProofWordQuerySet(models.QuerySet):
    def word_list(self):
        """The whole list as one Aho-Corasick automaton, for articles.proofreading."""
        rows = self.values_list("word", "severity", "replacement", "note")
        return WordList(Word(*row) for row in rows)


class ProofWord(models.Model):
    """A word the 校对 check looks for: a misspelling, a banned or a discouraged expression."""

    class Severity(models.TextChoices):
        BLOCK = "block", _("禁用")
        WARN = "warn", _("提示")

    word = models.CharField(_("词语"), max_length=100, unique=True)
    severity = models.CharField(_("级别"), max_length=10, choices=Severity.choices, default=Severity.WARN)
    replacement = models.CharField(_("建议改为"), max_length=100, blank=True)
    note = models.CharField(_("说明"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)

    objects = ProofWordQuerySet.as_manager()

    class Meta:
        verbose_name = _("校对用词")
        verbose_name_plural = _("校对用词表")
        ordering = ["word"]

    def __str__(self):
        return self.word


class ReviewStage(models.Model):
    """One named step of 三审 (初审, 复审, 终审), held by a group. Stages are data, so a small
    team can switch one off in the admin instead of changing code."""

    name = models.CharField(_("审次"), max_length=20, unique=True)
    role = models.CharField(_("职责"), max_length=40, blank=True)
    group = models.ForeignKey(
        "auth.Group", verbose_name=_("负责组"), on_delete=models.PROTECT, related_name="review_stages"
    )
    order = models.PositiveSmallIntegerField(_("顺序"), unique=True)
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("审次")
        verbose_name_plural = _("审次")
        ordering = ["order"]

    def __str__(self):
        return self.name


class SignOff(models.Model):
    """A reviewer's sign-off on one version of an article at one stage, or a 退回修改."""

    class Kind(models.TextChoices):
        APPROVED = "approved", _("签发")
        RETURNED = "returned", _("退回修改")

    article = models.ForeignKey(Article, verbose_name=_("文章"), on_delete=models.CASCADE, related_name="signoffs")
    stage = models.ForeignKey(ReviewStage, verbose_name=_("审次"), on_delete=models.PROTECT, related_name="signoffs")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("审稿人"), on_delete=models.PROTECT, related_name="signoffs"
    )
    kind = models.CharField(_("结果"), max_length=10, choices=Kind.choices)
    version = models.PositiveIntegerField(_("文章版本"))
    comment = models.TextField(_("意见"), blank=True)
    signed_at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("审签")
        verbose_name_plural = _("审签")
        ordering = ["signed_at", "pk"]

    def __str__(self):
        return f"{self.stage} · {self.get_kind_display()}"
