"""An article's revisions in the admin: the history, one version, two compared, and a restore."""
from django.contrib import messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _

from articles import workflow
from articles.models import Article
from articles.revisions import diff, history


class RevisionViewsMixin:
    """For ArticleAdmin: the revision pages, which follow the article's own view permission."""

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<path:object_id>/revisions/compare/", view(self.compare_view), name="articles_article_compare"),
            path("<path:object_id>/revisions/<int:version_id>/", view(self.revision_view), name="articles_article_revision"),
            path(
                "<path:object_id>/revisions/<int:version_id>/restore/",
                view(self.restore_view),
                name="articles_article_restore",
            ),
            *super().get_urls(),
        ]

    def _article_and_version(self, request, object_id, version_id):
        article = self.get_object(request, unquote(object_id))
        if article is None or not self.has_view_or_change_permission(request, article):
            raise Http404
        version = get_object_or_404(history.article_versions(article=article), pk=version_id)
        return article, version

    def history_view(self, request, object_id, extra_context=None):
        article = self.get_object(request, unquote(object_id))
        if article is None:
            raise Http404
        versions = list(history.article_versions(article=article))
        extra = {"versions": [(v, history.version_number(v)) for v in versions], **(extra_context or {})}
        return super().history_view(request, object_id, extra)

    def revision_view(self, request, object_id, version_id):
        article, version = self._article_and_version(request, object_id, version_id)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": article,
            "title": _("第%(number)s版") % {"number": history.version_number(version)},
            "version": version,
            "number": history.version_number(version),
            "who": history.saved_by(version),
            "snapshot": diff.snapshot_from_version(version),
            "can_restore": self.has_change_permission(request, article),
        }
        return TemplateResponse(request, "admin/articles/article/revision.html", context)

    def compare_view(self, request, object_id):
        article = self.get_object(request, unquote(object_id))
        if article is None or not self.has_view_or_change_permission(request, article):
            raise Http404
        pair = self._compare_pair(request, article)
        old, new = sorted(pair, key=lambda v: (v.revision.date_created, v.pk))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": article,
            "title": _("比较版本"),
            "old": old,
            "new": new,
            "old_number": history.version_number(old),
            "new_number": history.version_number(new),
            "old_who": history.saved_by(old),
            "new_who": history.saved_by(new),
            "diffs": diff.compare_snapshots(
                diff.snapshot_from_version(old), diff.snapshot_from_version(new)
            ),
        }
        return TemplateResponse(request, "admin/articles/article/compare.html", context)

    def _compare_pair(self, request, article):
        ids = [v for v in (request.GET.get("a", ""), request.GET.get("b", "")) if v.isdecimal()]
        versions = list(history.article_versions(article=article).filter(pk__in=ids))
        if len(versions) != 2:
            raise Http404
        return versions

    def restore_view(self, request, object_id, version_id):
        article, version = self._article_and_version(request, object_id, version_id)
        if request.method != "POST":
            return HttpResponseRedirect(reverse("admin:articles_article_revision", args=[article.pk, version.pk]))
        if not self.has_change_permission(request, article):
            raise PermissionDenied
        loaded = request.POST.get("loaded_version", "")
        loaded_version = int(loaded) if loaded.isdecimal() else article.version
        try:
            history.article_restore(article=article, version=version, user=request.user, loaded_version=loaded_version)
        except Article.StaleVersion:
            current = Article.objects.get(pk=article.pk)
            self.message_user(request, _("未恢复：") + (workflow.stale_problem(current, loaded_version) or ""), messages.ERROR)
            return HttpResponseRedirect(reverse("admin:articles_article_revision", args=[article.pk, version.pk]))
        self.message_user(
            request,
            _("已恢复到第%(number)s版，并保存为第%(current)s版。")
            % {"number": history.version_number(version), "current": article.version},
            messages.SUCCESS,
        )
        return HttpResponseRedirect(reverse("admin:articles_article_change", args=[article.pk]))
