"""公众号版 at the desk: an article as WeChat accepts it, to copy into the WeChat editor.

The page shows what WeChat would refuse or cut, the fields pasted beside the body (标题,
作者, 摘要, 原文链接) with their counts against WeChat's limits, and the body in a phone-wide
frame; 复制正文 (static/js/wechat-copy.js) puts the body on the clipboard as rich HTML and
as plain text. 推送到草稿箱 is the push panel's (newsroom/admin/wechat_push.py).
"""
from csp.decorators import csp
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.clickjacking import xframe_options_sameorigin

from articles.models import Article
from newsroom.admin.wechat_push import push_panel
from newsroom.editions import wechat

# A phone's width in CSS pixels: WeChat's article column is the screen less its margins.
PHONE_WIDTH = 375
# The body in the preview's frame: its inline styles and its pictures, nothing else; no
# script, no form, and only the admin may frame it.
WECHAT_PREVIEW_CSP = {
    "default-src": ["'none'"],
    "img-src": ["https:", "http:"],
    "style-src": ["'unsafe-inline'"],
    "frame-ancestors": ["'self'"],
    "base-uri": ["'none'"],
    "form-action": ["'none'"],
}


class ArticleWechatMixin:
    """For ArticleAdmin: 公众号版 under admin/articles/article/<id>/wechat/, for anyone who may
    view the article."""

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<path:object_id>/wechat/", view(self.wechat_view), name="articles_article_wechat"),
            path("<path:object_id>/wechat/html/", view(self.wechat_html_view), name="articles_article_wechat_html"),
            *super().get_urls(),
        ]

    def _wechat_article(self, request, object_id):
        article = self.get_object(request, unquote(object_id))
        if article is None:
            raise Http404
        if not self.has_view_or_change_permission(request, article):
            raise PermissionDenied
        return article

    def wechat_view(self, request, object_id):
        article = self._wechat_article(request, object_id)
        edition = wechat.wechat_article(article)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": article,
            "title": _("公众号版：%(headline)s") % {"headline": article.headline},
            "edition": edition,
            # 阅读原文 leads to the public page, which readers cannot open before publication.
            "unpublished": not Article.objects.published().filter(pk=article.pk).exists(),
            "fields": wechat_fields(edition),
            "html_chars": f"{edition.chars:,}",
            "html_limit": f"{wechat.HTML_CHARS:,}",
            "phone_width": PHONE_WIDTH,
            **push_panel(request, article),
        }
        return TemplateResponse(request, "admin/articles/article/wechat.html", context)

    @xframe_options_sameorigin
    @csp(WECHAT_PREVIEW_CSP)
    def wechat_html_view(self, request, object_id):
        """The body alone for the page's phone-wide frame, as it will be pasted."""
        article = self._wechat_article(request, object_id)
        page = render_to_string("admin/articles/article/wechat_frame.html",
                                {"edition": wechat.wechat_article(article)})
        return HttpResponse(page, content_type="text/html; charset=utf-8")


def wechat_fields(edition) -> list[dict]:
    """The fields pasted beside the body, each with its count against WeChat's limit."""
    fields = [
        {"key": key, "label": label, "value": value, "limit": limit, "count": len(value), "over": len(value) > limit}
        for key, (label, value, limit) in zip(("title", "author", "digest"), wechat.field_limits(edition), strict=True)
    ]
    fields.append({"key": "source", "label": _("原文链接"), "value": edition.source_url, "limit": None,
                   "count": len(edition.source_url), "over": False,
                   "help": _("粘贴到公众号编辑器的“原文链接”：读者点文末的“阅读原文”即打开本刊网页。")})
    return fields
