"""Who saved which version of an article, and bringing an old version back (django-reversion).

A revision may hold several articles (publishing an issue saves all of them at once), so
everything here picks out the rows of one article from a revision.
"""
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

import reversion
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Prefetch
from django.utils.translation import gettext as _
from reversion.models import Version
from taggit.models import Tag, TaggedItem

from articles.models import Byline, ZoneMention

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


def add_articles_to_revision(articles) -> None:
    """add_article_to_revision() for every article of the queryset `articles`, in a few queries.

    The bulk import adds a file's articles at once: their bylines, zones, tags and
    excluded zones are prefetched, so following the relations and serializing the
    articles reads nothing more per article.
    """
    if not reversion.is_active():
        return
    articles = articles.prefetch_related(
        Prefetch("bylines", queryset=Byline.objects.select_related("reporter")),
        Prefetch("zone_mentions", queryset=ZoneMention.objects.select_related("zone")),
        Prefetch("tagged_items", queryset=TaggedItem.objects.select_related("tag")),
        "excluded_zones",
    )
    for article in articles:
        for rows in (article.bylines.all(), article.zone_mentions.all(), article.tagged_items.all()):
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


def related_versions(version: Version, model) -> list[Version]:
    ct = ContentType.objects.get_for_model(model)
    rows = [v for v in version.revision.version_set.all() if v.content_type_id == ct.pk]
    return [v for v in rows if _belongs_to(v, int(version.object_id))]


def _belongs_to(version: Version, article_id: int) -> bool:
    data = version.field_dict
    if "article_id" in data:
        return data["article_id"] == article_id
    return str(data.get("object_id")) == str(article_id)


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
    article.bylines.all().delete()
    for data in (v.field_dict for v in related_versions(version, Byline)):
        Byline.objects.create(article=article, reporter_id=data["reporter_id"], role=data["role"], position=data["position"])
    article.zone_mentions.all().delete()
    for data in (v.field_dict for v in related_versions(version, ZoneMention)):
        ZoneMention.objects.create(
            article=article, zone_id=data["zone_id"], mentions=data["mentions"], manual=data.get("manual", False)
        )
    tag_ids = [v.field_dict["tag_id"] for v in related_versions(version, TaggedItem)]
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
