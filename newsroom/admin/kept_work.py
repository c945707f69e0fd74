"""Nothing typed is lost: a save refused because the article left the user's hands gives the
text back, and an edit conflict is explained once, above the form that keeps the text."""
from django.contrib import messages
from django.contrib.admin import helpers
from django.contrib.admin.utils import unquote
from django.core.exceptions import NON_FIELD_ERRORS
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _

from articles import dates, workflow
from articles.body import body_text
from articles.models import Article
from articles.revisions import history


class KeepTypedWorkMixin:
    """For ArticleAdmin: the refused-save page, the read-only save message, the conflict box."""

    def _out_of_reach_post(self, request, object_id):
        """A save from a form the user could edit when they opened it, but no longer may (a
        reporter's draft submitted or published by an editor meanwhile). Django's bare 403
        drops what was typed; this 403 says why and gives the text back."""
        article = self.get_object(request, unquote(object_id))
        if article is None or self.has_change_permission(request, article):
            return None
        if not self.has_view_permission(request, article):
            return None
        change = history.last_change(article=article)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": article,
            "title": _("保存未成功"),
            "message": _(
                "保存未成功：《%(headline)s》已由%(who)s于%(when)s改为“%(status)s”，你不能再修改它。"
                "你输入的内容都在下面，请复制保存，交给编辑或在文章退回草稿后贴回。"
            ) % {
                "headline": article.headline, "who": change.who,
                "when": dates.format_local(change.when), "status": workflow.status_label(article),
            },
            "typed": self._typed_fields(request),
        }
        return TemplateResponse(request, "admin/articles/article/refused_save.html", context, status=403)

    def _typed_fields(self, request) -> list[tuple[str, str]]:
        """The text fields of the refused POST, labelled as on the form; the body as plain text."""
        typed = []
        for name in ["kicker", "headline", "subheadline", "dateline", "standfirst"]:
            if value := request.POST.get(name, "").strip():
                typed.append((Article._meta.get_field(name).verbose_name, value))
        if body := body_text(request.POST.get("body", "")):
            typed.append((_("正文"), body))
        return typed

    def _saved_out_of_reach(self, request, obj, message):
        """保存并继续编辑 by a reporter who just submitted: the page comes back read-only, so
        the message must not promise "你可以在下面再次编辑它"."""
        url = reverse("admin:articles_article_change", args=[obj.pk])
        link = format_html('<a href="{}">{}</a>', url, obj)
        self.message_user(request, format_html(message, name=self.opts.verbose_name, obj=link), messages.SUCCESS)
        return HttpResponseRedirect(url)

    def _show_conflict_once(self, context) -> None:
        """The conflict box above the form explains the refusal; the error list need not repeat it."""
        form = context["adminform"].form
        others = [e for e in form.errors.get(NON_FIELD_ERRORS, []) if e != context["edit_conflict"].message]
        if others:
            form.errors[NON_FIELD_ERRORS] = form.error_class(others, error_class="nonfield")
        else:
            form.errors.pop(NON_FIELD_ERRORS, None)
        formsets = [inline.formset for inline in context["inline_admin_formsets"]]
        context["errors"] = helpers.AdminErrorList(form, formsets)
