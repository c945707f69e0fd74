"""Topics (taggit's tags): a pinyin slug whatever the name, and old slugs that still lead there.

taggit slugs a name with Django's slugify, which keeps Han characters and drops
everything else, so `🔥` or `！！！` got an empty slug and every page linking the topic
failed. Slugs come from the one slug function instead, like every other slug here.

Merging topics (`topics_merge`) retags the articles, keeps every merged topic's address
working and its followers (a subscriber's topics) following, and leaves a revision on each
article it touched.
"""
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.shortcuts import redirect
from django.urls import NoReverseMatch
from django.utils.translation import gettext as _
from taggit.models import Tag, TaggedItem

from articles.models import Article, TopicRedirect, article_cards
from articles.revisions.history import add_article_to_revision, revision_context
from newsroom.links import link
from newsroom.text.names import has_visible_text
from newsroom.text.slugs import unique_slug

NAME_MAX = Tag._meta.get_field("name").max_length


def topic_name_problem(name: str) -> str | None:
    """Why `name` cannot be a topic, or None."""
    if not has_visible_text(name):
        return _("话题名不能只有空白或不可见字符。")
    if "\x00" in name:
        # Forms refuse it already; a merge's name comes from the confirmation page as it is,
        # and PostgreSQL cannot store or compare text holding NUL.
        return _("话题名不能含有空字符（U+0000）。")
    if len(name) > NAME_MAX:
        return _("话题“%(start)s…”太长：最多 %(max)s 个字符，现在 %(length)s 个。") % {
            "start": name[:10], "max": NAME_MAX, "length": len(name),
        }
    return None


def tag_slug_on_save(sender, instance: Tag, raw=False, **kwargs) -> None:
    """pre_save: a new topic gets its slug; a changed slug leaves its old one redirecting."""
    if raw:
        return
    if instance._state.adding:
        instance.slug = unique_slug(model=Tag, text=instance.name)
        return
    old = Tag.objects.filter(pk=instance.pk).values_list("slug", flat=True).first()
    if old and old != instance.slug:
        TopicRedirect.objects.filter(old_slug=instance.slug).delete()
        TopicRedirect.objects.update_or_create(old_slug=old, defaults={"tag": instance})


def tag_url(tag) -> str | None:
    """The topic's page, or None for a slug no URL can carry (empty, or with "/")."""
    try:
        return link("tags:detail", slug=tag.slug)
    except NoReverseMatch:
        return None


def redirect_old_slug(slug: str, view_name: str):
    """A permanent redirect to where the topic that once had `slug` lives now, or None."""
    moved = TopicRedirect.objects.filter(old_slug=slug).select_related("tag").first()
    if moved is None:
        return None
    return redirect(view_name, slug=moved.tag.slug, permanent=True)


class TopicMergeRefused(Exception):
    """A merge that was refused before anything was written; the message is for the editor."""


@dataclass(frozen=True)
class MergeResult:
    target: Tag
    merged_names: tuple[str, ...]
    articles_changed: int
    comment: str

    @property
    def topics_merged(self) -> int:
        return len(self.merged_names)


def quoted_names(names: Iterable[str]) -> str:
    """「甲」、「乙」: topic names as our admin messages quote them."""
    return "、".join(f"「{name}」" for name in names)


def topics_merge(*, tags: Iterable[Tag], into: str, user, seen_names: Mapping[int, str] | None = None) -> MergeResult:
    """Merge `tags` into the topic named `into`, or into a new topic of that name.

    Names are case-insensitive, as everywhere for topics: `into` naming an existing topic
    in any case means that topic, which is kept as it is. Every article tagged with a
    merged topic gets the target instead (once), is saved (its version rises, so a form
    opened before the merge is refused as stale) and gets a revision; each merged topic's
    slug, and every old slug that led to it, leads to the target; the merged topics are
    deleted. `seen_names` maps topic id to the name the user confirmed: a topic deleted or
    renamed since is refused. All of it in one transaction, or nothing (TopicMergeRefused).
    """
    into = (into or "").strip()
    if problem := topic_name_problem(into):
        raise TopicMergeRefused(problem)
    ids = sorted({tag.pk for tag in tags})
    if not ids:
        raise TopicMergeRefused(_("没有选择要合并的话题。"))
    with transaction.atomic():
        locked = list(Tag.objects.select_for_update().filter(pk__in=ids).order_by("pk"))
        if _changed_meanwhile(locked, ids, seen_names):
            raise TopicMergeRefused(_("所选话题已被他人修改或删除；请核对当前的话题后重试。"))
        target = Tag.objects.select_for_update().filter(name__iexact=into).order_by("pk").first()
        merged = [tag for tag in locked if target is None or tag.pk != target.pk]
        if target is not None and not merged:
            raise TopicMergeRefused(
                _("「%(name)s」就是所选的话题本身：请至少选择两个话题，或填写另一个话题名。") % {"name": target.name}
            )
        if target is None:
            target = Tag.objects.create(name=into)
        comment = _("合并话题：%(merged)s并入「%(target)s」") % {
            "merged": quoted_names(tag.name for tag in merged), "target": target.name,
        }
        with revision_context(user=user, comment=comment, manage_manually=True):
            articles_changed = _retag(merged, target)
        _keep_addresses(merged, target)
        _keep_followers(merged, target)
        Tag.objects.filter(pk__in=[tag.pk for tag in merged]).delete()
    return MergeResult(
        target=target, merged_names=tuple(tag.name for tag in merged), articles_changed=articles_changed, comment=comment
    )


def _changed_meanwhile(locked: list[Tag], ids: list[int], seen_names: Mapping[int, str] | None) -> bool:
    if len(locked) != len(ids):
        return True
    if seen_names is None:
        return False
    return any(seen_names.get(tag.pk) != tag.name for tag in locked)


def _retag(merged: list[Tag], target: Tag) -> int:
    """Point the merged topics' taggings at `target`; save and record each article touched."""
    items = list(TaggedItem.objects.filter(tag__in=merged).order_by("pk"))
    article_type = ContentType.objects.get_for_model(Article)
    article_ids = {item.object_id for item in items if item.content_type_id == article_type.pk}
    # of=self: the default ordering joins the nullable issue, which PostgreSQL cannot lock.
    articles = list(Article.objects.select_for_update(of=("self",)).filter(pk__in=article_ids).order_by("pk"))
    # Only the target's taggings of the objects being retagged: a popular target has many others.
    objects = {item.object_id for item in items}
    tagged = set(
        TaggedItem.objects.filter(tag=target, object_id__in=objects).values_list("content_type_id", "object_id")
    )
    for item in items:
        key = (item.content_type_id, item.object_id)
        if key in tagged:
            item.delete()  # it has the target already: it only loses the merged topic
        else:
            TaggedItem.objects.filter(pk=item.pk).update(tag=target)
            tagged.add(key)
    # The cards first, so that the revisions record the articles with their new topics.
    cards = article_cards([article.pk for article in articles])
    for article in articles:
        article.card = cards[article.pk]
        article.save()
        add_article_to_revision(article)
    return len(articles)


def _keep_addresses(merged: list[Tag], target: Tag) -> None:
    """Every address that led to a merged topic now leads to `target`."""
    TopicRedirect.objects.filter(tag__in=merged).update(tag=target)
    for tag in merged:
        if tag.slug and tag.slug != target.slug:
            TopicRedirect.objects.update_or_create(old_slug=tag.slug, defaults={"tag": target})
    # The target's own address is live, not an old one.
    TopicRedirect.objects.filter(old_slug=target.slug).delete()


def _keep_followers(merged: list[Tag], target: Tag) -> None:
    """Whatever chose a merged topic in a many-to-many field (the email edition's
    Subscriber.topics) chooses `target` instead, once: deleting the merged topics would
    otherwise drop the choice without a word. Found through Tag's relations, so that this
    module names no model of a layer above it."""
    for relation in Tag._meta.related_objects:
        field = relation.field
        # taggit's own TaggableManager is not a ManyToManyField; _retag moved its rows.
        if not isinstance(field, models.ManyToManyField):
            continue
        through, owner, tag = field.remote_field.through, field.m2m_field_name(), field.m2m_reverse_field_name()
        rows = through.objects.filter(**{f"{tag}__in": merged})
        owners = set(rows.values_list(owner, flat=True))
        if not owners:
            continue
        rows.delete()
        following = set(through.objects.filter(**{tag: target, f"{owner}__in": owners}).values_list(owner, flat=True))
        through.objects.bulk_create([through(**{f"{owner}_id": pk, f"{tag}_id": target.pk})
                                     for pk in sorted(owners - following)])
