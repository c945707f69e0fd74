"""Articles, with ordered bylines and counted zone mentions."""
from dataclasses import dataclass

import reversion
from django.conf import settings
from django.contrib.contenttypes.fields import GenericRelation
from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.db.models import Count, Exists, F, IntegerField, OuterRef, Q, Subquery
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _
from taggit.managers import TaggableManager
from taggit.models import Tag, TaggedItem

from articles.body import figure_ids, html_to_blocks, plain_text, sanitize_html, summary_text
from articles.card_html import CARD_EXCERPT_CHARS, stored_fragments
from articles.proofreading import Word, WordList
from articles.roles import BylineRole
from articles.search.tokenize import article_search_text
from newsroom.images.models import Image
from newsroom.links import link
from newsroom.text.slugs import pinyin_slug

RELATED_LIMIT = 5
# Related articles are chosen among the few published articles most recently linked to each
# of the article's zones and topics, so that their cost does not grow with the archive.
RELATED_CANDIDATES_PER_FACET = 20
# The longest excerpt a page shows (the feed's); `summary` keeps one character more, so
# that cutting it to any shorter length gives what cutting the whole text would.
SUMMARY_CHARS = 200
# What a card reads of an article besides its stored HTML: the date and whether it has an
# issue (articles.card_html.render_card); cards() adds the issue's number.
CARD_COLUMNS = ["issue", "publish_at", "card_html"]
# An id no row has, compiled into the related-articles query in place of each facet's id.
_STAND_IN_ID = -7_310_582_905


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
        """With the issue, without the columns no page shows.

        The search text and the issue's source file can each be megabytes; loading them with
        every row made one big issue's pages take seconds. Bylines, zones and topics come
        from the stored `card`, so no page prefetches them.
        """
        return self.select_related("issue").defer("search_text", "plain_text", "issue__source_text")

    def for_article_page(self):
        """Everything an article page shows; the preview uses it on unpublished articles too.
        The lead image comes in the same query; the body's figures in one more
        (newsroom.site.pictures)."""
        return self.for_reading().select_related("lead_image")

    def cards(self):
        """Published articles as list items show them: the stored card HTML and the few
        columns a card adds to it (articles.card_html.render_card), nothing else.

        A list of 50 cards loaded the articles' every column and decoded their JSON; at an
        archive's scale that was a good part of the page. A page that shows more of an
        article (a feed) starts from latest() instead.
        """
        # The issue's number rides on the join the visibility rule makes already, instead of
        # an Issue built per row by select_related (a third of the cost of loading 50 cards).
        return self.published().only(*CARD_COLUMNS).annotate(issue_number=F("issue__number"))

    def search_hits(self):
        """Articles as search results show them: the card, and the plain text that the
        snippet is cut from; not the body, which can run to hundreds of kilobytes."""
        return self.select_related("issue").only(
            "headline", "slug", "publish_at", "card", "card_html", "plain_text", "issue__number"
        )

    def latest_cards(self):
        return self.cards().order_by("-publish_at", "-id")

    def latest(self):
        """Published articles newest first, with every column a feed entry shows."""
        return self.published().for_reading().defer("body").order_by("-publish_at", "-id")

    def issue_cards(self, issue):
        """An issue's published articles in print order."""
        return self.cards().filter(issue=issue).order_by("position", "id")

    def related_to(self, article, *, limit: int = RELATED_LIMIT) -> list:
        """Published articles sharing a zone or a topic with `article`, most shared first, then newest.

        One query whatever the archive's size: the cards of the few published articles
        most recently linked to each zone and topic of `article` (each a bounded index walk,
        in one UNION). The shared count is exact for those candidates, from their stored cards;
        an article linked to each of its zones and topics before the newest few links of
        each is not considered.
        """
        zone_ids, topic_ids = article.card_zone_ids, article.card_topic_ids
        if not zone_ids and not topic_ids:
            return []
        candidates = self._related_candidates(article.pk, zone_ids, topic_ids)
        # The candidates are published() already. Filtering this outer query by it again made
        # SQLite walk every published article through the (status, publish_at) index and test
        # each against the list, instead of fetching the few ids by primary key.
        rows = list(self.for_reading().defer("body").filter(pk__in=candidates))
        zone_set, topic_set = set(zone_ids), set(topic_ids)

        def rank(row):
            shared = len(zone_set.intersection(row.card_zone_ids)) + len(topic_set.intersection(row.card_topic_ids))
            return (-shared, -row.publish_at.timestamp(), -row.pk)

        return sorted(rows, key=rank)[:limit]

    def _related_candidates(self, exclude_pk: int, zone_ids: list[int], topic_ids: list[int]) -> RawSQL:
        """The published articles most recently linked to each zone and topic, in one UNION
        for use as a subquery.

        "Most recently linked" is the newest link row (mention or tagging) first: the index
        on its zone or topic holds the row id, so the database walks the newest links of
        one facet and stops after a few published ones. Ordering by publish_at instead made
        it walk the whole archive by date, testing each article against the facet.

        Written out because Django refuses LIMIT inside a compound statement on SQLite. Each
        part is a queryset built on published(); it is compiled once per kind of facet with
        a stand-in id that each facet's id then replaces, since compiling a queryset per
        zone cost more than the rest of the page.
        """
        published = self.published().exclude(pk=exclude_pk)
        # A tagging is kept when it tags an article (taggit's rows can tag any model).
        article_type = ContentType.objects.filter(app_label="articles", model="article").values("pk")
        links = [
            (ZoneMention.objects.filter(zone_id=_STAND_IN_ID), "article_id", zone_ids),
            (TaggedItem.objects.filter(tag_id=_STAND_IN_ID, content_type_id=Subquery(article_type)), "object_id", topic_ids),
        ]
        parts, params = [], []
        for rows, article_column, ids in links:
            if not ids:
                continue
            # A link is kept when its article is published(): one primary-key lookup per link.
            visible = Exists(published.filter(pk=OuterRef(article_column)))
            queryset = rows.filter(visible).order_by("-pk").values(article_column)[:RELATED_CANDIDATES_PER_FACET]
            sql, template = queryset.query.sql_with_params()
            for pk in ids:
                parts.append(f"SELECT * FROM ({sql}) AS facet{len(parts)}")
                params.extend(pk if param == _STAND_IN_ID else param for param in template)
        return RawSQL(" UNION ".join(parts), params)

    def refresh_cards(self, *, search_text: bool = False) -> int:
        """Store each article's card and card HTML again from its bylines, zones and topics:
        four reads (the first locks the rows) and one bulk UPDATE for any number of articles. Every write that changes
        those relations, or a name or slug they show, calls this or Article.refresh_related().

        With `search_text`, the search text too, for a renamed reporter or zone (the text
        holds their names); it reads the bodies, so only a rename asks for it.
        """
        fields = ["pk", *CARD_HTML_SOURCES]
        if search_text:
            fields += ["standfirst", "body"]
        with transaction.atomic(using=self.db, savepoint=False):  # inside a caller's, no savepoint statements
            # The rows are written back from what is read here: locked (in id order, so two
            # refreshes cannot deadlock), an editor's save made meanwhile waits for this
            # write and stores its own card after it, instead of being overwritten by one
            # built from the headline and body it replaced. SQLite locks the whole database.
            # (A subquery: PostgreSQL refuses FOR UPDATE on the DISTINCT that a rename's lookup makes.)
            chosen = Article.objects.using(self.db).filter(pk__in=self.order_by().values("pk"))
            # The lead image rides on the same read (its <picture> is in the card), not locked.
            rows = list(
                chosen.select_for_update(of=("self",)).select_related("lead_image").order_by("pk").only(*fields)
            )
            return self._store_cards(rows, search_text=search_text)

    def _store_cards(self, rows, *, search_text: bool) -> int:
        cards = article_cards([row.pk for row in rows])
        names = _reporter_names([row.pk for row in rows]) if search_text else {}
        for row in rows:
            row.card = cards[row.pk]
            row.card_html = stored_fragments(row)
            if search_text:
                row.search_text = article_search_text(
                    row, reporter_names=names.get(row.pk, []), zone_names=[zone["name"] for zone in row.card["zones"]]
                )
        updated = ["card", "card_html", *(["search_text"] if search_text else [])]
        Article.objects.using(self.db).bulk_update(rows, updated, batch_size=500)
        return len(rows)

    def published_tally(self, lookup: str) -> dict:
        """How many published articles point at each row via `lookup`: {row id: count}.

        One grouped query, for every row at once; rows no published article points at are
        left out. The pages that show it cache it (newsroom.site.counts).
        """
        rows = (
            self.published()
            .filter(**{f"{lookup}__isnull": False})
            .order_by()
            .values_list(lookup)
            .annotate(n=Count("pk", distinct=True))
        )
        return dict(rows)

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
    lead_image = models.ForeignKey(
        "images.Image", verbose_name=_("题图"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="lead_articles",
    )
    # The pictures the body shows as figures (<figure data-image="…">), kept in step with the
    # body so that a picture in use cannot be deleted.
    figures = models.ManyToManyField(
        "images.Image", through="Figure", blank=True, related_name="figure_articles", verbose_name=_("正文图片")
    )
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
    # Stored at save time so that no page parses the body or prefetches relations per request.
    summary = models.TextField(_("摘要"), blank=True, editable=False, help_text=_("导语或正文第一段的开头，纯文本。"))
    # What search results cut their highlighted snippets from, without parsing the body.
    plain_text = models.TextField(_("纯文本"), blank=True, editable=False, help_text=_("导语和正文的纯文本，供搜索结果摘录。"))
    card = models.JSONField(
        _("卡片数据"), default=dict, blank=True, editable=False,
        help_text=_("署名、高新区和话题的名称与网址别名，供公开页面直接显示。"),
    )
    # The card's HTML that is the same wherever it is listed (articles.card_html), so that a
    # list page joins strings instead of rendering templates and reversing URLs per card.
    card_html = models.JSONField(
        _("卡片 HTML"), default=dict, blank=True, editable=False,
        help_text=_("列表页直接显示的卡片片段：引题、标题链接、副题、摘要和署名。"),
    )
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
        indexes = [
            # The visibility rule's columns, then what a count or a card list checks next: id
            # (the newest-first tie-break, so the index keeps that order) and the issue, whose
            # status the rule also reads. A count over every published article reads this
            # index alone, never the rows with their bodies.
            models.Index(fields=["status", "publish_at", "id", "issue"], name="article_visible_idx"),
            # An issue's published articles: its page, its count in the archive, its zones.
            models.Index(fields=["issue", "status", "publish_at"], name="article_issue_visible_idx"),
        ]
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
        # The row and its figures in one transaction, so the content version moves once both
        # are written; a savepoint inside the caller's, so that a refused save (StaleVersion)
        # leaves the caller's transaction usable.
        created, update_fields = self._state.adding, kwargs.get("update_fields")
        with transaction.atomic():
            self._save_row(*args, **kwargs)
            if update_fields is None or "body" in update_fields:
                self.sync_figures(created=created)

    def get_absolute_url(self):
        return link("articles:detail", pk=self.pk, slug=self.slug)

    def _save_row(self, *args, **kwargs):
        if self._state.adding:
            super().save(*args, **kwargs)
            # The card links to the article's URL, which holds the id the insert just gave.
            self.card_html = stored_fragments(self)
            Article.objects.filter(pk=self.pk).update(card_html=self.card_html)
            return
        read_version = self.version
        self.version = read_version + 1
        self._expected_version = read_version
        try:
            super().save(*args, **kwargs)
        except Article.StaleVersion:
            self.version = read_version
            raise
        finally:
            self._expected_version = None

    def compute_derived(self, *, reporter_names=None, zone_names=None) -> None:
        """Set the stored fields derived from the others, as every write path stores them.

        save() calls it, and so does the bulk import, which writes its rows with
        bulk_create() and passes the names it already has (in the order the database
        lists them) instead of having them read per article. A field added here is
        computed on both paths.
        """
        # The one sanitizer runs on every write path: admin, import and shell saves.
        self.body = sanitize_html(self.body)
        self.summary = summary_text(standfirst=self.standfirst, body=self.body)[: SUMMARY_CHARS + 1]
        self.plain_text = plain_text(standfirst=self.standfirst, body=self.body)
        self.slug = pinyin_slug(self.headline) or "article"
        self.search_text = article_search_text(self, reporter_names=reporter_names, zone_names=zone_names)
        # A new row has no id for its link yet: save() and refresh_cards() store it after the insert.
        self.card_html = stored_fragments(self) if self.pk is not None else {}

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

    def sync_figures(self, *, created: bool = False) -> None:
        """Make `figures` the library pictures the body's figures show (those that exist), in
        the body's order; nothing is written when they already are. `created`: the row was
        just inserted, so it has no figures yet."""
        wanted = figure_ids(self.body)
        if wanted:
            # Held until the save commits: a picture deleted meanwhile is left out here rather
            # than failing the figures' foreign key at commit.
            existing = Image.objects.hold(wanted)
            wanted = [pk for pk in wanted if pk in existing]
        if created and not wanted:
            return
        rows = Figure.objects.filter(article_id=self.pk)
        if list(rows.order_by("position", "id").values_list("image_id", flat=True)) == wanted:
            return
        rows.delete()
        Figure.objects.bulk_create(
            Figure(article_id=self.pk, image_id=pk, position=position) for position, pk in enumerate(wanted, start=1)
        )

    @property
    def blocks(self) -> list[dict]:
        return html_to_blocks(self.body)

    def excerpt(self, *, length: int = CARD_EXCERPT_CHARS) -> str:
        """The standfirst, or else the opening of the first paragraph, as plain text (at most SUMMARY_CHARS)."""
        return Truncator(self.summary).chars(length)

    @property
    def credits(self) -> list["Credit"]:
        return [Credit(**byline) for byline in self.card.get("bylines", [])]

    @property
    def zone_links(self) -> list["FacetLink"]:
        return [FacetLink(**zone) for zone in self.card.get("zones", [])]

    @property
    def topic_links(self) -> list["FacetLink"]:
        return [FacetLink(**topic) for topic in self.card.get("topics", [])]

    @property
    def card_zone_ids(self) -> list[int]:
        return [zone["id"] for zone in self.card.get("zones", [])]

    @property
    def card_topic_ids(self) -> list[int]:
        return [topic["id"] for topic in self.card.get("topics", [])]

    def byline_names(self) -> list[str]:
        return [byline["name"] for byline in self.card.get("bylines", [])]

    def refresh_related(self) -> None:
        """Store the search text and the card again after the bylines, zones or topics
        changed, which happens after save(); one UPDATE."""
        self.search_text = article_search_text(self)
        self.card = article_cards([self.pk])[self.pk]
        self.card_html = stored_fragments(self)
        Article.objects.filter(pk=self.pk).update(search_text=self.search_text, card=self.card, card_html=self.card_html)


@dataclass(frozen=True)
class Credit:
    """One byline as the card stores it."""

    name: str
    role: str
    slug: str

    @property
    def shows_role(self) -> bool:
        # 作者 shows the name alone; 记者 and 通讯员 are printed before it, as in the paper.
        return self.role != Byline.Role.AUTHOR

    @property
    def role_label(self) -> str:
        return Byline.Role(self.role).label

    @property
    def url(self) -> str:
        return link("reporters:detail", slug=self.slug)


@dataclass(frozen=True)
class FacetLink:
    """A zone or a topic as the card stores it; topic URLs come from articles.topics.tag_url."""

    id: int
    name: str
    slug: str

    def get_absolute_url(self) -> str:
        return link("zones:detail", slug=self.slug)


# The fields stored_fragments() reads besides the card.
CARD_HTML_SOURCES = ["slug", "kicker", "headline", "subheadline", "summary", "lead_image"]


def _reporter_names(ids: list[int]) -> dict[int, list[str]]:
    """Each article's reporters' names as `article.reporters` lists them (by name, in the
    database's collation), for the search text; one query."""
    names: dict[int, list[str]] = {}
    rows = Byline.objects.filter(article_id__in=ids).order_by("reporter__name").values_list("article_id", "reporter__name")
    for article_id, name in rows:
        names.setdefault(article_id, []).append(name)
    return names


def article_cards(ids: list[int]) -> dict[int, dict]:
    """The cards of the articles `ids`: bylines in order, zones as Zone orders them (by
    province, then name), topics in the order they were added. Three queries."""
    rows = {pk: ([], [], []) for pk in ids}
    if not ids:
        return {}
    bylines = Byline.objects.filter(article_id__in=ids).order_by("position", "id")
    for article_id, *byline in bylines.values_list("article_id", "reporter__name", "role", "reporter__slug"):
        rows[article_id][0].append(byline)
    mentions = ZoneMention.objects.filter(article_id__in=ids).order_by("zone__province", "zone__name")
    for article_id, *zone in mentions.values_list("article_id", "zone_id", "zone__name", "zone__slug"):
        rows[article_id][1].append(zone)
    tagged = TaggedItem.objects.filter(
        content_type__app_label="articles", content_type__model="article", object_id__in=ids
    ).order_by("pk")
    for article_id, *topic in tagged.values_list("object_id", "tag_id", "tag__name", "tag__slug"):
        rows[article_id][2].append(topic)
    return {pk: article_card(bylines=b, zones=z, topics=t) for pk, (b, z, t) in rows.items()}


def article_card(*, bylines, zones, topics) -> dict:
    """One article's card from its rows, each list in the order the card shows it: bylines
    as (name, role, slug), zones and topics as (id, name, slug). The bulk import builds
    its new articles' cards with it from the rows it inserts, without reading them back."""
    return {
        "bylines": [{"name": name, "role": role, "slug": slug} for name, role, slug in bylines],
        "zones": [{"id": pk, "name": name, "slug": slug} for pk, name, slug in zones],
        "topics": [{"id": pk, "name": name, "slug": slug} for pk, name, slug in topics],
    }


class Byline(models.Model):
    Role = BylineRole

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
        # A reporter's page and count read their articles' ids from the index alone.
        indexes = [models.Index(fields=["reporter", "article"], name="byline_reporter_article_idx")]

    def __str__(self):
        # What get_role_display() gives, without translating every role's label to find
        # one: a revision stores this text for each byline, thousands in a bulk import.
        return f"{ROLE_LABELS.get(self.role, self.role)} {self.reporter}"


ROLE_LABELS = dict(Byline.Role.choices)  # lazy labels, translated when shown


class Figure(models.Model):
    """A picture shown in an article's body, in the body's order."""

    article = models.ForeignKey(Article, verbose_name=_("文章"), on_delete=models.CASCADE, related_name="+")
    image = models.ForeignKey("images.Image", verbose_name=_("图片"), on_delete=models.PROTECT, related_name="+")
    position = models.PositiveSmallIntegerField(_("顺序"), default=1)

    class Meta:
        verbose_name = _("正文图片")
        verbose_name_plural = _("正文图片")
        ordering = ["position", "id"]
        constraints = [models.UniqueConstraint(fields=["article", "image"], name="unique_figure_per_article")]

    def __str__(self):
        return f"{self.article_id}: {self.image_id}"


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
        indexes = [
            # A zone's page and count read their articles' ids from the index alone.
            models.Index(fields=["zone", "article"], name="zonemention_zone_article_idx"),
            # A zone's newest mentions first, for related articles (ArticleQuerySet.related_to).
            models.Index(fields=["zone", "id"], name="zonemention_zone_newest"),
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
