"""TEMPORARY stand-in of wxhtml's 公众号版 page (dropped when it lands on main)."""
from django.contrib.admin.utils import unquote
from django.http import Http404
from django.template.response import TemplateResponse
from django.urls import path

from newsroom.admin.wechat_push import push_panel


class ArticleWechatMixin:
    def get_urls(self):
        return [
            path("<path:object_id>/wechat/", self.admin_site.admin_view(self.wechat_view),
                 name="articles_article_wechat"),
            *super().get_urls(),
        ]

    def wechat_view(self, request, object_id):
        article = self.get_object(request, unquote(object_id))
        if article is None or not self.has_view_or_change_permission(request, article):
            raise Http404
        context = {**self.admin_site.each_context(request), "opts": self.opts, "original": article,
                   "title": "公众号版", **push_panel(request, article)}
        return TemplateResponse(request, "admin/articles/article/wechat.html", context)
