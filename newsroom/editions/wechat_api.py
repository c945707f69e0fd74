"""Our small client of the WeChat Official Account API (api.weixin.qq.com): the access
token, body pictures (media/uploadimg), cover pictures (material/add_material) and drafts
(draft/add). The Python SDKs are unmaintained; these four calls are all the push needs.

The token comes from GET /cgi-bin/token, and every app server and worker shares it through
one WechatToken row. /cgi-bin/stable_token would tolerate servers that each fetch their own,
but a shared row makes that tolerance unnecessary, and /cgi-bin/token is the call that
works on every account type and is what the 40001 retry below is written against: fetching
a token there invalidates the previous one, which is why exactly one process may refresh
(under select_for_update) and every other one waits for it and reads the row.
"""
import datetime
import json
import secrets
import socket
import urllib.error
import urllib.request
from urllib.parse import urlencode

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from newsroom.editions.models import WechatToken

# A token is refreshed this long before WeChat says it expires: a call started with it
# must not arrive after it has gone.
REFRESH_BEFORE = datetime.timedelta(minutes=5)
# uploadimg's documented limits: JPEG or PNG, under 1 MB.
BODY_IMAGE_MAX_BYTES = 1024 * 1024
# The errors that mean "this token is no longer good": fetch another once and try again.
TOKEN_ERRORS = {40001, 40014, 42001}
# Failures to connect that happen before a byte of the request is sent.
NOT_SENT = (ConnectionRefusedError, socket.gaierror)


def _messages() -> dict[int, str]:
    # What an editor is told for the errors WeChat documents and a push can meet; built in a
    # function so that gettext runs in the language of the moment.
    return {
        -1: _("微信系统繁忙，请稍后再试。"),
        40001: _("AppSecret 错误或访问令牌已失效。"),
        40007: _("封面或图片素材的 media_id 无效（素材可能已在公众号后台删除）。"),
        40009: _("图片大小不符合要求（正文图片须小于 1MB）。"),
        40013: _("AppID 无效，请检查 NEWSROOM_WECHAT_APPID。"),
        40014: _("访问令牌无效。"),
        40113: _("不支持的图片格式（正文图片只能是 JPEG 或 PNG）。"),
        40125: _("AppSecret 无效，请检查 NEWSROOM_WECHAT_SECRET。"),
        40164: _("本服务器的 IP 地址不在公众号的 IP 白名单中，请在公众平台“设置与开发—基本配置”中添加。"),
        41001: _("缺少访问令牌。"),
        42001: _("访问令牌已过期。"),
        45002: _("正文超出限制：须少于 2 万字符且小于 1MB。"),
        45003: _("标题超出限制：不能超过 32 个字。"),
        45004: _("摘要超出限制：不能超过 128 个字。"),
        45005: _("原文链接超出限制：不能超过 1KB。"),
        45009: _("今天调用该接口的次数已达公众号的每日上限，请明天再试。"),
        45110: _("作者超出限制：不能超过 16 个字。"),
    }


class WechatError(Exception):
    """WeChat answered with a non-zero errcode."""

    def __init__(self, errcode: int, errmsg: str):
        self.errcode, self.errmsg = errcode, errmsg
        super().__init__(f"{errcode} {errmsg}")

    @property
    def explanation(self) -> str:
        return _messages().get(self.errcode, _("微信接口返回错误。"))

    @property
    def problem(self) -> str:
        """What the editor reads: the explanation, then WeChat's own code and words."""
        return _("%(explanation)s（errcode %(errcode)s：%(errmsg)s）") % {
            "explanation": self.explanation, "errcode": self.errcode, "errmsg": self.errmsg,
        }


class WechatUnavailable(Exception):
    """WeChat could not be reached or gave no usable answer (timeout, connection, not JSON).

    `sent` is False only when the request certainly never left: the connection was refused
    or the host name did not resolve. After a timeout or a proxy's error WeChat may have
    acted on it."""

    def __init__(self, reason: str, *, sent: bool = True):
        super().__init__(reason)
        self.sent = sent

    @property
    def problem(self) -> str:
        return _("无法连接微信服务器：%(reason)s。请稍后重试。") % {"reason": self.args[0]}


class WechatClient:
    def __init__(self, appid: str, secret: str, base_url: str, timeout: float):
        self.appid, self.secret = appid, secret
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout

    @classmethod
    def from_settings(cls) -> "WechatClient":
        return cls(
            settings.NEWSROOM_WECHAT_APPID, settings.NEWSROOM_WECHAT_SECRET,
            settings.NEWSROOM_WECHAT_API_URL, settings.NEWSROOM_WECHAT_TIMEOUT,
        )

    # --- the access token, shared by every process through one row

    def access_token(self) -> str:
        row = WechatToken.objects.filter(appid=self.appid).first()
        if row is not None and _fresh(row):
            return row.token
        return self._refresh(stale=row.token if row else "")

    def _refresh(self, *, stale: str) -> str:
        """A new token, unless another process has put one in the row since `stale` was read.

        The fetch happens under the row's lock: a second fetch would invalidate the first
        process's token at WeChat. (On SQLite every transaction takes the write lock.)"""
        with transaction.atomic():
            row = self._locked_row()
            if row.token and row.token != stale and _fresh(row):
                return row.token
            reply = self._request("GET", "/cgi-bin/token", query={
                "grant_type": "client_credential", "appid": self.appid, "secret": self.secret,
            })
            row.token = reply["access_token"]
            row.expires_at = timezone.now() + datetime.timedelta(seconds=int(reply["expires_in"]))
            row.save(update_fields=["token", "expires_at"])
            return row.token

    def _locked_row(self) -> WechatToken:
        rows = WechatToken.objects.select_for_update()
        row = rows.filter(appid=self.appid).first()
        if row is not None:
            return row
        try:
            with transaction.atomic():
                WechatToken.objects.create(appid=self.appid, token="", expires_at=timezone.now())
        except IntegrityError:
            pass  # another process made the row first; its lock is taken below
        return rows.get(appid=self.appid)

    # --- the calls

    def upload_body_image(self, data: bytes, filename: str) -> str:
        """A picture for the body; its URL on WeChat's servers, the only kind draft/add keeps."""
        return self._call("/cgi-bin/media/uploadimg", files={"media": (filename, data)})["url"]

    def add_image_material(self, data: bytes, filename: str) -> tuple[str, str]:
        """A permanent picture (the cover must be one); (media_id, url)."""
        reply = self._call("/cgi-bin/material/add_material", query={"type": "image"},
                           files={"media": (filename, data)})
        return reply["media_id"], reply["url"]

    def add_draft(self, articles: list[dict]) -> str:
        """A draft in the 草稿箱; its media_id."""
        return self._call("/cgi-bin/draft/add", json_body={"articles": articles})["media_id"]

    def _call(self, path: str, *, query: dict | None = None, files: dict | None = None,
              json_body: dict | None = None) -> dict:
        body, content_type = _encode(files=files, json_body=json_body)
        token = self.access_token()
        try:
            return self._request("POST", path, query={**(query or {}), "access_token": token},
                                 body=body, content_type=content_type)
        except WechatError as error:
            if error.errcode not in TOKEN_ERRORS:
                raise
        # Someone else (another tool with the same AppID) took a new token: one more try.
        token = self._refresh(stale=token)
        return self._request("POST", path, query={**(query or {}), "access_token": token},
                             body=body, content_type=content_type)

    def _request(self, method: str, path: str, *, query: dict, body: bytes | None = None,
                 content_type: str = "") -> dict:
        request = urllib.request.Request(
            f"{self.base_url}{path}?{urlencode(query)}", data=body, method=method,
            headers={"Content-Type": content_type} if content_type else {},
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                raw = response.read()
        except urllib.error.HTTPError as error:
            raise WechatUnavailable(f"HTTP {error.code}") from error
        except (urllib.error.URLError, TimeoutError, ConnectionError) as error:
            reason = getattr(error, "reason", error)
            sent = not isinstance(reason, NOT_SENT)
            raise WechatUnavailable(str(reason), sent=sent) from error
        try:
            reply = json.loads(raw)
        except ValueError as error:
            raise WechatUnavailable(_("微信返回的不是 JSON")) from error
        if not isinstance(reply, dict):
            raise WechatUnavailable(_("微信返回的不是 JSON 对象"))
        if reply.get("errcode"):
            raise WechatError(int(reply["errcode"]), str(reply.get("errmsg", "")))
        return reply


def _fresh(row: WechatToken) -> bool:
    return bool(row.token) and row.expires_at - REFRESH_BEFORE > timezone.now()


def _encode(*, files: dict | None, json_body: dict | None) -> tuple[bytes, str]:
    if json_body is not None:
        # WeChat shows \uXXXX escapes literally in the draft: the UTF-8 characters themselves.
        return json.dumps(json_body, ensure_ascii=False).encode(), "application/json; charset=utf-8"
    return multipart(files or {})


def multipart(files: dict[str, tuple[str, bytes]]) -> tuple[bytes, str]:
    """multipart/form-data with one file per field, as WeChat's upload calls take it."""
    boundary = secrets.token_hex(16)
    parts = []
    for field, (filename, data) in files.items():
        head = (f'--{boundary}\r\nContent-Disposition: form-data; name="{field}"; '
                f'filename="{filename}"\r\nContent-Type: {image_type(data)}\r\n\r\n')
        parts.append(head.encode() + data + b"\r\n")
    return b"".join(parts) + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def image_type(data: bytes) -> str:
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    return "application/octet-stream"
