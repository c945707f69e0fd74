"""No input gives a 5xx: a hostile corpus sent to every URL pattern, query parameter,
search filter, admin list, admin form and autocomplete, and stored in every text pages show.

The URL patterns are read from the resolver, so a page added later is fuzzed too. Each
converter's argument is replaced in turn by every corpus entry the converter accepts (the
other arguments keep real values), and each entry is also pasted after every route's
fixed part. The suite runs on SQLite and on PostgreSQL in CI; PostgreSQL is where NUL
used to fail. A failure lists every request that answered 5xx.
"""
import logging
import re
import xml.etree.ElementTree as ET
from datetime import timedelta
from html.parser import HTMLParser
from urllib.parse import quote

import pytest
from django.contrib import admin
from django.contrib.admin.widgets import AutocompleteMixin
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client, RequestFactory
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from django.utils.html import escape
from reversion.models import Version
from taggit.models import Tag

from articles.models import Article, Byline, ZoneMention
from newsroom.models import Reporter
from newsroom.site.search import SearchFilterForm
from newsroom.text.names import clean_name
from zones.models import Zone

SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(1)>"
CORPUS = [
    "🔥", "👨‍👩‍👧‍👦", "🏳️‍🌈", "🇨🇳",  # emoji, ZWJ sequences, flags
    "!!!", "……", "、、", "。", "-", "_",  # punctuation only
    "\x00", "a\x00b", "\x01", "\x1b[31m", "\t", "a\nb", "\x7f",  # NUL and other controls
    "\ud800", "a\udfffb",  # lone surrogates
    "长" * 10_000,
    "\u202e标题", "\u200b", "张\u200b三", "\ufeff", "\ufffe",  # RTL override, zero-width, noncharacter
    "%", "%zz", "..", "/", "?", "#", "&", " ", "",  # what URLs are made of
    "' OR '1'='1", "1; DROP TABLE articles_article; --", '"', "\\",  # SQL
    "{{ 7|add:7 }}", "{% load static %}", SCRIPT, IMG, '<a href="javascript:alert(1)">x</a>',  # templates, HTML
    "99999999999999999999999", "-1", "0", "1.5", "abc", "²", "١٢", "１２",  # numbers that are not
]
USERS = ["anonymous", "editor", "reporter"]
CONVERTER = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>[^>]+)>")
REGEX_GROUP = re.compile(r"\(\?P<(?P<name>\w+)>[^)]*\)")


def encoded(entry: str) -> str:
    """Percent-encoded as a browser would; a lone surrogate becomes invalid UTF-8 (%ED%A0%80)."""
    return quote(entry.encode("utf-8", "surrogatepass"), safe="")


def form_body(data: dict) -> bytes:
    """A form POST body that can carry what the test client refuses to encode (surrogates)."""
    pairs = [(k, v) for k, values in data.items() for v in (values if isinstance(values, list) else [values])]
    return "&".join(f"{encoded(str(k))}={encoded(str(v))}" for k, v in pairs).encode("ascii")


def url_patterns(patterns=None, prefix=""):
    """(route, pattern) for every URL pattern, with the routes of its resolvers before it."""
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(entry, URLResolver):
            yield from url_patterns(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), entry.pattern


def accepts(converter, entry: str) -> bool:
    if not re.fullmatch(converter.regex, entry):
        return False
    try:
        converter.to_python(entry)
    except ValueError:
        return False
    return True


def route_urls(route: str, pattern, real: dict) -> list[str]:
    """The route with each argument replaced in turn by every corpus entry it accepts."""
    if "(?P<" in route or route.startswith("^") or "$" in route:
        return regex_urls(route, pattern, real)
    names = [m["name"] for m in CONVERTER.finditer(route)]
    if not names:
        return ["/" + route]
    urls = []
    for fuzzed in names:
        converter = pattern.converters[fuzzed]
        for entry in CORPUS:
            if accepts(converter, entry):
                values = {n: str(real.get(n, "1")) for n in names} | {fuzzed: entry}
                urls.append("/" + CONVERTER.sub(lambda m, v=values: encoded(v[m["name"]]), route))
    return urls


def regex_urls(route: str, pattern, real: dict) -> list[str]:
    route = route.replace("^", "").replace("$", "")
    urls = []
    for entry in [*CORPUS, *real.values()]:
        url = REGEX_GROUP.sub(lambda m, e=entry: encoded(str(e)), route)
        if pattern.regex.search(REGEX_GROUP.sub(lambda m, e=entry: str(e), route.split("/", 1)[-1])):
            urls.append("/" + url)
    return urls


def raw_paths() -> list[str]:
    """Each entry pasted, unencoded where the client can send it, after every route's fixed part."""
    prefixes = {"/" + re.split(r"[<^(]", route)[0] for route, _ in url_patterns()} | {"/static/"}
    paths = []
    for entry in CORPUS:
        try:
            entry.encode("utf-8")
        except UnicodeEncodeError:
            continue
        paths += [prefix + entry.replace("#", "%23").replace("?", "%3F") for prefix in sorted(prefixes)]
    return paths


def request_all(client: Client, requests: list[tuple[str, str, dict]]) -> list[str]:
    """Send (method, url, extra) requests; return 'METHOD url -> status' for every 5xx."""
    failures = []
    for method, url, extra in requests:
        response = getattr(client, method)(url, **extra)
        if response.status_code >= 500:
            failures.append(f"{method.upper()} {url[:200]} -> {response.status_code}")
    return failures


def gets(urls) -> list[tuple[str, str, dict]]:
    return [("get", url, {}) for url in urls]


def query(path: str, params: dict) -> str:
    return f"{path}?{'&'.join(f'{encoded(k)}={encoded(v)}' for k, v in params.items())}"


def assert_no_failures(failures: list[str]) -> None:
    assert not failures, f"{len(failures)} requests answered 5xx:\n" + "\n".join(failures)


@pytest.fixture(autouse=True)
def _quiet_request_log(caplog):
    # Thousands of expected 400s and 404s; 5xx are still logged (with their traceback).
    caplog.set_level(logging.ERROR, logger="django.request")


@pytest.fixture
def superuser(db):
    return User.objects.create_superuser("root", password="root-password-1")


@pytest.fixture
def world(make_issue, make_zone, make_article, editor_user, reporter_user, article_form_data):
    """One of everything the URLs point at, with a saved revision, and the real argument values."""
    issue = make_issue(1)
    zone = make_zone("成都高新区")
    # Only the zones this world uses: a full page of the reference list makes every zone list
    # request ten times slower, and the parameters, not the rows, are what is fuzzed.
    Zone.objects.exclude(pk=zone.pk).delete()
    article = make_article("成都高新区新药获批", issue=issue, zones=[zone], tags=["生物医药"])
    draft = make_article("记者的草稿", status="draft")
    editor = Client(raise_request_exception=False)
    editor.force_login(editor_user)
    editor.post(f"/admin/articles/article/{article.pk}/change/", article_form_data(article, kicker="引题"))
    version = Version.objects.get_for_object(article).first()
    real = {
        "pk": article.pk, "number": issue.number, "version_id": version.pk, "object_id": article.pk,
        "content_type_id": version.content_type_id, "id": editor_user.pk, "app_label": "articles",
        "url": "articles/", "slug": article.slug,
    }
    slugs = {"tags/": article.tags.get().slug, "zones/": zone.slug, "reporters/": article.reporters.get().slug}
    return {"article": article, "draft": draft, "zone": zone, "issue": issue, "real": real, "slugs": slugs}


def real_for(route: str, world) -> dict:
    """The real values for `route`: slugs and admin object ids depend on where they sit."""
    real = dict(world["real"])
    for prefix, slug in world["slugs"].items():
        if route.startswith(prefix):
            real["slug"] = slug
    match = re.match(r"admin/(\w+)/(\w+)/", route)
    models = {(m._meta.app_label, m._meta.model_name): m for m in admin.site._registry}
    if match and (match[1], match[2]) in models:
        obj = models[match[1], match[2]]._default_manager.order_by("pk").first()
        real["object_id"] = obj.pk if obj else 1
    return real


def client_for(who: str, editor_user, reporter_user) -> Client:
    client = Client(raise_request_exception=False)
    if who != "anonymous":
        client.force_login(editor_user if who == "editor" else reporter_user)
    return client


def admin_request(user, path="/admin/"):
    request = RequestFactory().get(path)
    request.user = user
    return request


def list_filter_parameters(model_admin, user) -> list[str]:
    """Every list filter's and the date hierarchy's query parameters."""
    changelist = model_admin.get_changelist_instance(admin_request(user))
    names = [name for spec in changelist.filter_specs for name in spec.expected_parameters()]
    if model_admin.date_hierarchy:
        names += [f"{model_admin.date_hierarchy}__{part}" for part in ("year", "month", "day")]
    return names


def changelists():
    for model, model_admin in admin.site._registry.items():
        yield reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist"), model_admin


def autocomplete_fields(user) -> list[tuple[str, str, str]]:
    """(app_label, model_name, field_name) for every autocomplete widget of every admin form."""
    request = admin_request(user)
    found = set()
    for model_admin in admin.site._registry.values():
        forms = [model_admin.get_form(request)]
        forms += [formset.form for formset, _ in model_admin.get_formsets_with_inlines(request)]
        for form in forms:
            for field in form().fields.values():
                widget = getattr(field.widget, "widget", field.widget)
                if isinstance(widget, AutocompleteMixin):
                    opts = widget.field.model._meta
                    found.add((opts.app_label, opts.model_name, widget.field.name))
    return sorted(found)


@pytest.mark.django_db
class TestFuzzRequests:
    @pytest.mark.parametrize("who", USERS)
    def test_every_url_pattern_with_every_argument(self, who, world, editor_user, reporter_user):
        """Every converter argument, in every pattern, replaced by every entry it accepts."""
        urls = [url for route, pattern in url_patterns() for url in route_urls(route, pattern, real_for(route, world))]
        assert len(urls) > 1000  # the walk found the admin's patterns too
        client = client_for(who, editor_user, reporter_user)
        assert_no_failures(request_all(client, gets(urls)))

    @pytest.mark.parametrize("who", USERS)
    def test_raw_paths(self, who, world, editor_user, reporter_user):
        client = client_for(who, editor_user, reporter_user)
        assert_no_failures(request_all(client, gets(raw_paths())))

    @pytest.mark.parametrize("who", USERS)
    def test_search_query_filters_and_page(self, who, world, editor_user, reporter_user):
        """q alone, and each filter with a real q (filters apply only to a search)."""
        params = ["q", *SearchFilterForm.base_fields, "page"]
        urls = [query("/search/", {"q": entry}) for entry in CORPUS]
        urls += [query("/search/", {"q": "高新区", name: entry}) for name in params[1:] for entry in CORPUS]
        client = client_for(who, editor_user, reporter_user)
        assert_no_failures(request_all(client, gets(urls)))

    def test_raw_bytes_in_the_query_string(self, world):
        """Unencoded bytes, as a server hands them over (latin-1 text), surrogates and all."""
        client = Client(raise_request_exception=False)
        raw = [entry.encode("utf-8", "surrogatepass").decode("latin-1") for entry in CORPUS]
        requests = [("get", "/search/", {"QUERY_STRING": f"q={value}&tag={value}"}) for value in raw]
        assert_no_failures(request_all(client, requests))

    @pytest.mark.parametrize("who", USERS)
    def test_page_of_every_paginated_list(self, who, world, editor_user, reporter_user):
        lists = ["/", "/issues/", "/zones/", *(f"/{prefix}{slug}/" for prefix, slug in world["slugs"].items())]
        urls = [query(path, {"page": entry}) for path in lists for entry in CORPUS]
        urls += [query("/search/", {"q": "高新区", "page": entry}) for entry in CORPUS]
        client = client_for(who, editor_user, reporter_user)
        assert_no_failures(request_all(client, gets(urls)))

    @pytest.mark.parametrize("who", USERS)
    def test_admin_changelist_search_order_and_page(self, who, world, editor_user, reporter_user):
        urls = [query(url, {name: entry}) for url, _ in changelists() for name in "qop" for entry in CORPUS]
        client = client_for(who, editor_user, reporter_user)
        assert_no_failures(request_all(client, gets(urls)))

    def test_admin_changelist_list_filters(self, world, superuser):
        """As a superuser, who sees every list: a filter is the same code for anyone who may see it."""
        urls = [
            query(url, {name: entry})
            for url, model_admin in changelists()
            for name in list_filter_parameters(model_admin, superuser)
            for entry in CORPUS
        ]
        assert len(urls) > 1000
        client = Client(raise_request_exception=False)
        client.force_login(superuser)
        assert_no_failures(request_all(client, gets(urls)))

    @pytest.mark.parametrize("who", USERS)
    def test_admin_autocomplete(self, who, world, superuser, editor_user, reporter_user):
        fields = autocomplete_fields(superuser)
        assert ("articles", "article", "tags") in fields
        urls = []
        for app_label, model_name, field_name in fields:
            base = {"app_label": app_label, "model_name": model_name, "field_name": field_name}
            urls += [query("/admin/autocomplete/", {**base, "term": entry}) for entry in CORPUS]
            urls += [query("/admin/autocomplete/", {**base, "term": "a", "page": entry}) for entry in CORPUS]
        for key in ("app_label", "model_name", "field_name"):
            base = {"app_label": "articles", "model_name": "article", "field_name": "tags"}
            urls += [query("/admin/autocomplete/", {**base, key: entry}) for entry in CORPUS]
        client = client_for(who, editor_user, reporter_user)
        assert_no_failures(request_all(client, gets(urls)))


def admin_add_forms(entry: str, issue) -> dict[str, dict]:
    """The add form of each model with a name, every text field holding `entry`."""
    now = timezone.localtime()
    inline = {f"{p}-{k}": v for p in ("bylines", "zone_mentions", "old_slugs")
              for k, v in (("TOTAL_FORMS", 0), ("INITIAL_FORMS", 0), ("MIN_NUM_FORMS", 0), ("MAX_NUM_FORMS", 1000))}
    return {
        "/admin/taggit/tag/add/": {"name": entry, "slug": "", **inline},
        "/admin/newsroom/reporter/add/": {"name": entry, "slug": "", "bio": entry},
        "/admin/zones/zone/add/": {"name": entry, "official_name": entry, "aliases": entry, "province": entry,
                                   "city": entry, "approved_year": "", "slug": "", "source": entry},
        "/admin/articles/article/add/": {
            "issue": issue.pk, "position": 9, "kicker": entry, "headline": entry, "subheadline": entry,
            "dateline": entry, "standfirst": entry, "body": f"<p>{escape(entry)}</p>", "status": "published",
            "publish_at_0": now.strftime("%Y-%m-%d"), "publish_at_1": "00:00:00", "new_tags": entry, **inline,
        },
    }


def storable(entry: str) -> bool:
    """What the database can hold: never surrogates, and no NUL on PostgreSQL."""
    try:
        entry.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return not ("\x00" in entry and connection.vendor == "postgresql")


def orm_world(issue):
    """An article, tag, reporter and zone named after each corpus entry, made with the ORM."""
    for n, entry in enumerate(e for e in CORPUS if storable(e)):
        reporter, _ = Reporter.objects.get_or_create(name=clean_name(entry)[:50] or f"记者{n}")
        zone, _ = Zone.objects.get_or_create(name=entry[:50] or f"空{n}")
        article = Article.objects.create(
            issue=issue, position=n + 1, headline=entry[:200] or "空", kicker=entry[:200],
            standfirst=entry, body=f"<p>{escape(entry)}</p>", status="published",
            publish_at=timezone.now() - timedelta(hours=1),
        )
        Byline.objects.create(article=article, reporter=reporter)
        ZoneMention.objects.create(article=article, zone=zone)
        if entry.strip(" ,\"") and not Tag.objects.filter(name__iexact=entry[:100]).exists():
            article.tags.add(entry[:100])


def public_urls() -> list[str]:
    urls = ["/", "/issues/", "/issues/1/", "/zones/", "/feed/", "/sitemap.xml", "/robots.txt"]
    urls += [a.get_absolute_url() for a in Article.objects.published()]
    for zone in Zone.objects.filter(articles__isnull=False).distinct():
        urls += [zone.get_absolute_url(), f"{zone.get_absolute_url()}feed/"]
    urls += [r.get_absolute_url() for r in Reporter.objects.filter(articles__isnull=False).distinct()]
    for tag in Tag.objects.all():
        urls += [f"/tags/{encoded(tag.slug)}/", f"/tags/{encoded(tag.slug)}/feed/"]
        urls.append(query("/search/", {"q": "高新区", "tag": tag.slug}))
    urls += [query("/search/", {"q": entry}) for entry in CORPUS]
    return urls


class LiveMarkup(HTMLParser):
    """What an HTML parser builds that would run: the corpus's script, onerror and javascript: link."""

    def __init__(self):
        super().__init__()
        self.elements: list[str] = []
        self.live: list[str] = []
        self._tag = None

    def handle_starttag(self, tag, attrs):
        self.elements.append(tag)
        self._tag = tag
        for name, value in attrs:
            if name.startswith("on") or (value or "").strip().lower().startswith("javascript:"):
                self.live.append(f"<{tag} {name}={value!r}>")

    def handle_data(self, data):
        if self._tag == "script" and data == "alert(1)":
            self.live.append("<script>alert(1)</script>")


def parsed(html: str) -> LiveMarkup:
    parser = LiveMarkup()
    parser.feed(html)
    parser.close()
    return parser


def hostile_markup_problems(url: str, response) -> list[str]:
    """Live markup from the corpus: in an HTML page, or rendered from a feed summary.

    A summary is HTML-typed, so a reader unescapes the XML and parses what is left as HTML;
    our summaries are escaped plain text, so they must build no element at all.
    """
    # Feeds are served as application/xml, so that browsers apply static/feed.xsl.
    if response["Content-Type"].startswith(("application/atom+xml", "application/xml")):
        summaries = ET.fromstring(response.content).iter("{http://www.w3.org/2005/Atom}summary")
        elements = [tag for summary in summaries for tag in parsed(summary.text or "").elements]
        return [f"{url}: a summary renders {elements}"] if elements else []
    if response["Content-Type"].startswith("text/html"):
        return [f"{url}: {live}" for live in parsed(response.content.decode()).live]
    return []


class FormFields(HTMLParser):
    """The names of a page's form controls, with the values of the hidden ones."""

    def __init__(self):
        super().__init__()
        self.fields: dict[str, str] = {}

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in ("input", "select", "textarea") and attrs.get("name") and attrs.get("type") != "file":
            self.fields.setdefault(attrs["name"], attrs.get("value") or "")


MANAGEMENT = re.compile(r"-(TOTAL|INITIAL|MIN_NUM|MAX_NUM)_FORMS$")


def hostile_posts(client, url: str, *, management_too: bool = False) -> list[dict]:
    """POST bodies for the form at `url`, every control holding the same corpus entry.

    The formsets' management forms keep their values, so that every inline field is cleaned;
    with `management_too`, a second body per entry makes those hostile as well.
    """
    fields = FormFields()
    fields.feed(client.get(url).content.decode())
    names = [name for name in fields.fields if name != "csrfmiddlewaretoken"]
    kept = {name: fields.fields[name] for name in names if MANAGEMENT.search(name)}
    posts = []
    for entry in CORPUS:
        posts.append({**{name: entry for name in names}, **kept})
        if management_too:
            posts.append({name: entry for name in names})
    return posts


def post_all(client, url: str, bodies: list[dict]) -> list[str]:
    failures = []
    for data in bodies:
        response = client.post(url, form_body(data), content_type="application/x-www-form-urlencoded")
        if response.status_code >= 500:
            shown = {name: str(value)[:30] for name, value in data.items()}
            failures.append(f"POST {url} {str(shown)[:300]} -> {response.status_code}")
    return failures


@pytest.fixture
def editor_client(editor_user):
    """Logged in as an editor; a 500 comes back as a response, to be listed with the others."""
    return client_for("editor", editor_user, None)


@pytest.mark.django_db
class TestFuzzContent:
    def test_every_control_of_every_editor_form(self, world, editor_client):
        """Text, numbers, dates, choices, the rich-text body, topics, inlines and list_editable rows."""
        article, issue, zone = world["article"], world["issue"], world["zone"]
        change_article = f"/admin/articles/article/{article.pk}/change/"
        failures = post_all(editor_client, change_article, hostile_posts(editor_client, change_article, management_too=True))
        # The add forms share their form classes with these; the add forms get the corpus in
        # test_public_pages_feeds_and_sitemap_show_hostile_names_escaped.
        for url in [
            "/admin/articles/article/", f"/admin/taggit/tag/{article.tags.get().pk}/change/",
            f"/admin/newsroom/reporter/{article.reporters.get().pk}/change/", f"/admin/zones/zone/{zone.pk}/change/",
            f"/admin/newsroom/issue/{issue.pk}/change/", "/admin/newsroom/issue/import/",
        ]:
            failures += post_all(editor_client, url, hostile_posts(editor_client, url))
        assert_no_failures(failures)

    def test_every_admin_action_on_hostile_selections(self, world, editor_user, editor_client):
        request = admin_request(editor_user)
        failures = []
        for url, model_admin in changelists():
            bodies = [
                {"action": action, "index": "0", "_selected_action": entry, "select_across": select_across}
                for action in model_admin.get_actions(request)
                for entry in CORPUS
                for select_across in ("0", entry)
            ]
            failures += post_all(editor_client, url, bodies)
        assert_no_failures(failures)

    def test_admin_sign_in_with_every_entry(self, world):
        client = Client(raise_request_exception=False)
        bodies = [{"username": entry, "password": entry} for entry in CORPUS]
        bodies += [{"username": "editor", "password": entry} for entry in CORPUS]
        assert_no_failures(post_all(client, "/admin/login/", bodies))

    def test_every_control_of_the_reporters_draft(self, world, reporter_user):
        client = client_for("reporter", None, reporter_user)
        url = f"/admin/articles/article/{world['draft'].pk}/change/"
        assert_no_failures(post_all(client, url, hostile_posts(client, url, management_too=True)))

    def test_public_pages_feeds_and_sitemap_show_hostile_names_escaped(self, world, editor_client):
        """Articles, topics, reporters and zones named after each entry: in the admin, then the ORM."""
        failures = []
        for entry in CORPUS:
            for url, data in admin_add_forms(entry, world["issue"]).items():
                failures += post_all(editor_client, url, [data])
        orm_world(world["issue"])
        urls = public_urls()
        assert len(urls) > 200
        client = Client(raise_request_exception=False)
        problems = []
        for url in urls:
            response = client.get(url)
            if response.status_code >= 500:
                failures.append(f"GET {url[:200]} -> {response.status_code}")
            elif response.status_code == 200:
                problems += hostile_markup_problems(url, response)
        assert_no_failures(failures)
        assert problems == []

    def test_admin_and_preview_pages_of_hostile_objects(self, world, editor_client):
        orm_world(world["issue"])
        urls = [f"/preview/articles/{pk}/" for pk in Article.objects.values_list("pk", flat=True)]
        urls += ["/preview/issues/1/", "/admin/"]
        for model in (Article, Tag, Reporter, Zone):
            opts = model._meta
            urls.append(f"/admin/{opts.app_label}/{opts.model_name}/")
            urls += [f"/admin/{opts.app_label}/{opts.model_name}/{pk}/change/"
                     for pk in model.objects.values_list("pk", flat=True)[:60]]
        assert_no_failures(request_all(editor_client, gets(urls)))
