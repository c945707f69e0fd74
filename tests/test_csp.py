"""The Content-Security-Policy header: on every kind of response, with exactly these directives."""
import re

import pytest
from django.test import Client

from tests.conftest import ROOT

POLICY = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "frame-ancestors": ["'none'"],
    "form-action": ["'self'"],
}
# Tiptap's base stylesheet, which the editor adds as a <style> element (newsroom/admin/articles.py).
TIPTAP_STYLE = "'sha256-PlumsSlvJ7vvWzjqibGAYKq92O3y/4JTxWWsWJvyUYA='"


def policy(response) -> dict[str, list[str]]:
    """The header as {directive: sources}; django-csp does not keep the directives in order."""
    directives = [d.split() for d in response["Content-Security-Policy"].split(";")]
    return {name: sources for name, *sources in directives}


ANONYMOUS = {
    "HTML page": ("/", 200),
    "article": (None, 200),
    "search": ("/search/?q=高新", 200),
    "404": ("/no-such-page/", 404),
    "feed": ("/feed/", 200),
    "sitemap": ("/sitemap.xml", 200),
    "robots": ("/robots.txt", 200),
    "healthz": ("/healthz", 200),
    "admin login": ("/admin/login/", 200),
    "admin redirect": ("/admin/", 302),
}


@pytest.mark.django_db
class TestEveryResponse:
    @pytest.mark.parametrize("kind", list(ANONYMOUS))
    def test_anonymous_response_carries_the_policy(self, client, imported_seed, kind):
        path, status = ANONYMOUS[kind]
        response = client.get(path or imported_seed.articles.get(position=1).get_absolute_url())
        assert response.status_code == status
        assert policy(response) == POLICY

    @pytest.mark.parametrize("path", ["/admin/", "/admin/articles/article/", "/admin/newsroom/issue/import/"])
    def test_admin_page_carries_the_policy(self, editor_client, path):
        response = editor_client.get(path)
        assert response.status_code == 200
        assert policy(response) == POLICY

    def test_bad_request_carries_the_policy(self, db):
        response = Client(HTTP_HOST="evil.example").get("/")
        assert response.status_code == 400
        assert policy(response) == POLICY

    def test_lockout_page_carries_the_policy(self, reporter_user):
        client = Client()
        for _ in range(5):
            response = client.post("/admin/login/", {"username": "liuqin", "password": "wrong"})
        assert response.status_code == 429
        assert policy(response) == POLICY


@pytest.mark.django_db
class TestArticleForm:
    def test_import_map_is_admitted_by_this_response_nonce(self, editor_client):
        response = editor_client.get("/admin/articles/article/add/")
        nonce = re.search(r'<script type="importmap" nonce="([^"]+)">', response.content.decode()).group(1)
        assert policy(response) == {
            **POLICY, "script-src": ["'self'", f"'nonce-{nonce}'"], "style-src": ["'self'", TIPTAP_STYLE],
        }

    def test_nonce_is_new_on_every_response(self, editor_client, draft_article):
        url = f"/admin/articles/article/{draft_article.pk}/change/"
        nonces = {policy(editor_client.get(url))["script-src"][1] for _ in range(3)}
        assert len(nonces) == 3

    def test_only_the_import_map_is_inline(self, editor_client):
        html = editor_client.get("/admin/articles/article/add/").content.decode()
        inline = re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", html)
        assert [re.sub(r'nonce="[^"]+"', 'nonce="…"', tag) for tag in inline] == [
            '<script type="importmap" nonce="…">',
        ]


INLINE_MARKUP = re.compile(r"<style|\sstyle=|\son[a-z]+=|<script(?![^>]*\bsrc=)|javascript:", re.I)


class TestTemplates:
    def test_no_template_has_inline_script_style_or_handler(self):
        """Inline code and styles live in static files: the policy would block them."""
        found = [
            f"{path.relative_to(ROOT)}: {match.group()}"
            for path in sorted((ROOT / "templates").rglob("*.html"))
            for match in INLINE_MARKUP.finditer(path.read_text())
        ]
        assert found == []

    def test_json_ld_is_a_data_block_not_a_script(self, client, imported_seed):
        html = client.get(imported_seed.articles.get(position=1).get_absolute_url()).content.decode()
        inline = re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", html)
        assert inline == ['<script type="application/ld+json">']
