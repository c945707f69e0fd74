"""推送到草稿箱 (newsroom/editions/wechat_push.py) against the stand-in of WeChat's API
(tests/wechatserver.py): the pictures uploaded once, the body pointing at them, the draft's
fields, every failure recorded for the editor, and one push at a time per article."""
import dataclasses
import datetime
import io

import pytest
from django.core.files.storage import default_storage
from django.utils import timezone
from PIL import Image as PILImage

from articles.body import figure_html
from articles.models import Article
from newsroom import tasks
from newsroom.editions import wechat_push
from newsroom.editions.models import WechatPush, WechatUpload
from newsroom.editions.wechat import wechat_article
from newsroom.editions.wechat_push import PushRefused, push_run
from newsroom.images.storing import image_add
from tests.pictures import add_image
from tests.realserver import free_port
from tests.wechatserver import APPID, SECRET, wechat_server

TOKEN = "/cgi-bin/token"
UPLOADIMG = "/cgi-bin/media/uploadimg"
MATERIAL = "/cgi-bin/material/add_material"
DRAFT = "/cgi-bin/draft/add"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def server(settings):
    with wechat_server() as running:
        settings.NEWSROOM_WECHAT_APPID = APPID
        settings.NEWSROOM_WECHAT_SECRET = SECRET
        settings.NEWSROOM_WECHAT_API_URL = running.url
        settings.NEWSROOM_WECHAT_TIMEOUT = 5
        yield running


@pytest.fixture
def feature(imported_seed) -> Article:
    """The seed's feature with a lead picture and a figure in its body, as an editor adds them."""
    article = Article.objects.get(issue=imported_seed, headline__startswith="国家高新区")
    lead = add_image(seed=1, width=640, height=400, alt="开工现场")
    figure = add_image(seed=2, width=600, height=400, alt="生产车间", caption="丽智电子的生产线")
    article.lead_image = lead
    article.body += figure_html(image_id=figure.pk, src=figure.file.url, alt=figure.alt, width=600, height=400,
                                caption=figure.caption)
    article.save()
    return article


def uploaded_url(server, image) -> str:
    """The address WeChat gave the picture of one item of WechatArticle.images."""
    with default_storage.open(image.name, "rb") as file:
        data = file.read()
    [url] = [url for url, uploaded in server.body_images.items() if uploaded == data]
    return url


def queued(article, by=None) -> WechatPush:
    return tasks.article_wechat_push(article=article, by=by)


class TestPush:
    def test_the_feature_becomes_a_draft_with_its_pictures_on_wechat(self, server, feature, editor_user):
        push = queued(feature, by=editor_user)
        assert push_run(push.pk) == "done"
        push.refresh_from_db()
        [draft] = server.drafts
        assert (push.status, push.media_id, push.problem) == ("done", draft.media_id, "")
        assert push.started_at <= push.finished_at
        edition = wechat_article(feature)
        [cover_media_id] = server.materials
        [article] = draft.articles
        content = article.pop("content")
        assert article == {
            "title": feature.headline, "author": "刘琴", "digest": edition.digest,
            "content_source_url": edition.source_url, "thumb_media_id": cover_media_id,
            "need_open_comment": 0, "only_fans_can_comment": 0,
        }
        assert (draft.escaped, draft.foreign_images) == (False, [])
        assert len(server.body_images) == 2
        assert set(wechat_push.image_sources(content)) == {uploaded_url(server, image) for image in edition.images}
        assert "丽智电子的生产线" in content

    def test_the_body_keeps_everything_but_the_picture_addresses(self, server, feature):
        edition = wechat_article(feature)
        push_run(queued(feature).pk)
        content = server.drafts[0].articles[0]["content"]
        expected = edition.html
        for image in edition.images:
            expected = expected.replace(f'src="{image.url}"', f'src="{uploaded_url(server, image)}"')
        assert content == expected != edition.html

    def test_a_second_push_uploads_no_picture_again(self, server, feature):
        push_run(queued(feature).pk)
        calls = len(server.calls)
        assert push_run(queued(feature).pk) == "done"
        assert server.paths()[calls:] == [DRAFT]
        assert WechatUpload.objects.filter(appid=APPID).count() == 3  # two in the body, one cover
        assert server.drafts[0].articles[0]["content"] == server.drafts[1].articles[0]["content"]

    def test_a_cover_deleted_in_the_back_office_is_uploaded_again(self, server, feature):
        push_run(queued(feature).pk)
        server.materials.clear()
        calls = len(server.calls)
        push = queued(feature)
        assert push_run(push.pk) == "done"
        assert server.paths()[calls:] == [DRAFT, MATERIAL, DRAFT]
        [cover] = server.materials
        assert server.drafts[-1].articles[0]["thumb_media_id"] == cover

    def test_an_article_without_a_picture_is_refused_for_want_of_a_cover(self, server, imported_seed):
        article = Article.objects.filter(issue=imported_seed).exclude(headline__startswith="国家高新区").first()
        push = queued(article)
        assert push_run(push.pk) == "failed"
        push.refresh_from_db()
        assert push.problem == "公众号草稿需要封面图片：请为文章设置主图或插入一张图片。"
        assert server.drafts == []


class TestFailures:
    @pytest.mark.parametrize(("path", "errcode", "errmsg", "problem"), [
        (DRAFT, 45009, "reach max api daily quota limit",
         "今天调用该接口的次数已达公众号的每日上限，请明天再试。（errcode 45009：reach max api daily quota limit）"),
        (UPLOADIMG, 40164, "invalid ip 10.0.0.1, not in whitelist",
         "本服务器的 IP 地址不在公众号的 IP 白名单中，请在公众平台“设置与开发—基本配置”中添加。"
         "（errcode 40164：invalid ip 10.0.0.1, not in whitelist）"),
        (MATERIAL, -1, "system error", "微信系统繁忙，请稍后再试。（errcode -1：system error）"),
        (TOKEN, 40125, "invalid appsecret", "AppSecret 无效，请检查 NEWSROOM_WECHAT_SECRET。（errcode 40125：invalid appsecret）"),
    ])
    def test_a_wechat_error_fails_the_push_with_its_explanation(self, server, feature, path, errcode, errmsg, problem):
        server.fail_next(path, errcode, errmsg)
        push = queued(feature)
        assert push_run(push.pk) == "failed"
        push.refresh_from_db()
        assert (push.status, push.problem, push.media_id) == ("failed", problem, "")
        assert push.finished_at is not None
        assert server.drafts == []

    def test_a_failed_push_can_be_pushed_again(self, server, feature):
        server.fail_next(DRAFT, -1, "system error")
        push_run(queued(feature).pk)
        assert push_run(queued(feature).pk) == "done"
        assert list(WechatPush.objects.filter(article=feature).values_list("status", flat=True)) == ["done", "failed"]

    def test_wechat_out_of_reach_fails_the_push(self, server, feature, settings):
        settings.NEWSROOM_WECHAT_API_URL = f"http://127.0.0.1:{free_port()}"
        push = queued(feature)
        assert push_run(push.pk) == "failed"
        push.refresh_from_db()
        assert push.problem == "无法连接微信服务器：[Errno 111] Connection refused。请稍后重试。"

    def test_a_push_no_longer_queued_is_not_run_again(self, server, feature):
        push = queued(feature)
        push_run(push.pk)
        calls = len(server.calls)
        assert push_run(push.pk) == "done"
        assert len(server.calls) == calls
        assert len(server.drafts) == 1


class TestRequests:
    def test_not_configured_is_refused_before_anything_is_written(self, settings, feature):
        settings.NEWSROOM_WECHAT_APPID = ""
        with pytest.raises(PushRefused) as refused:
            queued(feature)
        assert str(refused.value) == "未配置公众号：请设置 NEWSROOM_WECHAT_APPID 和 NEWSROOM_WECHAT_SECRET。"
        assert not WechatPush.objects.exists()

    def test_a_second_press_while_the_first_is_queued_is_refused(self, server, feature, editor_user, second_editor_user):
        first = queued(feature, by=editor_user)
        with pytest.raises(PushRefused) as refused:
            queued(feature, by=second_editor_user)
        assert str(refused.value) == "这篇文章正在推送到草稿箱，请等它完成。"
        assert list(WechatPush.objects.values_list("pk", "status")) == [(first.pk, "queued")]

    def test_two_editors_pressing_at_once_make_one_push(self, server, feature, monkeypatch):
        """The other editor's row is written between our check and our insert: the
        constraint refuses ours, and the editor is told so instead of seeing an error."""
        first = queued(feature)
        monkeypatch.setattr(wechat_push, "_push_unfinished", lambda article: False)
        with pytest.raises(PushRefused) as refused:
            queued(feature)
        assert str(refused.value) == "这篇文章正在推送到草稿箱，请等它完成。"
        assert list(WechatPush.objects.values_list("pk", flat=True)) == [first.pk]

    def test_a_push_whose_worker_died_does_not_block_the_article(self, server, feature):
        stuck = queued(feature)
        WechatPush.objects.filter(pk=stuck.pk).update(
            status="pushing", started_at=timezone.now() - datetime.timedelta(minutes=16))
        fresh = queued(feature)
        stuck.refresh_from_db()
        assert (stuck.status, stuck.problem) == ("failed", "推送中断（后台任务没有完成），请重新推送。")
        assert fresh.status == "queued"

    def test_a_push_queued_for_an_hour_without_a_worker_is_given_up(self, server, feature):
        stale = queued(feature)
        WechatPush.objects.filter(pk=stale.pk).update(requested_at=timezone.now() - datetime.timedelta(minutes=61))
        fresh = queued(feature)
        stale.refresh_from_db()
        assert (stale.status, stale.problem) == ("failed", "推送一直没有开始（后台任务没有运行），已取消。")
        assert push_run(stale.pk) == "failed"
        assert push_run(fresh.pk) == "done"
        assert len(server.drafts) == 1

    def test_a_push_queued_behind_other_work_still_blocks(self, server, feature):
        waiting = queued(feature)
        WechatPush.objects.filter(pk=waiting.pk).update(requested_at=timezone.now() - datetime.timedelta(minutes=59))
        with pytest.raises(PushRefused):
            queued(feature)

    def test_a_push_still_running_blocks_the_article(self, server, feature):
        running = queued(feature)
        WechatPush.objects.filter(pk=running.pk).update(
            status="pushing", started_at=timezone.now() - datetime.timedelta(minutes=14))
        with pytest.raises(PushRefused):
            queued(feature)

    def test_a_draft_article_may_be_pushed(self, server, feature):
        """The 草稿箱 is a draft box: nothing reaches a reader before an editor publishes it in WeChat."""
        Article.objects.filter(pk=feature.pk).update(status=Article.Status.DRAFT)
        feature.refresh_from_db()
        assert push_run(queued(feature).pk) == "done"


class TestPictures:
    def test_a_picture_missing_from_storage_fails_the_push_naming_it(self, server, feature):
        from django.core.files.storage import default_storage as storage

        name = wechat_article(feature).images[-1].name
        storage.delete(name)
        push = queued(feature)
        assert push_run(push.pk) == "failed"
        push.refresh_from_db()
        assert push.problem == f"图片文件 {name} 不在存储中，无法上传。"
        assert server.drafts == []

    def test_an_address_with_an_ampersand_is_rewritten(self, server, feature, monkeypatch):
        """The serializer writes & as &amp; in the src; the rewrite must find it all the same."""
        from newsroom.editions import wechat

        real = wechat.wechat_article

        def with_query(article):
            edition = real(article)
            markup = edition.html
            for image in edition.images:
                markup = markup.replace(f'src="{image.url}"', f'src="{image.url}?a=1&amp;b=2"')
            images = [dataclasses.replace(image, url=image.url + "?a=1&b=2") for image in edition.images]
            return dataclasses.replace(edition, html=markup, images=images)

        monkeypatch.setattr(wechat_push, "wechat_article", with_query)
        assert push_run(queued(feature).pk) == "done"
        assert server.drafts[0].foreign_images == []


class TestRecords:
    def test_the_push_records_the_version_it_pushed(self, server, feature):
        push = queued(feature)
        asked = push.article_version
        feature.standfirst = "新年伊始，各地高新区加快建设。"
        feature.save()
        push_run(push.pk)
        push.refresh_from_db()
        assert (asked, push.article_version) == (feature.version - 1, feature.version)

    def test_a_draft_whose_answer_was_lost_warns_of_a_second_draft(self, server, feature, settings):
        """WeChat may have made the draft before the answer was lost: the editor is told to look."""
        settings.NEWSROOM_WECHAT_TIMEOUT = 0.5
        server.slow[DRAFT] = 2
        push = queued(feature)
        assert push_run(push.pk) == "failed"
        push.refresh_from_db()
        assert push.problem == "推送草稿时与微信的连接中断（timed out）：草稿可能已经建立，重新推送前请先查看公众号草稿箱。"

    def test_a_draft_refused_before_sending_says_nothing_was_made(self, server, feature, settings):
        """With the token and pictures already on hand the first call is draft/add; a refused
        connection never reached WeChat, so the editor is not sent to look for a draft."""
        push_run(queued(feature).pk)
        settings.NEWSROOM_WECHAT_API_URL = f"http://127.0.0.1:{free_port()}"
        push = queued(feature)
        assert push_run(push.pk) == "failed"
        push.refresh_from_db()
        assert push.problem == "无法连接微信服务器：[Errno 111] Connection refused。请稍后重试。"
        assert len(server.drafts) == 1


class TestRefusedBeforeQueueing:
    """What the 公众号版 page warns of, WeChat would refuse: the press says so at once and
    nothing is queued or sent, instead of a push that fails on the worker."""

    def test_a_title_over_32_characters_is_refused_with_the_pages_warning(self, server, feature):
        Article.objects.filter(pk=feature.pk).update(headline="国家高新区" * 8)
        feature.refresh_from_db()
        with pytest.raises(PushRefused) as refused:
            queued(feature)
        assert str(refused.value) == "公众号会拒绝这篇文章，没有推送：请先修改公众号版列出的 1 处问题。"
        assert wechat_article(feature).refusals == ("标题有 40 个字，公众号最多 32 个字，请删去 8 个字。",)
        assert (WechatPush.objects.count(), server.calls) == (0, [])

    def test_a_gif_figure_is_refused_by_its_title(self, server, feature):
        frames = io.BytesIO()
        PILImage.new("RGB", (40, 30), (200, 30, 30)).save(frames, "GIF")
        gif, _created = image_add(data=frames.getvalue(), alt="动图", title="会动的图")
        feature.body += figure_html(image_id=gif.pk, src=gif.file.url, alt=gif.alt, width=40, height=30)
        feature.save()
        with pytest.raises(PushRefused) as refused:
            queued(feature)
        assert str(refused.value) == "公众号会拒绝这篇文章，没有推送：请先修改公众号版列出的 1 处问题。"
        assert wechat_article(feature).refusals == (
            "图片“会动的图”是 GIF 格式，公众号只接受 JPEG 和 PNG，请换成 JPEG 或 PNG 格式的图片。",)
        assert server.calls == []

    def test_an_article_changed_after_the_press_fails_on_the_worker_unsent(self, server, feature):
        push = queued(feature)
        Article.objects.filter(pk=feature.pk).update(standfirst="摘" * 130)
        assert push_run(push.pk) == "failed"
        push.refresh_from_db()
        assert push.problem == "公众号会拒绝这篇文章，没有推送。请先修改：摘要有 130 个字，公众号最多 128 个字，请删去 2 个字。"
        assert server.calls == []
