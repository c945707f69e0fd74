"""Topics (taggit's tags) in the admin.

This replaces taggit's own TagAdmin, which the article form's topic autocomplete needs a
search for; the name rules are the ones the article form applies to typed topics.
"""
from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from taggit.models import Tag

from articles.models import Article
from articles.topics import TopicMergeRefused, quoted_names, topic_name_problem, topics_merge
from newsroom.admin.keys import CheckedKeysAdmin

MERGE_NAME_INPUT = "merged_name"
# The name each selected topic had on the confirmation page: one renamed since is refused.
SEEN_NAME_INPUT = "_seen_name_%s"


class TagForm(forms.ModelForm):
    """A topic in the topic admin: the same name rules as topics typed in the article form."""

    class Meta:
        model = Tag
        fields = ["name", "slug"]

    def clean_name(self):
        name = self.cleaned_data["name"]
        if problem := topic_name_problem(name):
            raise ValidationError(problem, code="invalid")
        # Topics are case-insensitive (TAGGIT_CASE_INSENSITIVE): with both "AI" and "ai"
        # stored, taggit's lookup of either finds two rows and every save that names it fails.
        same = Tag.objects.filter(name__iexact=name).exclude(pk=self.instance.pk).first()
        if same is not None:
            raise ValidationError(_("已有同名话题“%(name)s”。") % {"name": same.name}, code="unique")
        return name


admin.site.unregister(Tag)


@admin.register(Tag)
class TagAdmin(CheckedKeysAdmin, admin.ModelAdmin):
    form = TagForm
    list_display = ["name", "slug"]
    search_fields = ["name", "slug"]
    ordering = ["name"]
    list_filter = []
    actions = ["merge_selected"]

    def has_merge_permission(self, request):
        """Merging changes topics and deletes some, so it needs both. (Django offers an action
        when any one of its `permissions` holds, so the two cannot simply be listed there.)"""
        return self.has_change_permission(request) and self.has_delete_permission(request)

    @admin.action(description=gettext_lazy("合并所选话题"), permissions=["merge"])
    def merge_selected(self, request, queryset):
        """A confirmation page first, like Django's delete; its form posts back to the list
        with the action and the selected ids, so nothing is kept between the two requests."""
        topics = self._with_article_counts(queryset)
        if "_merge_confirm" not in request.POST:
            name = topics[0].name if topics else ""
            return self._merge_page(request, topics, name=name)
        name = request.POST.get(MERGE_NAME_INPUT, "")
        seen = {tag.pk: request.POST.get(SEEN_NAME_INPUT % tag.pk) for tag in topics}
        # Ids selected on the page but gone now still count as seen, so the merge refuses them.
        for pk in request.POST.getlist(helpers.ACTION_CHECKBOX_NAME):
            seen.setdefault(int(pk), None)
        try:
            result = topics_merge(tags=[Tag(pk=pk) for pk in seen], into=name, user=request.user, seen_names=seen)
        except TopicMergeRefused as refused:
            if not topics:
                self.message_user(request, _("未作任何合并：") + str(refused), messages.ERROR)
                return None
            return self._merge_page(request, topics, name=name, error=_("未作任何合并：") + str(refused))
        self.log_change(request, result.target, result.comment)  # the topic's own 历史 names the merge
        self.message_user(
            request,
            _("已将%(merged)s并入「%(target)s」，%(count)s 篇文章的话题随之更新。") % {
                "merged": quoted_names(result.merged_names), "target": result.target.name,
                "count": result.articles_changed,
            },
            messages.SUCCESS,
        )
        return None

    def _with_article_counts(self, queryset) -> list[Tag]:
        """The selected topics, the most used first, each with how many articles carry it."""
        article_type = ContentType.objects.get_for_model(Article)
        items = "taggit_taggeditem_items"
        counted = queryset.annotate(
            article_count=Count(items, filter=Q(**{f"{items}__content_type": article_type}))
        )
        return list(counted.order_by("-article_count", "name", "pk"))

    def _merge_page(self, request, topics: list[Tag], *, name: str, error: str = "") -> TemplateResponse:
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("合并话题"),
            "topics": topics,
            "merged_name": name,
            "name_input": MERGE_NAME_INPUT,
            "seen_names": [(SEEN_NAME_INPUT % tag.pk, tag.name) for tag in topics],
            "error": error,
            "action_name": "merge_selected",
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "name_max": Tag._meta.get_field("name").max_length,
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/taggit/tag/merge.html", context)
