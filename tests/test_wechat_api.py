"""Our WeChat client (newsroom/editions/wechat_api.py) against the stand-in server
(tests/wechatserver.py): the shared token, the uploads, draft/add, and WeChat's errors."""
import datetime
import io
import json
import urllib.request

import pytest
from django.utils import timezone
from PIL import Image as PILImage

from newsroom.editions.models import WechatToken
from newsroom.editions.wechat_api import WechatClient, WechatError, WechatUnavailable
from tests.realserver import free_port
from tests.wechatserver import APPID, SECRET, wechat_server

TOKEN = "/cgi-bin/token"
UPLOADIMG = "/cgi-bin/media/uploadimg"
MATERIAL = "/cgi-bin/material/add_material"
DRAFT = "/cgi-bin/draft/add"


def picture(fmt: str = "PNG", size: tuple[int, int] = (40, 30), color=(200, 30, 30)) -> bytes:
    out = io.BytesIO()
    PILImage.new("RGB", size, color).save(out, fmt)
    return out.getvalue()


@pytest.fixture
def server():
    with wechat_server() as running:
        yield running


def client_of(server, secret: str = SECRET) -> WechatClient:
    return WechatClient(APPID, secret, server.url, 5)


def draft_fields(server, client, **changes) -> dict:
    media_id, _url = client.add_image_material(picture("JPEG"), "cover.jpg")
    return {"title": "国家高新区忙开局", "author": "刘琴", "digest": "新年伊始", "content": "<p>正文</p>",
            "content_source_url": "http://127.0.0.1:8000/a/1/", "thumb_media_id": media_id,
            "need_open_comment": 0, **changes}


@pytest.mark.django_db
class TestAccessToken:
    def test_the_token_is_kept_in_the_database_and_used_by_a_second_app_server(self, server):
        """A second client object (another app server or worker) reads the row: one token in all.
        The stand-in invalidates a token when it issues the next, so a second fetch would show."""
        first_url = client_of(server).upload_body_image(picture(), "a.png")
        second_url = client_of(server).upload_body_image(picture("JPEG"), "b.jpg")
        assert server.paths() == [TOKEN, UPLOADIMG, UPLOADIMG]
        assert server.tokens_issued == 1
        assert WechatToken.objects.get(appid=APPID).token == server.token
        assert set(server.body_images) == {first_url, second_url}

    def test_a_token_five_minutes_from_expiry_is_refreshed_before_it_is_used(self, server):
        client = client_of(server)
        client.upload_body_image(picture(), "a.png")
        WechatToken.objects.update(expires_at=timezone.now() + datetime.timedelta(minutes=4, seconds=50))
        client.upload_body_image(picture(), "a.png")
        assert server.paths() == [TOKEN, UPLOADIMG, TOKEN, UPLOADIMG]

    def test_a_token_expired_at_wechat_is_refreshed_and_the_call_tried_again(self, server):
        client = client_of(server)
        client.upload_body_image(picture(), "a.png")
        server.advance(7200)
        url = client.upload_body_image(picture("JPEG"), "b.jpg")
        assert server.paths() == [TOKEN, UPLOADIMG, UPLOADIMG, TOKEN, UPLOADIMG]
        assert url in server.body_images

    def test_a_token_invalidated_by_another_tool_40001_is_refreshed_once(self, server):
        client = client_of(server)
        client.upload_body_image(picture(), "a.png")
        server.invalidate_token()
        client.upload_body_image(picture(), "a.png")
        assert server.paths() == [TOKEN, UPLOADIMG, UPLOADIMG, TOKEN, UPLOADIMG]
        assert WechatToken.objects.get(appid=APPID).token == server.token

    def test_a_second_token_error_in_a_row_is_raised_not_retried_again(self, server):
        server.fail_next(UPLOADIMG, 40014, "invalid access_token")
        server.fail_next(UPLOADIMG, 40014, "invalid access_token")
        with pytest.raises(WechatError) as raised:
            client_of(server).upload_body_image(picture(), "a.png")
        assert raised.value.errcode == 40014
        assert server.paths() == [TOKEN, UPLOADIMG, TOKEN, UPLOADIMG]

    def test_a_wrong_secret_is_explained(self, server):
        with pytest.raises(WechatError) as raised:
            client_of(server, secret="wrong").access_token()
        assert raised.value.problem == (
            "AppSecret 无效，请检查 NEWSROOM_WECHAT_SECRET。（errcode 40125：invalid appsecret）"
        )
        assert not WechatToken.objects.filter(token__gt="").exists()


@pytest.mark.django_db
class TestUploads:
    def test_a_body_picture_is_uploaded_as_multipart_media(self, server):
        data = picture("JPEG")
        url = client_of(server).upload_body_image(data, "a.jpg")
        assert server.body_images == {url: data}
        assert server.calls[-1].content_type.startswith("multipart/form-data; boundary=")

    def test_a_cover_becomes_a_permanent_material(self, server):
        data = picture()
        media_id, url = client_of(server).add_image_material(data, "cover.png")
        assert server.materials == {media_id: (url, data)}
        assert server.calls[-1].query["type"] == "image"

    def test_a_gif_in_the_body_is_refused_by_wechat(self, server):
        with pytest.raises(WechatError) as raised:
            client_of(server).upload_body_image(picture("GIF"), "a.gif")
        assert (raised.value.errcode, raised.value.explanation) == (40113, "不支持的图片格式（正文图片只能是 JPEG 或 PNG）。")

    def test_a_body_picture_of_1_mb_is_refused_by_wechat(self, server):
        data = picture() + b"\0" * (1024 * 1024)
        with pytest.raises(WechatError) as raised:
            client_of(server).upload_body_image(data, "a.png")
        assert (raised.value.errcode, raised.value.explanation) == (40009, "图片大小不符合要求（正文图片须小于 1MB）。")


@pytest.mark.django_db
class TestDrafts:
    def test_a_draft_is_sent_as_utf8_characters_not_escapes(self, server):
        client = client_of(server)
        fields = draft_fields(server, client)
        media_id = client.add_draft([fields])
        [draft] = server.drafts
        assert (draft.media_id, draft.escaped, draft.articles) == (media_id, False, [fields])
        assert "国家高新区忙开局".encode() in server.calls[-1].body

    def test_the_stand_in_shows_escaped_json_as_wechat_does(self, server):
        """The check above can fail: JSON with \\u escapes is stored as the escapes themselves."""
        client = client_of(server)
        fields = draft_fields(server, client, title="高新区")
        request = urllib.request.Request(
            f"{server.url}{DRAFT}?access_token={client.access_token()}", method="POST",
            data=json.dumps({"articles": [fields]}).encode(), headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=5) as response:
            assert "media_id" in json.loads(response.read())
        [draft] = server.drafts
        assert draft.escaped is True
        assert draft.articles[0]["title"] == "\\u9ad8\\u65b0\\u533a"

    @pytest.mark.parametrize(("field", "value", "errcode", "explanation"), [
        ("title", "标" * 33, 45003, "标题超出限制：不能超过 32 个字。"),
        ("author", "作" * 17, 45110, "作者超出限制：不能超过 16 个字。"),
        ("digest", "摘" * 129, 45004, "摘要超出限制：不能超过 128 个字。"),
        ("content", "<p>" + "字" * 19993 + "</p>", 45002, "正文超出限制：须少于 2 万字符且小于 1MB。"),
        ("content_source_url", "http://example.cn/" + "a" * 1010, 45005, "原文链接超出限制：不能超过 1KB。"),
        ("thumb_media_id", "not-uploaded", 40007, "封面或图片素材的 media_id 无效（素材可能已在公众号后台删除）。"),
    ])
    def test_a_field_over_its_limit_is_refused_with_an_explanation(self, server, field, value, errcode, explanation):
        client = client_of(server)
        with pytest.raises(WechatError) as raised:
            client.add_draft([draft_fields(server, client, **{field: value})])
        assert (raised.value.errcode, raised.value.explanation) == (errcode, explanation)
        assert server.drafts == []

    def test_fields_at_their_limits_are_accepted(self, server):
        client = client_of(server)
        client.add_draft([draft_fields(server, client, title="标" * 32, author="作" * 16, digest="摘" * 128,
                                       content="<p>" + "字" * 19992 + "</p>")])
        assert len(server.drafts) == 1

    def test_pictures_not_uploaded_through_uploadimg_are_reported(self, server):
        client = client_of(server)
        url = client.upload_body_image(picture(), "a.png")
        client.add_draft([draft_fields(server, client, content=f'<p><img src="{url}"><img src="http://127.0.0.1/x.jpg"></p>')])
        assert server.drafts[0].foreign_images == ["http://127.0.0.1/x.jpg"]


@pytest.mark.django_db
class TestErrors:
    @pytest.mark.parametrize(("errcode", "errmsg", "problem"), [
        (40164, "invalid ip 1.2.3.4, not in whitelist",
         "本服务器的 IP 地址不在公众号的 IP 白名单中，请在公众平台“设置与开发—基本配置”中添加。"
         "（errcode 40164：invalid ip 1.2.3.4, not in whitelist）"),
        (45009, "reach max api daily quota limit",
         "今天调用该接口的次数已达公众号的每日上限，请明天再试。（errcode 45009：reach max api daily quota limit）"),
        (-1, "system error", "微信系统繁忙，请稍后再试。（errcode -1：system error）"),
        (48001, "api unauthorized", "微信接口返回错误。（errcode 48001：api unauthorized）"),
    ])
    def test_wechat_errors_are_raised_with_a_chinese_explanation(self, server, errcode, errmsg, problem):
        server.fail_next(UPLOADIMG, errcode, errmsg)
        with pytest.raises(WechatError) as raised:
            client_of(server).upload_body_image(picture(), "a.png")
        assert raised.value.problem == problem
        assert server.paths() == [TOKEN, UPLOADIMG]

    def test_a_server_that_does_not_answer_in_time_is_unavailable(self, server):
        server.delay = 2
        with pytest.raises(WechatUnavailable) as raised:
            WechatClient(APPID, SECRET, server.url, 0.5).access_token()
        assert raised.value.problem == "无法连接微信服务器：timed out。请稍后重试。"

    def test_an_http_error_is_unavailable(self, server):
        server.http_errors[TOKEN] = 502
        with pytest.raises(WechatUnavailable) as raised:
            client_of(server).access_token()
        assert raised.value.problem == "无法连接微信服务器：HTTP 502。请稍后重试。"

    def test_an_unreachable_server_is_unavailable(self):
        client = WechatClient(APPID, SECRET, f"http://127.0.0.1:{free_port()}", 5)
        with pytest.raises(WechatUnavailable) as raised:
            client.access_token()
        assert raised.value.problem == "无法连接微信服务器：[Errno 111] Connection refused。请稍后重试。"
