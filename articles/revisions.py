"""Article revisions (django-reversion): who saved what and when, comparison and restore.

A revision may hold several articles (publishing an issue saves all of them at once), so
everything here picks out the rows of one article from a revision.
"""
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime

import reversion
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils.translation import gettext as _
from reversion.models import Version
from taggit.models import Tag, TaggedItem

from articles.body import html_to_blocks
from articles.diff import Row, has_changes, paragraph_rows

# The article fields a revision shows and a restore brings back, with their labels.
CONTENT_FIELDS = [
    "kicker", "headline", "subheadline", "dateline", "standfirst", "body",
    "status", "publish_at", "issue_id", "position",
]
# A restore brings back the text and its relations; workflow state (status, schedule,
# place in the issue) stays as it is now, so restoring never unpublishes by accident.
RESTORED_FIELDS = ["kicker", "headline", "subheadline", "dateline", "standfirst", "body"]


@contextmanager
def revision_context(*, user=None, comment: str = "", manage_manually: bool = False):
    """Every article saved inside this block is kept in one revision by `user`.

    With `manage_manually`, saves add nothing by themselves: the caller adds each article
    with add_article_to_revision() once it is complete, instead of having it and each of
    its rows serialized again at every save along the way.
    """
    with reversion.create_revision(manage_manually=manage_manually):
        if user is not None and user.is_authenticated:
            reversion.set_user(user)
        reversion.set_comment(comment)
        yield


def save_unmanaged_revision(sender, instance, raw=False, **kwargs):
    """A revision for saves made outside any revision block (shell, scripts, migrations)."""
    if raw or reversion.is_active():
        return
    with reversion.create_revision():
        reversion.add_to_revision(instance)
        reversion.set_comment(_("在编辑后台之外保存"))


def add_article_to_revision(article) -> None:
    """Snapshot the article with its current bylines, zones and tags into the open revision.

    Relations saved after the article (inlines, re-detected zones) would otherwise be kept
    as they were when the article row itself was saved.
    """
    if not reversion.is_active():
        return
    # The related rows first, with the rows their __str__ names (each version stores it as
    # its description); the article's own add then finds them in the revision already
    # and does not serialize them a second time.
    related = (
        article.bylines.select_related("reporter"),
        article.zone_mentions.select_related("zone"),
        article.tagged_items.select_related("tag"),
    )
    for rows in related:
        for obj in rows:
            reversion.add_to_revision(obj)
    reversion.add_to_revision(article)


def article_versions(*, article):
    """The versions of one article, newest first, with who saved them."""
    return (
        Version.objects.get_for_object(article)
        .select_related("revision", "revision__user")
        .order_by("-revision__date_created", "-pk")
    )


def version_number(version: Version) -> int | None:
    return version.field_dict.get("version")


def find_version(*, article, number: int) -> Version | None:
    """The stored version whose article version counter is `number`."""
    for version in article_versions(article=article)[:50]:
        if version_number(version) == number:
            return version
    return None


def saved_by(version: Version | None) -> str:
    user = version.revision.user if version else None
    if user is None:
        return _("系统（导入或脚本）")
    return user.get_full_name() or user.get_username()


@dataclass
class Snapshot:
    """An article's full content at one moment, as plain values for display and diff."""

    fields: dict
    bylines: list[str] = field(default_factory=list)
    zones: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)

    @property
    def paragraphs(self) -> list[str]:
        return body_paragraphs(self.fields.get("body", ""))

    @property
    def display_fields(self) -> list[tuple[str, str]]:
        """(label, value) for every field but the body, as editors read them."""
        return [
            (_field_label(name), display_value(name, self.fields.get(name)))
            for name in CONTENT_FIELDS
            if name != "body"
        ]


def display_value(name: str, value) -> str:
    from articles.models import Article
    from articles.workflow import format_local
    from newsroom.models import Issue

    if value is None or value == "":
        return ""
    if name == "status":
        return str(Article.Status(value).label)
    if name == "publish_at":
        return format_local(value)
    if name == "issue_id":
        issue = Issue.objects.filter(pk=value).first()
        return str(issue) if issue else str(value)
    return str(value)


def body_paragraphs(body: str) -> list[str]:
    """The body as a list of paragraphs; a heading and its subtitle are one entry each."""
    paragraphs = []
    for block in html_to_blocks(body):
        if block["type"] == "heading":
            paragraphs.append(_("【小标题】%(text)s") % {"text": block["text"]})
            if block.get("subtitle"):
                paragraphs.append(_("【副标题】%(text)s") % {"text": block["subtitle"]})
        else:
            paragraphs.append(block["text"])
    return paragraphs


def _related_versions(version: Version, model) -> list[Version]:
    ct = ContentType.objects.get_for_model(model)
    rows = [v for v in version.revision.version_set.all() if v.content_type_id == ct.pk]
    return [v for v in rows if _belongs_to(v, int(version.object_id))]


def _belongs_to(version: Version, article_id: int) -> bool:
    data = version.field_dict
    if "article_id" in data:
        return data["article_id"] == article_id
    return str(data.get("object_id")) == str(article_id)


def snapshot_from_version(version: Version) -> Snapshot:
    from articles.models import Byline, ZoneMention
    from newsroom.models import Reporter
    from zones.models import Zone

    data = version.field_dict
    bylines = sorted((v.field_dict for v in _related_versions(version, Byline)), key=lambda d: d["position"])
    names = dict(Reporter.objects.filter(pk__in=[b["reporter_id"] for b in bylines]).values_list("pk", "name"))
    mentions = [v.field_dict for v in _related_versions(version, ZoneMention)]
    zone_names = dict(Zone.objects.filter(pk__in=[m["zone_id"] for m in mentions]).values_list("pk", "name"))
    tag_ids = [v.field_dict["tag_id"] for v in _related_versions(version, TaggedItem)]
    return Snapshot(
        fields={name: data.get(name) for name in CONTENT_FIELDS},
        bylines=[f"{b['role']} {names.get(b['reporter_id'], '?')}" for b in bylines],
        zones=sorted(f"{zone_names.get(m['zone_id'], '?')} × {m['mentions']}" for m in mentions),
        tags=sorted(Tag.objects.filter(pk__in=tag_ids).values_list("name", flat=True)),
    )


def snapshot_of_article(article) -> Snapshot:
    return Snapshot(
        fields={name: getattr(article, name) for name in CONTENT_FIELDS},
        bylines=[f"{b.role} {b.reporter.name}" for b in article.bylines.select_related("reporter")],
        zones=sorted(f"{m.zone.name} × {m.mentions}" for m in article.zone_mentions.select_related("zone")),
        tags=sorted(article.tags.names()),
    )


@dataclass(frozen=True)
class FieldDiff:
    label: str
    rows: list[Row]

    @property
    def changed(self) -> bool:
        return has_changes(self.rows)


def _field_label(name: str) -> str:
    from articles.models import Article

    return str(Article._meta.get_field(name.removesuffix("_id")).verbose_name)


def _as_lines(name: str, value) -> list[str]:
    text = display_value(name, value)
    return [text] if text else []


def compare_snapshots(old: Snapshot, new: Snapshot) -> list[FieldDiff]:
    """Every field side by side; the body paragraph by paragraph."""
    diffs = []
    for name in CONTENT_FIELDS:
        if name == "body":
            diffs.append(FieldDiff(_field_label(name), paragraph_rows(old.paragraphs, new.paragraphs)))
        else:
            rows = paragraph_rows(_as_lines(name, old.fields.get(name)), _as_lines(name, new.fields.get(name)))
            diffs.append(FieldDiff(_field_label(name), rows))
    diffs.append(FieldDiff(_("署名"), paragraph_rows(old.bylines, new.bylines)))
    diffs.append(FieldDiff(_("高新区"), paragraph_rows(old.zones, new.zones)))
    diffs.append(FieldDiff(_("话题"), paragraph_rows(old.tags, new.tags)))
    return diffs


@dataclass(frozen=True)
class LastChange:
    who: str
    when: datetime | None
    version: int


def last_change(*, article) -> LastChange:
    """Who made the article's current version, and when."""
    latest = article_versions(article=article).first()
    when = latest.revision.date_created if latest else article.updated_at
    return LastChange(who=saved_by(latest), when=when, version=article.version)


def _restore_fields(article, snapshot_fields: dict) -> None:
    for name in RESTORED_FIELDS:
        setattr(article, name, snapshot_fields.get(name) or "")


def _restore_relations(article, version: Version) -> None:
    from articles.models import Byline, ZoneMention

    article.bylines.all().delete()
    for data in (v.field_dict for v in _related_versions(version, Byline)):
        Byline.objects.create(article=article, reporter_id=data["reporter_id"], role=data["role"], position=data["position"])
    article.zone_mentions.all().delete()
    for data in (v.field_dict for v in _related_versions(version, ZoneMention)):
        ZoneMention.objects.create(
            article=article, zone_id=data["zone_id"], mentions=data["mentions"], manual=data.get("manual", False)
        )
    tag_ids = [v.field_dict["tag_id"] for v in _related_versions(version, TaggedItem)]
    article.tags.set(list(Tag.objects.filter(pk__in=tag_ids)))
    article.excluded_zones.set(version.field_dict.get("excluded_zones", []))


def article_restore(*, article, version: Version, user, loaded_version: int | None = None) -> "object":
    """Bring back the content of `version` as a new save, so the restore is itself a revision.

    The article is saved the normal way, so the body goes through the sanitizer again and
    the version counter keeps rising (a form opened before the restore is then stale).
    `loaded_version` is the version the editor was looking at: when someone saved since,
    the save raises Article.StaleVersion and nothing is restored.
    """
    number = version_number(version)
    with transaction.atomic(), revision_context(
        user=user, comment=_("恢复到第 %(number)s 版") % {"number": number}
    ):
        if loaded_version is not None:
            article.version = loaded_version
        _restore_fields(article, version.field_dict)
        article.save()
        _restore_relations(article, version)
        article.update_search_text()
    return article
