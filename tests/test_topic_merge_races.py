"""Two editors merging overlapping topics at the same moment, against gunicorn, on the suite's engine.

Each round, one editor merges 甲 and 乙 while the other merges 乙 and 丙. Exactly one of the
two may happen: the other finds 乙 gone and is refused on its confirmation page. No answer is
a 500, and every article ends with exactly the topics the winning merge gives it.
"""
import pytest

from tests.realserver import Browser, fresh_database, gunicorn, manage, orm, read_form, site_env
from tests.test_server_races import post_together

ROUNDS = 20
PASSWORD = "merge-race-password-1"

SETUP = f"""
from django.contrib.auth.models import Group, User
from taggit.models import Tag
from articles.models import Article
for username in ("editor_a", "editor_b"):
    User.objects.create_user(username, password="{PASSWORD}", is_staff=True).groups.add(Group.objects.get(name="编辑"))
result = []
for n in range({ROUNDS}):
    topics = [f"甲{{n}}", f"乙{{n}}", f"丙{{n}}"]
    tagged = {{"a": topics[:1], "b": topics[1:2], "c": topics[2:], "abc": topics}}
    articles = {{}}
    for key, names in tagged.items():
        article = Article.objects.create(headline=f"合并测试{{n}}{{key}}", body="<p>正文。</p>")
        article.tags.set(names)
        articles[key] = article.pk
    ids = {{name: Tag.objects.get(name=name).pk for name in topics}}
    result.append({{"articles": articles, "topics": ids}})
"""

STATE = """
from articles.models import Article
from reversion.models import Version
result = {
    str(a.pk): [sorted(a.tags.names()), a.version, Version.objects.get_for_object(a).count()]
    for a in Article.objects.filter(headline__startswith="合并测试")
}
"""


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("merges")
    with fresh_database(workdir) as url:
        env = site_env(url)
        done = manage(env, "migrate", "--noinput")
        assert done.returncode == 0, done.stderr
        rounds = orm(env, SETUP)
        with gunicorn(env, log=workdir / "gunicorn.log") as base:
            yield {"base": base, "env": env, "rounds": rounds}


def editor(site, username: str) -> Browser:
    browser = Browser(site["base"])
    browser.log_in(username, PASSWORD)
    return browser


def confirmation(browser: Browser, ids: list[int], into: str) -> list[tuple[str, str]]:
    """The merge page's form for the topics selected in the list, as the editor would submit it."""
    listing = browser.get("/admin/taggit/tag/")
    token = dict(read_form(listing.body, form_id="changelist-form"))["csrfmiddlewaretoken"]
    page = browser.post("/admin/taggit/tag/", [
        ("csrfmiddlewaretoken", token), ("action", "merge_selected"), *(("_selected_action", str(i)) for i in ids)
    ])
    assert page.status == 200, page.status
    form = [(k, v) for k, v in _merge_form(page.body) if k != "merged_name"]
    return [*form, ("merged_name", into)]


def _merge_form(html: str) -> list[tuple[str, str]]:
    start = html.index('<form method="post">')
    return read_form(html[start:].replace('<form method="post">', '<form method="post" id="merge">', 1), form_id="merge")


class TestSimultaneousMerges:
    def test_overlapping_merges_never_both_happen_and_never_fail(self, site):
        a, b = editor(site, "editor_a"), editor(site, "editor_b")
        winners = []
        for n, setup in enumerate(site["rounds"]):
            topics = setup["topics"]
            form_a = confirmation(a, [topics[f"甲{n}"], topics[f"乙{n}"]], f"戊{n}")
            form_b = confirmation(b, [topics[f"乙{n}"], topics[f"丙{n}"]], f"己{n}")
            response_a, response_b = post_together([(a, "/admin/taggit/tag/", form_a), (b, "/admin/taggit/tag/", form_b)])
            statuses = sorted([response_a.status, response_b.status])
            # The winner is sent back to the list (302); the other gets its page again with the refusal (200).
            assert statuses == [200, 302], statuses
            refused = response_a if response_a.status == 200 else response_b
            assert "未作任何合并：所选话题已被他人修改或删除" in refused.body
            winners.append("a" if response_a.status == 302 else "b")
        state = orm(site["env"], STATE)
        for n, (setup, winner) in enumerate(zip(site["rounds"], winners, strict=True)):
            articles = setup["articles"]
            if winner == "a":
                expected = {"a": [f"戊{n}"], "b": [f"戊{n}"], "c": [f"丙{n}"], "abc": sorted([f"戊{n}", f"丙{n}"])}
                changed = {"a", "b", "abc"}
            else:
                expected = {"a": [f"甲{n}"], "b": [f"己{n}"], "c": [f"己{n}"], "abc": sorted([f"甲{n}", f"己{n}"])}
                changed = {"b", "c", "abc"}
            for key, pk in articles.items():
                tags, version, revisions = state[str(pk)]
                # Saved once at creation (version 1, one revision), and once more if the merge changed it.
                assert (tags, version, revisions) == (expected[key], 2 if key in changed else 1, 2 if key in changed else 1)

    def test_a_merge_and_a_save_of_a_tagged_article_at_once_lose_nothing(self, site):
        """The editor's save and the merge of the article's topic, at the same moment, 10 times."""
        a, b = editor(site, "editor_a"), editor(site, "editor_b")
        setups = orm(site["env"], SAVE_SETUP)
        for n, (article_pk, topic_pk) in enumerate(setups):
            path = f"/admin/articles/article/{article_pk}/change/"
            article_form = read_form(a.get(path).body, form_id="article_form")
            article_form = [(k, f"改过的标题{n}" if k == "headline" else v) for k, v in article_form]
            merge_form = confirmation(b, [topic_pk], f"新话题{n}")
            saved, merged = post_together([(a, path, article_form), (b, "/admin/taggit/tag/", merge_form)])
            assert merged.status == 302, merged.status
            assert saved.status in (200, 302), saved.status
            stored = orm(site["env"], ARTICLE.format(pk=article_pk))
            # The merge always lands; the editor's headline lands exactly when the save was answered 302.
            assert stored == {
                "tags": [f"新话题{n}"],
                "headline": f"改过的标题{n}" if saved.status == 302 else f"保存测试{n}",
            }


SAVE_SETUP = """
from taggit.models import Tag
from articles.models import Article
result = []
for n in range(10):
    article = Article.objects.create(headline=f"保存测试{n}", body="<p>正文。</p>")
    article.tags.set([f"旧话题{n}"])
    result.append([article.pk, Tag.objects.get(name=f"旧话题{n}").pk])
"""

ARTICLE = """
from articles.models import Article
article = Article.objects.get(pk={pk})
result = {{"tags": sorted(article.tags.names()), "headline": article.headline}}
"""
