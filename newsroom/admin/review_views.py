"""三审 in the article admin: sign the next stage or send the article back, from its change form."""
from django.contrib import messages
from django.contrib.admin.utils import unquote
from django.http import Http404, HttpResponseRedirect
from django.urls import path, reverse
from django.utils.translation import gettext as _

from articles import review
from articles.models import Article

REVIEW_COMMENT_KEY = "review_comment_%s"


class ReviewViewsMixin:
    """For ArticleAdmin: the sign-off view, and the review panel's context on the change form."""

    def get_urls(self):
        view = self.admin_site.admin_view
        return [path("<path:object_id>/review/", view(self.review_view), name="articles_article_review"), *super().get_urls()]

    def review_view(self, request, object_id):
        """POST only: sign the article's next stage, or send it back with a comment."""
        article = self.get_object(request, unquote(object_id))
        if article is None or not self.has_view_or_change_permission(request, article):
            raise Http404
        change_url = reverse("admin:articles_article_change", args=[article.pk])
        if request.method != "POST":
            return HttpResponseRedirect(change_url)
        comment = request.POST.get("review_comment", "")[:2000]
        loaded = request.POST.get("loaded_version", "")
        try:
            self._review_decision(request, article, comment, int(loaded) if loaded.isdecimal() else None)
        except review.ReviewError as error:
            # The typed comment comes back in the panel, not lost with the refusal.
            request.session[REVIEW_COMMENT_KEY % article.pk] = comment
            self.message_user(request, str(error), messages.ERROR)
        return HttpResponseRedirect(change_url)

    def _review_decision(self, request, article, comment: str, loaded_version: int | None) -> None:
        label = {"headline": article.headline}
        if request.POST.get("decision") == "return":
            signoff = review.send_back(article=article, user=request.user, comment=comment, loaded_version=loaded_version)
            done = _("文章「%(headline)s」已在%(stage)s退回修改。")
        else:
            signoff = review.sign(article=article, user=request.user, comment=comment, loaded_version=loaded_version)
            done = _("文章「%(headline)s」已通过%(stage)s。")
        self.message_user(request, done % {**label, "stage": signoff.stage.name}, messages.SUCCESS)

    def _review_context(self, request, article) -> dict:
        stages = review.active_stages()
        signoffs = article.signoffs.select_related("stage", "user")
        return {
            "review_states": review.stage_states(article, stages),
            "review_next": review.next_stage(article, stages) if article.status == Article.Status.REVIEW else None,
            "review_history": list(signoffs),
            "review_return": review.last_return(article) if article.status == Article.Status.DRAFT else None,
            "review_comment": request.session.pop(REVIEW_COMMENT_KEY % article.pk, ""),
        }
