"""推送到草稿箱 on an article's 公众号版 page: the panel (configured or not, the button, the
last pushes) and the POST that queues a push. The push itself runs on the worker
(newsroom.tasks.wechat_push → newsroom.editions.wechat_push.push_run)."""
from django.contrib import messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect
from django.urls import path, reverse
from django.utils.translation import gettext as _

from newsroom import tasks
from newsroom.editions.models import WechatPush
from newsroom.editions.wechat_push import PushRefused, configured, push_blocks

PUSH_PERMISSION = "editions.push_wechat"
PUSHES_SHOWN = 5


def push_panel(request, article) -> dict:
    """The context of templates/admin/editions/wechat_push.html for one article."""
    pushes = list(
        WechatPush.objects.filter(article=article).select_related("requested_by")
        .order_by("-requested_at", "-pk")[:PUSHES_SHOWN]
    )
    return {
        "wechat_configured": configured(),
        "wechat_can_push": request.user.has_perm(PUSH_PERMISSION),
        "wechat_pushes": pushes,
        # A push whose worker died no longer hides the button: pressing it gives that push up.
        "wechat_pushing": any(push_blocks(push) for push in pushes),
        "wechat_push_url": reverse("admin:articles_article_wechat_push", args=[article.pk]),
        # The draft in WeChat is a copy: once the article changes, it is out of date.
        "wechat_pushed_older": bool(pushes) and pushes[0].status == WechatPush.Status.DONE
        and pushes[0].article_version != article.version,
        # Already in the 草稿箱 as it is now: another press makes a second, identical draft.
        "wechat_pushed_current": bool(pushes) and pushes[0].status == WechatPush.Status.DONE
        and pushes[0].article_version == article.version,
    }


class ArticleWechatPushMixin:
    """For ArticleAdmin: POST admin/articles/article/<id>/wechat/push/."""

    def get_urls(self):
        return [
            path("<path:object_id>/wechat/push/", self.admin_site.admin_view(self.wechat_push_view),
                 name="articles_article_wechat_push"),
            *super().get_urls(),
        ]

    def wechat_push_view(self, request, object_id):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        article = self.get_object(request, unquote(object_id))
        if article is None or not self.has_view_or_change_permission(request, article):
            raise Http404
        if not request.user.has_perm(PUSH_PERMISSION):
            raise PermissionDenied
        page = reverse("admin:articles_article_wechat", args=[article.pk])
        try:
            tasks.article_wechat_push(article=article, by=request.user)
        except PushRefused as refused:
            # To the top, where the message is shown: a refusal adds no row to the panel, so
            # at the panel's anchor the press would seem to have done nothing.
            self.message_user(request, str(refused), messages.ERROR)
            return HttpResponseRedirect(page)
        self.message_user(request, _("已交给后台推送到公众号草稿箱，完成后在下方查看结果。"), messages.SUCCESS)
        return HttpResponseRedirect(page + "#wechat-push")
