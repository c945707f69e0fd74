"""Every edit path is visible on every page it affects at the reader's next request.

Each case reads a page (and checks that the next read is served from the cache, one query),
makes one edit through its real path (the admin, a bulk action, a restore, the importer, the
publishing functions, the clock), and reads the page again as an anonymous reader.

The tests are transactional: the content version moves on when a transaction commits, which
a test wrapped in one transaction never does. Each edit is one test that reads all the pages
it affects, so that the matrix costs one database reset per edit rather than per page; a
failure lists every page that showed the wrong thing.
"""
import datetime
from dataclasses import dataclass
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models.fields.files import FieldFile
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from taggit.models import Tag

from articles.models import Article
from articles.revisions.history import article_versions
from articles.topics import tag_url
from newsroom import publishing
from newsroom.models import Issue, Reporter

HEADLINE = "甲文发布新政"
EDITED = "甲文公布新规"
ZONE, ZONE_RENAMED = "甲测试高新区", "乙测试高新区"
TOPIC, TOPIC_RENAMED, TOPIC_TARGET = "甲话题", "丙话题", "丁话题"
REPORTER, REPORTER_RENAMED = "甲记者", "乙记者"
# A word of each headline, to search for (the body has the first one too).
SEARCH_WORD = {HEADLINE: "发布新政", EDITED: "公布新规"}


@dataclass
class Site:
    issue: Issue
    zone: object
    make: object  # make(headline, **fields): an article of issue 1, in the zone, topic and byline
    other: Article  # always published, so that the zone, topic and reporter pages exist


@pytest.fixture
def site(make_issue, make_zone, make_article):
    issue = make_issue(1)
    zone = make_zone(ZONE)

    def make(headline=HEADLINE, **fields):
        # The body names the zone, so that the admin's zone detection keeps it linked.
        fields.setdefault("issue", issue)
        fields.setdefault("body", f"<p>{ZONE}今年{SEARCH_WORD[HEADLINE]}。</p>")
        return make_article(headline, zones=[zone], tags=[TOPIC], reporters=[(REPORTER, "记者")], **fields)

    other = make("乙文扩大招商", position=2, body="<p>今年扩大招商。</p>")
    return Site(issue=issue, zone=zone, make=make, other=other)


def page_urls(site: Site, article: Article | None) -> dict[str, str]:
    """The public pages an article of the site appears on, by name."""
    tag = Tag.objects.get(name=TOPIC)
    return {
        "article": article.get_absolute_url() if article else "",
        "home": "/",
        "issue": site.issue.get_absolute_url(),
        "zone": site.zone.get_absolute_url(),
        "zones": "/zones/",
        "tag": tag_url(tag),
        "reporter": Reporter.objects.get(name=REPORTER).get_absolute_url(),
        "feed": "/feed/",
        "zone_feed": f"{site.zone.get_absolute_url()}feed/",
        "tag_feed": f"{tag_url(tag)}feed/",
        "sitemap": "/sitemap-articles.xml",  # the index lists sections; this page lists articles
    }


# --- The edits. Each takes the site, the article before the edit and the test's tools, and
# returns the article as readers should now find it (None when it is gone for good).


def change_form_data(client, url: str, **changes) -> dict:
    """What the admin's change form at `url` would post, with `changes`."""
    form = client.get(url).context["adminform"].form
    data = {}
    for name in form.fields:
        value = form[name].value()
        data[name] = "" if value is None else value
    data = {k: v for k, v in data.items() if not isinstance(v, FieldFile)}  # no file to upload again
    return {**data, **changes}


def admin_save(site, article, tools):
    data = tools.article_form_data(article, headline=EDITED)
    tools.editor.post(f"/admin/articles/article/{article.pk}/change/", data)
    return Article.objects.get(pk=article.pk)


def admin_unpublish(site, article, tools):
    data = tools.article_form_data(article, status="draft")
    tools.editor.post(f"/admin/articles/article/{article.pk}/change/", data)
    return Article.objects.get(pk=article.pk)


def bulk_action(action):
    def edit(site, article, tools):
        tools.editor.post("/admin/articles/article/", {"action": action, "_selected_action": [article.pk]})
        return Article.objects.get(pk=article.pk)

    return edit


def restore(site, article, tools):
    first_save = article_versions(article=article)[1]
    tools.editor.post(f"/admin/articles/article/{article.pk}/revisions/{first_save.pk}/restore/")
    return Article.objects.get(pk=article.pk)


def import_command(site, article, tools):
    text = f"{HEADLINE}\n\n► {REPORTER}\n\n{ZONE}{HEADLINE}，企业一千家。\n"
    path = tools.tmp_path / "issue.txt"
    path.write_text(text, encoding="utf-8")
    call_command("import_issue", str(path), "--number", "2", "--publish", stdout=StringIO())
    return Article.objects.get(issue__number=2)


def issue_publish(site, article, tools):
    publishing.issue_publish(issue=article.issue, user=tools.editor_user)
    return Article.objects.get(pk=article.pk)


def issue_withdraw(site, article, tools):
    publishing.issue_withdraw(issue=article.issue, user=tools.editor_user)
    return Article.objects.get(pk=article.pk)


def admin_delete(site, article, tools):
    tools.editor.post(f"/admin/articles/article/{article.pk}/delete/", {"post": "yes"})
    assert not Article.objects.filter(pk=article.pk).exists()
    return None


def time_passes(site, article, tools):
    later = timezone.now() + datetime.timedelta(hours=2)
    tools.monkeypatch.setattr(timezone, "now", lambda: later)
    return article


# --- How each edit starts: the article the edit is made to, in its state before.


def published(site, tools):
    return site.make()


def draft(site, tools):
    return site.make(status="draft")


def saved_before(site, tools):
    """Published and saved in the admin (the revision to go back to), then its headline edited."""
    article = site.make()
    for headline in (HEADLINE, EDITED):
        tools.editor.post(f"/admin/articles/article/{article.pk}/change/",
                          tools.article_form_data(article, headline=headline))
    return Article.objects.get(pk=article.pk)


def nothing_yet(site, tools):
    return None


def in_draft_issue(site, tools):
    return site.make(issue=Issue.objects.create(number=2, status="draft", date=datetime.date(2025, 1, 13)),
                     status="draft")


def scheduled(site, tools):
    return site.make(publish_at=timezone.now() + datetime.timedelta(hours=1))


ARTICLE_PAGES = ["article", "home", "issue", "zone", "tag", "reporter", "feed", "zone_feed", "tag_feed",
                 "sitemap", "search"]
# path: (the state before, the edit, the pages it affects)
ARTICLE_EDITS = {
    "admin_save": (published, admin_save, ARTICLE_PAGES),
    "admin_unpublish": (published, admin_unpublish, ARTICLE_PAGES),
    "bulk_publish": (draft, bulk_action("publish_selected"), ARTICLE_PAGES),
    "bulk_archive": (published, bulk_action("archive_selected"), ARTICLE_PAGES),
    "revision_restore": (saved_before, restore, ARTICLE_PAGES),
    # A new issue: its pages did not exist before, and the importer sets no topics.
    "import_issue": (nothing_yet, import_command, ["home", "zone", "reporter", "feed", "zone_feed", "sitemap",
                                                   "search"]),
    "issue_publish": (in_draft_issue, issue_publish, [p for p in ARTICLE_PAGES if p != "issue"]),
    "issue_withdraw": (published, issue_withdraw, ARTICLE_PAGES),
    "admin_delete": (published, admin_delete, ARTICLE_PAGES),
    "scheduled_time_passes": (scheduled, time_passes, ARTICLE_PAGES),
}


class Tools:
    def __init__(self, **kwargs):
        self.__dict__.update(kwargs)


@pytest.fixture
def tools(editor_client, editor_user, article_form_data, monkeypatch, tmp_path):
    return Tools(editor=editor_client, editor_user=editor_user, article_form_data=article_form_data,
                 monkeypatch=monkeypatch, tmp_path=tmp_path)


def is_visible(article: Article | None) -> bool:
    return article is not None and Article.objects.published().filter(pk=article.pk).exists()


def on_page(page: str, article: Article | None, query: str) -> bool:
    """Whether a reader should find the article on the page (the search page: if it has the word)."""
    return is_visible(article) and (page != "search" or query in article.headline + article.body)


def read(url: str):
    """An anonymous reader's request, and how many queries it cost."""
    with CaptureQueriesContext(connection) as queries:
        response = Client().get(url, follow=True)
    return response, len(queries)


def warm(url: str):
    """Read a page twice: the second read must come from the cache (the version read alone)."""
    first, _ = read(url)
    if first.status_code == 200:
        second, queries = read(url)
        assert (second.status_code, queries, second.content) == (200, 1, first.content), url
    return first


def marker(page: str, article: Article) -> str:
    """What shows the article on the page: its headline on its own page, its address elsewhere."""
    return article.headline if page == "article" else article.get_absolute_url()


def edit_problems(page: str, before, shown_before: bool, after, warmed, now, query: str) -> list[str]:
    """What is wrong with the page as the cache held it (`warmed`) and as it is read now."""
    shown_after = on_page(page, after, query)
    old_text, text = warmed.content.decode() if warmed else "", now.content.decode()
    same = shown_before and shown_after and marker(page, after) == marker(page, before)
    problems = []
    if shown_before and marker(page, before) not in old_text:
        problems.append("the warmed page did not show the article")
    if shown_after and not (now.status_code == 200 and marker(page, after) in text):
        problems.append(f"the edit is not shown (status {now.status_code})")
    if shown_after and not same and marker(page, after) in old_text:
        problems.append("the warmed page showed the edit already")
    if shown_before and not same and marker(page, before) in text:
        problems.append("the article as it was is still shown")
    return [f"{page}: {problem}" for problem in problems]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
class TestEditsAreVisibleAtOnce:
    @pytest.mark.parametrize("path", list(ARTICLE_EDITS))
    def test_the_next_request_shows_the_edit_on_every_affected_page(self, site, tools, path):
        start, edit, pages = ARTICLE_EDITS[path]
        before = start(site, tools)
        # The search looks for a word of the headline that readers should find afterwards.
        query = SEARCH_WORD[EDITED if path == "admin_save" else HEADLINE]
        urls = {**page_urls(site, before), "search": f"/search/?q={query}"}
        # An article not made yet has no page to read before (the importer's).
        warmed = {page: warm(urls[page]) if urls[page] else None for page in pages}
        shown_before = {page: on_page(page, before, query) for page in pages}
        after = edit(site, before, tools)
        problems = []
        for page in pages:
            now, _ = read(urls[page] or after.get_absolute_url())
            problems += edit_problems(page, before, shown_before[page], after, warmed[page], now, query)
        assert problems == []


# --- Renames: the name, wherever it is shown.

RENAMES = {
    "reporter_rename": (REPORTER, REPORTER_RENAMED,
                        ["article", "home", "issue", "zone", "tag", "reporter", "feed", "zone_feed", "tag_feed",
                         "search"]),
    "zone_rename": (ZONE, ZONE_RENAMED, ["article", "home", "zone", "zones", "zone_feed"]),
    "topic_rename": (TOPIC, TOPIC_RENAMED, ["article", "tag", "tag_feed", "feed", "zone_feed"]),
    "topic_merge": (TOPIC, TOPIC_TARGET, ["article", "tag", "tag_feed", "feed", "zone_feed"]),
}


def rename(path: str, site: Site, editor) -> None:
    if path == "reporter_rename":
        url = f"/admin/newsroom/reporter/{Reporter.objects.get(name=REPORTER).pk}/change/"
        editor.post(url, change_form_data(editor, url, name=REPORTER_RENAMED))
    elif path == "zone_rename":
        url = f"/admin/zones/zone/{site.zone.pk}/change/"
        editor.post(url, change_form_data(editor, url, name=ZONE_RENAMED))
    elif path == "topic_rename":
        url = f"/admin/taggit/tag/{Tag.objects.get(name=TOPIC).pk}/change/"
        editor.post(url, change_form_data(editor, url, name=TOPIC_RENAMED))
    else:
        tags = [Tag.objects.get(name=TOPIC), Tag.objects.create(name=TOPIC_TARGET)]
        editor.post("/admin/taggit/tag/", {
            "action": "merge_selected", "_merge_confirm": "yes", "merged_name": TOPIC_TARGET,
            "_selected_action": [t.pk for t in tags], **{f"_seen_name_{t.pk}": t.name for t in tags},
        })


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
class TestRenamesAreVisibleAtOnce:
    @pytest.mark.parametrize("path", list(RENAMES))
    def test_the_next_request_shows_the_new_name_on_every_affected_page(self, site, editor_client, path):
        old, new, pages = RENAMES[path]
        # The body does not name the zone, so that the old name is gone from every page.
        article = site.make(body=f"<p>今年{SEARCH_WORD[HEADLINE]}。</p>")
        urls = {**page_urls(site, article), "search": f"/search/?q={SEARCH_WORD[HEADLINE]}"}
        warmed = {page: warm(urls[page]).content.decode() for page in pages}
        rename(path, site, editor_client)
        problems = []
        for page in pages:
            now, _ = read(urls[page])
            text = now.content.decode()
            if (old in warmed[page], new in warmed[page]) != (True, False):
                problems.append(f"{page}: the warmed page did not show the old name alone")
            if (now.status_code, old in text, new in text) != (200, False, True):
                problems.append(f"{page}: the new name is not shown alone (status {now.status_code})")
        assert problems == []


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
class TestWritesPastTheSignals:
    def test_rebuilding_the_search_index_shows_on_the_search_page(self, site):
        """The rebuild writes search_text in bulk; a search cached before it must not stay."""
        article = site.make()
        url = f"/search/?q={SEARCH_WORD[EDITED]}"
        warmed = warm(url)
        # What an older tokenizer or an import's late indexing leaves: text not yet searchable.
        Article.objects.filter(pk=article.pk).update(body=f"<p>{SEARCH_WORD[EDITED]}。</p>")
        call_command("rebuild_search_index", stdout=StringIO(), stderr=StringIO())
        now, _ = read(url)
        assert article.get_absolute_url() not in warmed.content.decode()
        assert article.get_absolute_url() in now.content.decode()
