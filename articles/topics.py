"""Topics (taggit's tags): a pinyin slug whatever the name, and old slugs that still lead there.

taggit slugs a name with Django's slugify, which keeps Han characters and drops
everything else, so `🔥` or `！！！` got an empty slug and every page linking the topic
failed. Slugs come from the one slug function instead, like every other slug here.
"""
from django.shortcuts import redirect
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from taggit.models import Tag

from articles.models import TopicRedirect
from newsroom.text.names import has_visible_text
from newsroom.text.slugs import unique_slug

NAME_MAX = Tag._meta.get_field("name").max_length


def topic_name_problem(name: str) -> str | None:
    """Why `name` cannot be a topic, or None."""
    if not has_visible_text(name):
        return _("话题名不能只有空白或不可见字符。")
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
        return reverse("tags:detail", kwargs={"slug": tag.slug})
    except NoReverseMatch:
        return None


def redirect_old_slug(slug: str, view_name: str):
    """A permanent redirect to where the topic that once had `slug` lives now, or None."""
    moved = TopicRedirect.objects.filter(old_slug=slug).select_related("tag").first()
    if moved is None:
        return None
    return redirect(view_name, slug=moved.tag.slug, permanent=True)
