"""The reporter's path through the desk: sign in by group, a status menu of allowed moves, nothing typed lost."""
import datetime
import re

import pytest
from django.contrib.auth.models import Group, User
from django.utils import timezone

from articles import dates
from articles.models import Article
from articles.revisions.history import revision_context

TYPED = "<p>记者新写的一段话。</p>"


def change_url(article) -> str:
    return f"/admin/articles/article/{article.pk}/change/"


def status_options(html: str) -> list[str]:
    select = re.search(r'<select name="status"[^>]*>(.*?)</select>', html, re.S).group(1)
    return re.findall(r'<option value="([^"]*)"', select)


@pytest.mark.django_db
class TestDeskSignIn:
    def _reporter_without_staff_flag(self) -> User:
        user = User.objects.create_user("zhaolei", password="zhaolei-password-1")
        user.groups.add(Group.objects.get(name="记者"))
        return user

    def test_group_member_without_staff_flag_signs_in(self, client):
        """A 记者 member with 职员状态 unticked signs in at /admin/login/ and reaches the index."""
        self._reporter_without_staff_flag()
        response = client.post("/admin/login/?next=/admin/", {"username": "zhaolei", "password": "zhaolei-password-1"})
        assert response.status_code == 302
        assert response["Location"] == "/admin/"
        assert client.get("/admin/").status_code == 200

    def test_account_in_no_group_and_not_staff_is_refused(self, client):
        """An account in no group, not staff, is refused with the admin's sign-in error."""
        User.objects.create_user("reader", password="reader-password-1")
        response = client.post("/admin/login/", {"username": "reader", "password": "reader-password-1"})
        assert response.status_code == 200
        assert response.context["form"].errors["__all__"] == [
            "请输入一个正确的工作人员账户 用户名 和密码. 注意他们都是区分大小写的."
        ]

    def test_inactive_group_member_is_refused(self, client):
        """Deactivating an account still locks it out, group or not."""
        user = self._reporter_without_staff_flag()
        user.is_active = False
        user.save()
        response = client.post("/admin/login/", {"username": "zhaolei", "password": "zhaolei-password-1"})
        assert response.status_code == 200
        assert "_auth_user_id" not in client.session


@pytest.mark.django_db
class TestStatusMenu:
    def test_reporter_own_draft_offers_draft_and_review_only(self, reporter_client, draft_article):
        """A reporter's own draft offers 草稿 and 待审, never 已发布 or 已归档."""
        html = reporter_client.get(change_url(draft_article)).content.decode()
        assert status_options(html) == ["draft", "review"]

    def test_editor_draft_offers_every_move_from_draft(self, editor_client, draft_article):
        """An editor sees the draft's every transition: 待审, 已发布, 已归档."""
        html = editor_client.get(change_url(draft_article)).content.decode()
        assert status_options(html) == ["draft", "review", "published", "archived"]

    def test_editor_archived_article_offers_only_back_to_draft(self, editor_client, make_article):
        """An archived article can only go back to 草稿."""
        article = make_article("旧闻", status="archived")
        html = editor_client.get(change_url(article)).content.decode()
        assert status_options(html) == ["draft", "archived"]


@pytest.mark.django_db
class TestRefusedSave:
    def test_refused_status_keeps_the_form_editable(self, reporter_client, draft_article, article_form_data):
        """A reporter choosing 已发布 is refused, and the form is still the editable form."""
        data = article_form_data(draft_article, status="published", body=TYPED)
        response = reporter_client.post(change_url(draft_article), data)
        assert response.status_code == 200
        assert response.context["adminform"].readonly_fields == [
            *response.context["adminform"].model_admin.get_readonly_fields(response.wsgi_request, draft_article)
        ]
        assert "body" in response.context["adminform"].form.fields
        assert 'name="_save"' in response.content.decode()

    def test_refused_status_keeps_the_typed_text(self, reporter_client, draft_article, article_form_data):
        """What the reporter typed comes back in the form, and nothing is stored."""
        data = article_form_data(draft_article, status="published", headline="记者改的标题", body=TYPED)
        response = reporter_client.post(change_url(draft_article), data)
        form = response.context["adminform"].form
        assert form["headline"].value() == "记者改的标题"
        assert form["body"].value() == TYPED
        stored = Article.objects.get(pk=draft_article.pk)
        assert (stored.headline, stored.body, stored.status) == (
            "成都高新区发布新政", "<p>成都高新区今年新增企业一千家。</p>", "draft"
        )

    def test_refused_status_menu_still_offers_only_allowed_moves(
        self, reporter_client, draft_article, article_form_data
    ):
        """After the refusal the menu is still 草稿 and 待审, with the stored status chosen."""
        data = article_form_data(draft_article, status="published", body=TYPED)
        html = reporter_client.post(change_url(draft_article), data).content.decode()
        assert status_options(html) == ["draft", "review"]

    def test_stale_save_by_reporter_keeps_the_form_editable(
        self, reporter_client, editor_user, draft_article, article_form_data
    ):
        """An edit conflict on the reporter's own draft re-renders the editable form with the text."""
        data = article_form_data(draft_article, body=TYPED)
        draft_article.standfirst = "编辑先改了导语"
        draft_article.save()
        response = reporter_client.post(change_url(draft_article), data)
        assert response.status_code == 200
        assert response.context["adminform"].form["body"].value() == TYPED
        assert "body" in response.context["adminform"].form.fields


@pytest.mark.django_db
class TestSaveAfterLosingEditRights:
    def submitted_meanwhile(self, reporter_client, editor_user, draft_article, article_form_data):
        """The reporter's form is open; an editor submits the draft; the reporter presses 保存."""
        data = article_form_data(draft_article, headline="记者改的标题", body=TYPED)
        with revision_context(user=editor_user):
            draft_article.status = "review"
            draft_article.save()
        return reporter_client.post(change_url(draft_article), data)

    def test_refused_with_who_moved_it_and_when(self, reporter_client, editor_user, draft_article, article_form_data):
        """Still 403, but a page that says who moved the article, when, and to what."""
        response = self.submitted_meanwhile(reporter_client, editor_user, draft_article, article_form_data)
        when = dates.format_local(Article.objects.get(pk=draft_article.pk).updated_at)
        assert response.status_code == 403
        assert response.context["message"] == (
            f"保存未成功：《成都高新区发布新政》已由王芳于{when}改为“待审”，你不能再修改它。"
            "你输入的内容都在下面，请复制保存，交给编辑或在文章退回草稿后贴回。"
        )

    def test_typed_text_is_given_back(self, reporter_client, editor_user, draft_article, article_form_data):
        """Every text field the reporter typed comes back, the body as plain text; nothing is stored."""
        response = self.submitted_meanwhile(reporter_client, editor_user, draft_article, article_form_data)
        assert response.context["typed"] == [("标题", "记者改的标题"), ("正文", "记者新写的一段话。")]
        assert Article.objects.get(pk=draft_article.pk).headline == "成都高新区发布新政"

    def test_someone_else_draft_is_still_forbidden(self, reporter_client, make_article, article_form_data):
        """A reporter who never could edit the article gets a refusal page too, not someone's text."""
        article = make_article("别人的稿子", status="draft", reporters=[("韩霄鹏", "记者")])
        response = reporter_client.post(change_url(article), article_form_data(article, headline="改"))
        assert response.status_code == 403
        assert Article.objects.get(pk=article.pk).headline == "别人的稿子"


@pytest.mark.django_db
class TestConflictMessage:
    def test_conflict_message_appears_once(self, editor_client, second_editor_user, draft_article, article_form_data):
        """The edit-conflict explanation is shown once, not also as the form's error list."""
        data = article_form_data(draft_article, body=TYPED)
        draft_article.standfirst = "别人先改了导语"
        draft_article.save()
        html = editor_client.post(change_url(draft_article), data).content.decode()
        assert html.count("保存未成功：你打开本文时是第") == 1


def saved_messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


@pytest.mark.django_db
class TestSaveMessages:
    def test_headline_quotes_are_not_nested_in_the_message(self, editor_client, make_article, article_form_data):
        """A headline with “” is named in 「」, not inside a second pair of “”."""
        article = make_article("国家高新区忙开局奋力“开门红”", status="draft")
        data = article_form_data(article, standfirst="新导语")
        response = editor_client.post(change_url(article), data, follow=True)
        assert saved_messages(response) == [
            f'已修改文章「<a href="{change_url(article)}">国家高新区忙开局奋力“开门红”</a>」。'
        ]

    def test_continue_after_submitting_does_not_offer_editing(
        self, reporter_client, draft_article, article_form_data
    ):
        """保存并继续编辑 that submits the draft lands on a read-only page, without "再次编辑"."""
        data = article_form_data(draft_article, status="review", _continue="1")
        response = reporter_client.post(change_url(draft_article), data, follow=True)
        assert response.redirect_chain == [(change_url(draft_article), 302)]
        assert saved_messages(response) == [f'已修改文章「<a href="{change_url(draft_article)}">成都高新区发布新政</a>」。']
        assert "body" not in response.context["adminform"].form.fields

    def test_continue_on_an_editable_article_still_offers_editing(
        self, editor_client, draft_article, article_form_data
    ):
        """An editor who keeps editing is told they can, as Django says it."""
        data = article_form_data(draft_article, standfirst="新导语", _continue="1")
        response = editor_client.post(change_url(draft_article), data, follow=True)
        assert saved_messages(response) == [
            f'已修改文章「<a href="{change_url(draft_article)}">成都高新区发布新政</a>」。你可以在下面再次编辑它。'
        ]


@pytest.mark.django_db
class TestReadOnlyArticle:
    def test_reporter_sees_a_published_body_rendered(self, reporter_client, make_article):
        """A reporter viewing a published article sees paragraphs, not escaped <p> source."""
        article = make_article("已发稿件", status="published", body="<p>第一段。</p><p>第二段<script>x()</script></p>")
        html = reporter_client.get(change_url(article)).content.decode()
        assert '<div class="readonly"><p>第一段。</p><p>第二段</p></div>' in html
        assert "&lt;p&gt;" not in html


def view_on_site_href(client, url: str) -> str:
    return re.search(r'<a href="([^"]*)" class="viewsitelink">', client.get(url).content.decode()).group(1)


@pytest.mark.django_db
class TestViewOnSite:
    def test_draft_article_links_to_its_preview(self, editor_client, draft_article):
        """在站点上查看 on a draft goes to the preview, not the public 404."""
        assert view_on_site_href(editor_client, change_url(draft_article)) == f"/preview/articles/{draft_article.pk}/"

    def test_published_article_links_to_its_public_page(self, editor_client, make_article):
        """在站点上查看 on a published article goes to its public page."""
        article = make_article("已发稿件", status="published")
        assert view_on_site_href(editor_client, change_url(article)) == article.get_absolute_url()

    def test_scheduled_article_links_to_its_preview(self, editor_client, make_article):
        """A scheduled article is not public yet, so 在站点上查看 goes to its preview."""
        article = make_article("排期稿", status="published", publish_at=timezone.now() + datetime.timedelta(days=1))
        assert view_on_site_href(editor_client, change_url(article)) == f"/preview/articles/{article.pk}/"

    def test_draft_issue_links_to_its_preview(self, editor_client, make_issue):
        """在站点上查看 on a draft issue goes to the issue preview."""
        issue = make_issue(9, status="draft")
        assert view_on_site_href(editor_client, f"/admin/newsroom/issue/{issue.pk}/change/") == "/preview/issues/9/"

    def test_published_issue_links_to_its_public_page(self, editor_client, make_issue):
        """在站点上查看 on a published issue goes to /issues/<number>/."""
        issue = make_issue(9, status="published")
        assert view_on_site_href(editor_client, f"/admin/newsroom/issue/{issue.pk}/change/") == "/issues/9/"
