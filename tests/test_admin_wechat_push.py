"""推送到草稿箱 at the desk: the panel on the 公众号版 page and the POST that queues a push."""
import pytest
from django.contrib.auth.models import Group
from django.contrib.messages import get_messages
from django.test import Client

from articles.models import Article
from newsroom.editions.models import WechatPush
from newsroom.tasks import push_to_wechat
from tests.wechatserver import APPID, SECRET


@pytest.fixture
def configured(settings):
    settings.NEWSROOM_WECHAT_APPID = APPID
    settings.NEWSROOM_WECHAT_SECRET = SECRET


@pytest.fixture
def chief_client(editor_user):
    """An editor who is also 总编辑, the role that may push (editions/0002)."""
    editor_user.groups.add(Group.objects.get(name="总编辑"))
    client = Client()
    client.force_login(editor_user)
    return client


@pytest.fixture
def article(imported_seed) -> Article:
    return Article.objects.get(issue=imported_seed, headline__startswith="国家高新区")


def push_url(article) -> str:
    return f"/admin/articles/article/{article.pk}/wechat/push/"


def page_url(article) -> str:
    return f"/admin/articles/article/{article.pk}/wechat/"


def flashed(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def queued_task_ids() -> list[list]:
    from django_tasks_db.models import DBTaskResult

    return [row.args_kwargs["args"] for row in DBTaskResult.objects.filter(task_path=push_to_wechat.module_path)]


class TestPushView:
    def test_the_chief_queues_a_push_on_the_worker(self, configured, chief_client, article, editor_user):
        response = chief_client.post(push_url(article))
        assert response.status_code == 302
        assert response["Location"] == page_url(article) + "#wechat-push"
        push = WechatPush.objects.get()
        assert (push.article, push.status, push.requested_by, push.article_version) == (
            article, "queued", editor_user, article.version)
        assert queued_task_ids() == [[push.pk]]
        assert flashed(response) == ["已交给后台推送到公众号草稿箱，完成后在下方查看结果。"]

    def test_a_second_press_is_told_to_wait(self, configured, chief_client, article):
        chief_client.post(push_url(article))
        response = chief_client.post(push_url(article))
        assert flashed(response)[-1] == "这篇文章正在推送到草稿箱，请等它完成。"
        assert WechatPush.objects.count() == 1

    def test_not_configured_says_how_and_writes_nothing(self, chief_client, article):
        response = chief_client.post(push_url(article))
        assert response.status_code == 302
        assert flashed(response) == ["未配置公众号：请设置 NEWSROOM_WECHAT_APPID 和 NEWSROOM_WECHAT_SECRET。"]
        assert not WechatPush.objects.exists()

    def test_an_editor_without_the_permission_is_refused(self, configured, editor_client, article):
        assert editor_client.post(push_url(article)).status_code == 403
        assert not WechatPush.objects.exists()

    def test_get_is_not_allowed(self, configured, chief_client, article):
        assert chief_client.get(push_url(article)).status_code == 405

    def test_a_post_without_the_csrf_token_is_refused(self, configured, editor_user, article):
        editor_user.groups.add(Group.objects.get(name="总编辑"))
        client = Client(enforce_csrf_checks=True)
        client.force_login(editor_user)
        assert client.post(push_url(article)).status_code == 403
        assert not WechatPush.objects.exists()

    def test_a_missing_article_is_404(self, configured, chief_client, article):
        assert chief_client.post(f"/admin/articles/article/{article.pk + 1000}/wechat/push/").status_code == 404

    def test_signed_out_goes_to_the_login(self, configured, client, article):
        response = client.post(push_url(article))
        assert response.status_code == 302
        assert response["Location"].startswith("/admin/login/")


class TestPanel:
    def test_not_configured_explains_how_to_configure(self, chief_client, article):
        content = chief_client.get(page_url(article)).content.decode()
        assert "NEWSROOM_WECHAT_APPID 和 NEWSROOM_WECHAT_SECRET" in content
        assert push_url(article) not in content

    def test_the_chief_sees_the_button(self, configured, chief_client, article):
        content = chief_client.get(page_url(article)).content.decode()
        assert f'<form method="post" action="{push_url(article)}">' in content
        assert "推送到草稿箱</button>" in content

    def test_an_editor_without_the_permission_sees_no_button(self, configured, editor_client, article):
        content = editor_client.get(page_url(article)).content.decode()
        assert push_url(article) not in content
        assert "你没有推送到公众号草稿箱的权限。" in content

    def test_the_last_pushes_show_status_who_media_id_and_problem(self, configured, chief_client, article, editor_user):
        WechatPush.objects.create(article=article, status="failed", requested_by=editor_user,
                                  problem="微信系统繁忙，请稍后再试。（errcode -1：system error）")
        WechatPush.objects.create(article=article, status="done", requested_by=editor_user, media_id="MEDIA_1")
        content = chief_client.get(page_url(article)).content.decode()
        assert "最近一次推送的草稿已在公众号草稿箱中，请登录微信公众平台检查后发表。" in content
        rows = content[content.index("<tbody>"):content.index("</tbody>")]
        assert rows.index("已推送") < rows.index("MEDIA_1") < rows.index("推送失败") < rows.index("errcode -1")
        assert rows.count("王芳") == 2

    def test_while_a_push_runs_the_button_waits(self, configured, chief_client, article):
        WechatPush.objects.create(article=article, status="pushing")
        content = chief_client.get(page_url(article)).content.decode()
        assert push_url(article) not in content
        assert "正在推送，完成后刷新本页查看结果。" in content

    def test_the_panel_costs_one_query(self, configured, rf, editor_user, article, django_assert_num_queries):
        from newsroom.admin.wechat_push import push_panel

        request = rf.get(page_url(article))
        request.user = editor_user
        editor_user.has_perm("editions.push_wechat")  # the permission cache, filled by the admin already
        with django_assert_num_queries(1):
            push_panel(request, article)


class TestOutOfDate:
    NOTE = "上次推送之后文章又有修改"

    def test_a_draft_older_than_the_article_is_pointed_out(self, configured, chief_client, article):
        WechatPush.objects.create(article=article, status="done", media_id="M", article_version=article.version - 1)
        assert self.NOTE in chief_client.get(page_url(article)).content.decode()

    def test_a_draft_of_the_current_version_is_not(self, configured, chief_client, article):
        WechatPush.objects.create(article=article, status="done", media_id="M", article_version=article.version)
        assert self.NOTE not in chief_client.get(page_url(article)).content.decode()


class TestPushedAlready:
    """A draft of the article as it is now is in the 草稿箱: the button says a press makes another."""

    NOTE = "这一版本已经推送过，草稿在公众号草稿箱中；再推送会新建一篇相同的草稿。"

    def test_the_button_offers_a_second_copy(self, configured, chief_client, article):
        WechatPush.objects.create(article=article, status="done", media_id="M", article_version=article.version)
        content = chief_client.get(page_url(article)).content.decode()
        assert self.NOTE in content
        assert '<button type="submit" class="button">再推送一份</button>' in content

    @pytest.mark.parametrize("status", ["failed", "done-older"])
    def test_otherwise_it_pushes(self, configured, chief_client, article, status):
        version = article.version - 1 if status == "done-older" else article.version
        WechatPush.objects.create(article=article, status=status.split("-")[0], article_version=version)
        content = chief_client.get(page_url(article)).content.decode()
        assert self.NOTE not in content
        assert '<button type="submit" class="button default">推送到草稿箱</button>' in content


class TestRefusedPress:
    def test_a_refused_press_returns_to_the_top_where_the_message_is(self, configured, chief_client, article):
        """A refusal adds no row to the panel; at the panel's anchor the message would be out of sight."""
        chief_client.post(push_url(article))
        response = chief_client.post(push_url(article))
        assert (response.status_code, response["Location"]) == (302, page_url(article))
        assert flashed(response)[-1] == "这篇文章正在推送到草稿箱，请等它完成。"
