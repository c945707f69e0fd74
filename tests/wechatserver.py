"""A stand-in for api.weixin.qq.com on loopback, enforcing the documented limits and errors of
the calls the push makes: /cgi-bin/token, media/uploadimg, material/add_material, draft/add.

`with wechat_server() as server:` runs it in a thread on a free port; `server.url` is its
base URL, and everything it was sent is kept for assertions (`server.calls`, `.body_images`,
`.materials`, `.drafts`). Its clock is `server.now()`, moved on with `server.advance(s)`.
`server.fail_next(path, errcode, errmsg)` makes the next call of a path fail like WeChat,
`server.http_errors[path] = 502` like a proxy in front of it.

Like WeChat, issuing a token invalidates the one before it (so a test can prove that every
process shares one), a draft's JSON with \\uXXXX escapes is stored as the escapes themselves
(what the WeChat editor then shows), and body pictures not uploaded through uploadimg are
reported (WeChat drops them from the article).
"""
import email.parser
import email.policy
import hashlib
import json
import re
import secrets
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from html.parser import HTMLParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

APPID = "wx0123456789abcdef"
SECRET = "0123456789abcdef0123456789abcdef"
TOKEN_LIFETIME = 7200
BODY_IMAGE_MAX = 1024 * 1024
MATERIAL_IMAGE_MAX = 10 * 1024 * 1024
CONTENT_MAX_CHARS = 20000
CONTENT_MAX_BYTES = 1024 * 1024
# Fields of draft/add and their limits (characters), with the errcode for each.
FIELD_LIMITS = {"title": (32, 45003), "author": (16, 45110), "digest": (128, 45004)}
SOURCE_URL_MAX_BYTES = 1024
ESCAPE = re.compile(rb"\\u[0-9a-fA-F]{4}")


@dataclass
class Call:
    method: str
    path: str
    query: dict
    content_type: str
    body: bytes = field(repr=False)


@dataclass
class Draft:
    media_id: str
    articles: list[dict]
    escaped: bool  # the JSON carried \uXXXX escapes (shown literally by WeChat)
    foreign_images: list[str]  # <img> sources not uploaded through uploadimg (WeChat drops them)


def image_kind(data: bytes) -> str | None:
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith((b"GIF87a", b"GIF89a")):
        return "gif"
    if data.startswith(b"BM"):
        return "bmp"
    return None


class ImageSources(HTMLParser):
    def __init__(self):
        super().__init__()
        self.sources = []

    def handle_starttag(self, tag, attrs):
        if tag == "img":
            self.sources.append(dict(attrs).get("src") or "")


class WechatState:
    """Everything the stand-in knows and was sent; shared by its request threads."""

    def __init__(self, appid: str = APPID, secret: str = SECRET):
        self.appid, self.secret = appid, secret
        self.lock = threading.Lock()
        self.offset = 0.0
        self.token = ""
        self.token_expires = 0.0
        self.tokens_issued = 0
        self.calls: list[Call] = []
        self.body_images: dict[str, bytes] = {}  # url -> picture
        self.materials: dict[str, tuple[str, bytes]] = {}  # media_id -> (url, picture)
        self.drafts: list[Draft] = []
        self.failures: dict[str, list[tuple[int, str]]] = {}
        self.delay = 0.0
        self.slow: dict[str, float] = {}  # path -> seconds before it answers
        self.http_errors: dict[str, int] = {}  # path -> the HTTP status of its next answer (a proxy's 502)

    def now(self) -> float:
        return time.time() + self.offset

    def advance(self, seconds: float) -> None:
        with self.lock:
            self.offset += seconds

    def fail_next(self, path: str, errcode: int, errmsg: str) -> None:
        with self.lock:
            self.failures.setdefault(path, []).append((errcode, errmsg))

    def invalidate_token(self) -> None:
        """What another tool fetching a token with the same AppID does to ours."""
        with self.lock:
            self.token = secrets.token_hex(16)

    def paths(self) -> list[str]:
        return [call.path for call in self.calls]

    # --- the calls; each returns the JSON reply

    def answer(self, call: Call) -> dict:
        with self.lock:
            self.calls.append(call)
            queued = self.failures.get(call.path)
            if queued:
                errcode, errmsg = queued.pop(0)
                return {"errcode": errcode, "errmsg": errmsg}
            if call.path == "/cgi-bin/token":
                return self._token(call)
            problem = self._token_problem(call)
            if problem:
                return problem
            if call.path == "/cgi-bin/media/uploadimg":
                return self._uploadimg(call)
            if call.path == "/cgi-bin/material/add_material":
                return self._add_material(call)
            if call.path == "/cgi-bin/draft/add":
                return self._draft_add(call)
            return {"errcode": 40066, "errmsg": "invalid url"}

    def _token(self, call: Call) -> dict:
        if call.method != "GET" or call.query.get("grant_type") != "client_credential":
            return {"errcode": 40002, "errmsg": "invalid grant_type"}
        if call.query.get("appid") != self.appid:
            return {"errcode": 40013, "errmsg": "invalid appid"}
        if call.query.get("secret") != self.secret:
            return {"errcode": 40125, "errmsg": "invalid appsecret"}
        self.token = secrets.token_hex(32)
        self.token_expires = self.now() + TOKEN_LIFETIME
        self.tokens_issued += 1
        return {"access_token": self.token, "expires_in": TOKEN_LIFETIME}

    def _token_problem(self, call: Call) -> dict | None:
        token = call.query.get("access_token")
        if not token:
            return {"errcode": 41001, "errmsg": "access_token missing"}
        if token != self.token:
            return {"errcode": 40001, "errmsg": "invalid credential, access_token is invalid or not latest"}
        if self.now() >= self.token_expires:
            return {"errcode": 42001, "errmsg": "access_token expired"}
        if call.method != "POST":
            return {"errcode": 43002, "errmsg": "require POST method"}
        return None

    def _media(self, call: Call) -> bytes | None:
        if not call.content_type.startswith("multipart/form-data"):
            return None
        message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
            b"Content-Type: " + call.content_type.encode() + b"\r\n\r\n" + call.body
        )
        for part in message.iter_parts():
            if part.get_param("name", header="content-disposition") == "media" and part.get_filename():
                return part.get_payload(decode=True)
        return None

    def _uploadimg(self, call: Call) -> dict:
        data = self._media(call)
        if data is None:
            return {"errcode": 41005, "errmsg": "media data missing"}
        if image_kind(data) not in ("jpeg", "png"):
            return {"errcode": 40113, "errmsg": "unsupported file type"}
        if len(data) >= BODY_IMAGE_MAX:
            return {"errcode": 40009, "errmsg": "invalid image size"}
        digest = hashlib.sha256(data).hexdigest()[:24]
        url = f"http://mmbiz.qpic.cn/mmbiz_{image_kind(data)}/{digest}/0"
        self.body_images[url] = data
        return {"url": url}

    def _add_material(self, call: Call) -> dict:
        if call.query.get("type") != "image":
            return {"errcode": 40004, "errmsg": "invalid media type"}
        data = self._media(call)
        if data is None:
            return {"errcode": 41005, "errmsg": "media data missing"}
        if image_kind(data) is None:
            return {"errcode": 40113, "errmsg": "unsupported file type"}
        if len(data) > MATERIAL_IMAGE_MAX:
            return {"errcode": 40009, "errmsg": "invalid image size"}
        media_id = secrets.token_urlsafe(32)
        url = f"http://mmbiz.qpic.cn/mmbiz_{image_kind(data)}/{media_id[:24]}/0?wx_fmt={image_kind(data)}"
        self.materials[media_id] = (url, data)
        return {"media_id": media_id, "url": url, "item": []}

    def _draft_add(self, call: Call) -> dict:
        try:
            articles = json.loads(call.body.decode())["articles"]
        except (ValueError, KeyError, TypeError):
            return {"errcode": 47001, "errmsg": "data format error"}
        escaped = bool(ESCAPE.search(call.body))
        if escaped:
            # What WeChat keeps: the escapes as text.
            articles = json.loads(call.body.replace(b"\\u", b"\\\\u").decode())["articles"]
        foreign = []
        for article in articles:
            problem = self._article_problem(article)
            if problem:
                return problem
            sources = ImageSources()
            sources.feed(article["content"])
            foreign += [src for src in sources.sources if src not in self.body_images]
        media_id = secrets.token_urlsafe(32)
        self.drafts.append(Draft(media_id, articles, escaped, foreign))
        return {"media_id": media_id}

    def _article_problem(self, article: dict) -> dict | None:
        if not isinstance(article, dict) or not article.get("title") or "content" not in article:
            return {"errcode": 44003, "errmsg": "empty news data"}
        for name, (limit, errcode) in FIELD_LIMITS.items():
            if len(article.get(name) or "") > limit:
                return {"errcode": errcode, "errmsg": f"{name} size out of limit"}
        content = article["content"]
        if len(content) >= CONTENT_MAX_CHARS or len(content.encode()) >= CONTENT_MAX_BYTES:
            return {"errcode": 45002, "errmsg": "content size out of limit"}
        if len((article.get("content_source_url") or "").encode()) > SOURCE_URL_MAX_BYTES:
            return {"errcode": 45005, "errmsg": "url size out of limit"}
        if article.get("thumb_media_id") not in self.materials:
            return {"errcode": 40007, "errmsg": "invalid media_id"}
        return None


class Handler(BaseHTTPRequestHandler):
    state: WechatState

    def do_GET(self):
        self._answer(b"")

    def do_POST(self):
        self._answer(self.rfile.read(int(self.headers.get("Content-Length") or 0)))

    def _answer(self, body: bytes):
        parts = urlsplit(self.path)
        query = {key: values[0] for key, values in parse_qs(parts.query).items()}
        call = Call(self.command, parts.path, query, self.headers.get("Content-Type", ""), body)
        pause = self.state.slow.get(parts.path, self.state.delay)
        if pause:
            time.sleep(pause)
        with self.state.lock:
            status = self.state.http_errors.pop(parts.path, None)
        if status:
            self.send_error(status)
            return
        reply = json.dumps(self.state.answer(call), ensure_ascii=False).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json; encoding=utf-8")
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)

    def log_message(self, format, *args):
        pass


class WechatServer(WechatState):
    url: str


@contextmanager
def wechat_server(appid: str = APPID, secret: str = SECRET):
    state = WechatServer(appid, secret)
    handler = type("BoundHandler", (Handler,), {"state": state})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    httpd.daemon_threads = True
    state.url = f"http://127.0.0.1:{httpd.server_address[1]}"
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join()
