"""Who saved which version of an article, and bringing an old version back (django-reversion).

A revision may hold several articles (publishing an issue saves all of them at once), so
everything here picks out the rows of one article from a revision.
"""
import functools
import json
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

import reversion
from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connections, router, transaction
from django.db.models import Prefetch, prefetch_related_objects
from django.utils.encoding import is_protected_type
from django.utils.translation import gettext as _
from reversion.models import Revision, Version
from taggit.models import Tag, TaggedItem

from articles.models import Article, Byline, ZoneMention

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


def save_articles_revision(articles, *, written: dict | None = None) -> None:
    """Save one revision holding every article of the queryset `articles` as it is now, with
    its bylines, zones and tags, under the user and comment of the open revision block.

    The same revision add_article_to_revision() would fill, article by article, but written
    in a few statements: each row is serialized once, exactly as django-reversion serializes
    it (tests/test_bulk_import.py compares the stored text byte for byte). `written` maps
    the id of an article the caller has just inserted to the rows it inserted with it (its
    bylines with their reporters, its zone mentions with their zones): those are taken as
    they are instead of being read back, and such an article has no tags or excluded zones
    yet. The other articles' rows are loaded with their relations prefetched. The bulk
    import saves each file's revision this way; the block itself then has nothing left to save.
    """
    if not reversion.is_active():
        return
    written = written or {}
    articles = list(articles)
    prefetch_related_objects(
        [article for article in articles if article.pk not in written],
        Prefetch("bylines", queryset=Byline.objects.select_related("reporter")),
        Prefetch("zone_mentions", queryset=ZoneMention.objects.select_related("zone")),
        Prefetch("tagged_items", queryset=TaggedItem.objects.select_related("tag")),
        "excluded_zones",
    )
    rows = {}  # (model, pk) -> (object, its many-to-many values when known already)
    for article in articles:
        if article.pk in written:
            for obj in written[article.pk]:
                rows[(type(obj), obj.pk)] = (obj, None)
            rows[(Article, article.pk)] = (article, {"excluded_zones": []})
            continue
        for obj in (*article.bylines.all(), *article.zone_mentions.all(), *article.tagged_items.all(), article):
            rows[(type(obj), obj.pk)] = (obj, None)
        for item in article.tagged_items.all():  # TaggedItem follows its tag
            rows[(Tag, item.tag.pk)] = (item.tag, None)
    if not rows:
        return
    revision = Revision.objects.create(
        date_created=reversion.get_date_created(), user=reversion.get_user(), comment=reversion.get_comment()
    )
    types = {model: ContentType.objects.get_for_model(model) for model, _pk in rows}
    insert_versions(
        [version_row(obj, revision=revision, content_type=types[type(obj)], many=many) for obj, many in rows.values()]
    )


# The columns of a Version row, in the order version_row() gives their values.
VERSION_FIELDS = ("revision", "object_id", "content_type", "db", "format", "serialized_data", "object_repr")


def version_row(obj, *, revision: Revision, content_type: ContentType, many: dict | None = None) -> tuple:
    """The Version row django-reversion's add_to_revision() would make of `obj`, as values."""
    return (
        revision.pk,
        str(obj.pk),
        content_type.pk,
        router.db_for_write(type(obj), instance=obj),
        "json",
        serialized(obj, many=many),
        str(obj),
    )


def insert_versions(rows: list[tuple]) -> None:
    """Insert Version rows in one statement executed for each row.

    Every value is already a plain string or integer, so the ORM's bulk_create, which
    prepares each of the thousands of values of a large import one field at a time (and
    builds a Version instance per row first), is skipped; nothing it checks applies.
    """
    if not rows:
        return
    connection = connections[router.db_for_write(Version)]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(Version._meta.get_field(name).column) for name in VERSION_FIELDS)
    sql = f"INSERT INTO {quote(Version._meta.db_table)} ({columns}) VALUES ({', '.join(['%s'] * len(VERSION_FIELDS))})"
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


@functools.cache
def serial_fields(model) -> tuple[str, tuple, tuple]:
    """What Django's JSON serializer writes of a model: its label, its own fields and the
    many-to-many relations it lists (not those through a model of their own)."""
    meta = model._meta.concrete_model._meta
    fields = tuple(field for field in meta.local_fields if field.serialize)
    many = tuple(
        field for field in meta.local_many_to_many if field.serialize and field.remote_field.through._meta.auto_created
    )
    return str(model._meta), fields, many


def serialized(obj, *, many: dict | None = None) -> str:
    """`serializers.serialize("json", [obj])`, as django-reversion stores it, without a
    serializer made per object; many-to-many values come from `many` (field name -> the
    related ids) when given, else from the prefetch cache."""
    label, own_fields, many_fields = serial_fields(type(obj))
    fields = {field.name: _value(obj, field) for field in own_fields}
    for field in many_fields:
        if many is not None and field.name in many:
            fields[field.name] = list(many[field.name])
        else:
            fields[field.name] = [_value(related, related._meta.pk) for related in getattr(obj, field.name).all()]
    data = {"model": label, "pk": _value(obj, obj._meta.pk), "fields": fields}
    return json.dumps([data], cls=DjangoJSONEncoder, ensure_ascii=False)


def _value(obj, field):
    # As Django's Python serializer: primitives as they are, anything else as a string.
    value = field.value_from_object(obj)
    return value if is_protected_type(value) else field.value_to_string(obj)


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
        article.refresh_related()
    return article
