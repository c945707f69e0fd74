"""No input gives a 5xx: a hostile corpus sent to every URL pattern, query parameter,
search filter, admin list and autocomplete, and stored in every text that pages show.

The suite runs on SQLite and on PostgreSQL in CI; PostgreSQL is where NUL used to fail.
Every request is made; the failure lists each (user, method, address, status) above 499.
"""
import re
from urllib.parse import quote, urlencode

import pytest
from django.test import Client
from django.urls import URLResolver, get_resolver
from django.urls.resolvers import RoutePattern

from articles.models import Article
from articles.search_views import SearchFilterForm
from newsroom.text import clean_name

# Each entry is sent as text; SURROGATE stands for a lone surrogate, which only exists
# on the wire as the invalid UTF-8 bytes ED A0 80.
SURROGATE = "\ud800"
CORPUS = [
    "🔥", "👩\u200d🔬", "👨\u200d👩\u200d👧\u200d👦", "🇨🇳", "!!!", "……", "、、", "（）",
    "\x00", "a\x00b", "\x01\x1f\x7f", SURROGATE, "\ufffe", "x" * 10_000, "高新区" * 3000,
    "\u202e测试\u202c", "\u200b", "\u200f\u061c", "%", "%%00", "..", "../../etc/passwd", "/", "\\",
    "' OR 1=1 --", '"; DROP TABLE articles_article; --', "{{ 7|add:7 }}", "{% debug %}",
    "<script>alert(1)</script>", "99999999999999999999999", "-1", "0", "1.5", "１２３", "\r\n", " ",
]
# One of each kind, for the many admin list parameters: characters PostgreSQL refuses,
# numbers out of range or of the wrong kind, length, and text that looks like syntax.
SHAPES = ["\x00", SURROGATE, "\ufffe", "99999999999999999999999", "-1", "1.5", "x" * 10_000, "🔥", "%", "' OR 1=1 --", "\u202e测试\u202c"]
# What can be stored in a text column on every database (PostgreSQL refuses NUL).
STORABLE = [v for v in CORPUS if "\x00" not in v and v != SURROGATE and len(v) < 200]
ROUTE_PARAM = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>[^>]+)>")


def encoded(value: str) -> str:
    if value == SURROGATE:
        return "%ED%A0%80"
    return quote(value, safe="")


def query(**params) -> str:
    return "&".join(f"{k}={encoded(v)}" for k, v in params.items())


def routes(patterns=None, prefix=""):
    """Every route of the project, as written (`tags/<str:slug>/feed/`)."""
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            yield from routes(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern.pattern, RoutePattern):
            yield prefix + str(pattern.pattern)
        else:
            yield prefix + "fuzz/"  # the admin's catch-all and app index: any path under them


def paths_for(route: str) -> list[str]:
    if not ROUTE_PARAM.search(route):
        return ["/" + route]
    return ["/" + ROUTE_PARAM.sub(lambda _m, v=value: encoded(v), route) for value in CORPUS]


class Fuzzer:
    def __init__(self, users: dict):
        self.clients = {}
        for name, user in users.items():
            client = Client(raise_request_exception=False)
            if user is not None:
                client.force_login(user)
            self.clients[name] = client
        self.failures: list[tuple[str, str, str, int]] = []
        self.sent = 0

    def get(self, path: str, *, users=None):
        for name in users or self.clients:
            self.sent += 1
            status = self.clients[name].get(path).status_code
            if status >= 500:
                self.failures.append((name, "GET", path, status))

    def post(self, path: str, data: dict, *, user: str):
        """Form-encoded by hand, so that a lone surrogate goes out as the bytes a browser would send."""
        self.sent += 1
        fields = [(k, str(v)) for k, values in data.items() for v in (values if isinstance(values, list) else [values])]
        body = "&".join(f"{encoded(k)}={encoded(v)}" for k, v in fields)
        status = self.clients[user].post(path, body, content_type="application/x-www-form-urlencoded").status_code
        if status >= 500:
            self.failures.append((user, "POST", path[:200], status))


@pytest.fixture
def fuzzer(editor_user, reporter_user):
    return Fuzzer({"anonymous": None, "editor": editor_user, "reporter": reporter_user})


@pytest.fixture
def content(imported_seed, make_article, make_zone):
    """The seed, plus published articles, topics, reporters and zones named with the corpus."""
    articles = []
    for n, value in enumerate(STORABLE):
        zone = make_zone(f"{value[:90]}高新区", province=value[:20])
        articles.append(make_article(
            value or "空", issue=imported_seed, position=10 + n, tags=[value[:100]], zones=[zone],
            reporters=[(clean_name(value)[:50] or f"记者{n}", "作者")], standfirst=value, kicker=value[:200],
            body=f"<p>{value}</p><h2>{value[:100]}</h2>",
        ))
    return articles


ADMIN_LISTS = [
    "/admin/articles/article/", "/admin/newsroom/issue/", "/admin/newsroom/reporter/",
    "/admin/zones/zone/", "/admin/taggit/tag/", "/admin/auth/user/", "/admin/auth/group/",
]
AUTOCOMPLETES = [
    ("articles", "article", "issue"), ("articles", "article", "excluded_zones"),
    ("articles", "article", "tags"), ("articles", "byline", "reporter"),
    ("articles", "zonemention", "zone"), ("newsroom", "reporter", "user"),
]


def filter_parameters(html: str) -> set[str]:
    """The query parameters a changelist's filters and sorting links use."""
    names = set()
    for href in re.findall(r'href="\?([^"]*)"', html):
        names.update(part.split("=", 1)[0] for part in href.replace("&amp;", "&").split("&") if part)
    return names


@pytest.mark.django_db
class TestNoInputGivesAServerError:
    def test_every_url_pattern(self, fuzzer, content):
        for route in routes():
            users = ["anonymous", "editor", "reporter"] if route.startswith("admin/") else ["anonymous", "editor"]
            for path in paths_for(route):
                fuzzer.get(path, users=users)
            for value in CORPUS[:12]:
                fuzzer.get(f"/{route.split('<')[0]}{encoded(value)}", users=["anonymous"])
        assert fuzzer.failures == []
        assert fuzzer.sent > 4000

    def test_search_filters_and_pages(self, fuzzer, content):
        lists = ["/", "/issues/", "/issues/1/", "/zones/", "/reporters/liu-qin/", content[0].get_absolute_url()]
        for value in CORPUS:
            for name in ["q", *SearchFilterForm.FILTERS, "page"]:
                fuzzer.get(f"/search/?q=%E9%AB%98%E6%96%B0&{query(**{name: value})}", users=["anonymous"])
            for path in lists:
                fuzzer.get(f"{path}?{query(page=value)}", users=["anonymous"])
        assert fuzzer.failures == []

    def test_admin_lists_filters_and_autocompletes(self, fuzzer, content):
        editor = fuzzer.clients["editor"]
        parameters = {url: filter_parameters(editor.get(url).content.decode()) | {"q", "o", "p", "e", "all"} for url in ADMIN_LISTS}
        assert {"status__exact", "o", "q", "issue__id__exact", "date__year"} <= parameters["/admin/articles/article/"] | parameters["/admin/newsroom/issue/"]
        for value in CORPUS:
            for url in parameters:
                fuzzer.get(f"{url}?{query(q=value)}", users=["editor", "reporter"])
        for value in SHAPES:
            for url, names in parameters.items():
                for name in sorted(names):
                    fuzzer.get(f"{url}?{query(**{name: value})}", users=["editor"])
            for app_label, model_name, field_name in AUTOCOMPLETES:
                params = {"app_label": app_label, "model_name": model_name, "field_name": field_name}
                fuzzer.get(f"/admin/autocomplete/?{urlencode(params)}&{query(term=value)}", users=["editor", "reporter"])
                fuzzer.get(f"/admin/autocomplete/?{query(app_label=value, model_name=model_name, field_name=field_name, term='a')}",
                           users=["editor"])
        assert fuzzer.failures == []

    def test_hostile_text_is_shown_escaped_everywhere(self, fuzzer, content):
        client = fuzzer.clients["anonymous"]
        pages = ["/", "/issues/", "/issues/1/", "/zones/", "/feed/", "/sitemap.xml", "/search/?q=%3Cscript%3E"]
        for article in content:
            pages.append(article.get_absolute_url())
            pages += [f"{z.get_absolute_url()}" for z in article.zones.all()]
            pages += [f"/tags/{t.slug}/" for t in article.tags.all()] + [f"/tags/{t.slug}/feed/" for t in article.tags.all()]
            pages += [b.reporter.get_absolute_url() for b in article.bylines.select_related("reporter")]
        for path in pages:
            response = client.get(path)
            assert response.status_code == 200, path
            assert b"<script>alert(1)" not in response.content, path
        for article in content:
            fuzzer.get(f"/admin/articles/article/{article.pk}/change/", users=["editor", "reporter"])
            fuzzer.get(f"/preview/articles/{article.pk}/", users=["editor"])
        assert fuzzer.failures == []

    def test_admin_forms_refuse_what_they_cannot_store(self, fuzzer, draft_article, article_form_data):
        editor = fuzzer.clients["editor"]
        change = f"/admin/articles/article/{draft_article.pk}/change/"
        for value in CORPUS:
            for field in ("headline", "kicker", "standfirst", "body", "new_tags", "dateline"):
                fuzzer.post(change, article_form_data(draft_article, **{field: value}), user="editor")
            fuzzer.post("/admin/newsroom/reporter/add/", {"name": value}, user="editor")
            fuzzer.post("/admin/zones/zone/add/", {"name": value, "official_name": value, "province": value, "city": value}, user="editor")
            fuzzer.post("/admin/taggit/tag/add/", {"name": value, "slug": value}, user="editor")
            fuzzer.post("/admin/login/", {"username": value, "password": value}, user="anonymous")
        assert fuzzer.failures == []
        assert editor.get(change).status_code == 200
        assert Article.objects.get(pk=draft_article.pk).headline in {v for v in CORPUS} | {draft_article.headline}
