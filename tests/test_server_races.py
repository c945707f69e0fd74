"""Real concurrent clients against gunicorn, on the suite's database engine.

CI runs the suite on SQLite and on PostgreSQL, so these run against both: two editors
saving the same article at the same moment, 100 times, and readers and an editor using
the site while a 1,500-article issue is imported. 0 lost updates, 0 responses of 500 or
more, and every refused editor gets the form back with what they typed.
"""
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.realserver import (
    Browser,
    field,
    fresh_database,
    gunicorn,
    manage,
    orm,
    read_form,
    seeded_site_env,
    set_field,
)

PAIRS = 100
PASSWORD = "race-password-1"

SETUP = f"""
from django.contrib.auth.models import Group, User
from articles.models import Article, Byline
from newsroom.models import Reporter
for username, name in [("editor_a", "甲编辑"), ("editor_b", "乙编辑")]:
    user = User.objects.create_user(username, password="{PASSWORD}", is_staff=True, first_name=name)
    user.groups.add(Group.objects.get(name="编辑"))
article = Article.objects.create(headline="并发测试稿", body="<p>成都高新区今年新增企业一千家。</p>")
Byline.objects.create(article=article, reporter=Reporter.objects.create(name="测试记者"))
result = article.pk
"""

REVISIONS = """
from articles.revisions import history as revisions
from articles.models import Article
article = Article.objects.get(pk={pk})
result = {{
    "headline": article.headline, "standfirst": article.standfirst, "version": article.version,
    "numbers": [revisions.version_number(v) for v in revisions.article_versions(article=article)],
}}
"""


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """A migrated database with the seed, two editors and one draft, served by gunicorn."""
    workdir = tmp_path_factory.mktemp("served")
    with fresh_database(workdir) as url:
        env = seeded_site_env(url)
        article_pk = orm(env, SETUP)
        with gunicorn(env, log=workdir / "gunicorn.log") as base:
            yield {"base": base, "env": env, "article": article_pk, "workdir": workdir}


def editor(site, username: str) -> Browser:
    browser = Browser(site["base"])
    browser.log_in(username, PASSWORD)
    return browser


def change_path(site) -> str:
    return f"/admin/articles/article/{site['article']}/change/"


def load_form(browser: Browser, path: str) -> list[tuple[str, str]]:
    page = browser.get(path)
    assert page.status == 200, page.status
    return read_form(page.body, form_id="article_form")


def post_together(pairs: list[tuple[Browser, str, list]]):
    """Every browser POSTs at the same moment (a barrier right before sending)."""
    barrier = threading.Barrier(len(pairs))

    def send(browser, path, form):
        barrier.wait()
        return browser.post(path, form)

    with ThreadPoolExecutor(len(pairs)) as pool:
        return [f.result() for f in [pool.submit(send, *p) for p in pairs]]


class TestSimultaneousSaves:
    def test_pairs_of_saves_lose_no_update_and_never_fail(self, site):
        """100 pairs: one editor changes the headline, the other the 导语, at the same moment."""
        path = change_path(site)
        a, b = editor(site, "editor_a"), editor(site, "editor_b")
        expected = {"headline": "并发测试稿", "standfirst": ""}
        outcomes = []
        for n in range(PAIRS):
            form_a, form_b = load_form(a, path), load_form(b, path)
            # What the last round's winner saved is what both editors now see: nothing was lost.
            assert (field(form_a, "headline"), field(form_b, "standfirst")) == (expected["headline"], expected["standfirst"])
            typed = {"headline": f"第{n}轮·甲改标题", "standfirst": f"第{n}轮·乙改导语"}
            response_a, response_b = post_together([
                (a, path, set_field(form_a, "headline", typed["headline"])),
                (b, path, set_field(form_b, "standfirst", typed["standfirst"])),
            ])
            outcomes.append(sorted([response_a.status, response_b.status]))
            for name, response in (("headline", response_a), ("standfirst", response_b)):
                if response.status == 302:
                    expected[name] = typed[name]
                else:
                    assert_refused_with_text_kept(response, name, typed[name])
        assert outcomes == [[200, 302]] * PAIRS
        stored = orm(site["env"], REVISIONS.format(pk=site["article"]))
        assert (stored["headline"], stored["standfirst"]) == (expected["headline"], expected["standfirst"])
        assert stored["version"] == 1 + PAIRS
        assert stored["numbers"] == list(range(1 + PAIRS, 0, -1))

    def test_many_saves_at_once_queue_and_one_per_version_wins(self, site):
        """Eight saves at once, four per article: writers queue instead of failing, and one save per version wins."""
        pks = orm(site["env"], "from articles.models import Article\nresult = list(Article.objects.filter(issue__number=1).values_list('pk', flat=True))")
        browsers = [editor(site, name) for name in ("editor_a", "editor_b")]
        jobs = []
        for k, pk in enumerate(pks * 4):
            browser = Browser(site["base"])
            browser.cookies = dict(browsers[k % 2].cookies)
            path = f"/admin/articles/article/{pk}/change/"
            jobs.append((browser, path, set_field(load_form(browser, path), "kicker", f"引题{k}")))
        by_article = {}
        for (_browser, path, _form), response in zip(jobs, post_together(jobs), strict=True):
            by_article.setdefault(path, []).append(response.status)
        # Four saves of each article from the same version: one wins, three are refused.
        assert {path: sorted(s) for path, s in by_article.items()} == {
            f"/admin/articles/article/{pk}/change/": [200, 200, 200, 302] for pk in pks
        }


    def test_list_and_form_saves_of_one_article_at_once_lose_nothing(self, site):
        """20 pairs: one editor renumbers the article in the list while the other saves its form."""
        a, b = editor(site, "editor_a"), editor(site, "editor_b")
        path, pk = change_path(site), str(site["article"])
        outcomes = []
        for n in range(20):
            form_a = set_field(load_form(a, path), "kicker", f"第{n}轮·表单")
            listing = b.get("/admin/articles/article/")
            rows = read_form(listing.body, form_id="changelist-form")
            [row] = [k.removesuffix("-id") for k, v in rows if k.endswith("-id") and v == pk]
            rows = set_field(rows, f"{row}-position", str(100 + n)) + [("_save", "保存")]
            response_a, response_b = post_together([(a, path, form_a), (b, "/admin/articles/article/", rows)])
            outcomes.append(sorted([response_a.status, response_b.status]))
            if response_b.status == 200:
                assert "保存未成功" in response_b.body
                assert field(read_form(response_b.body, form_id="changelist-form"), f"{row}-position") == str(100 + n)
            else:
                assert_refused_with_text_kept(response_a, "kicker", f"第{n}轮·表单")
        assert outcomes == [[200, 302]] * 20


def assert_refused_with_text_kept(response, name: str, typed: str) -> None:
    assert response.status == 200, response.status
    assert "保存未成功" in response.body
    assert field(read_form(response.body, form_id="article_form"), name) == typed


def big_issue(articles: int) -> str:
    names = ["张三", "李四", "王五", "赵六", "钱七"]
    return "\n\n".join(
        f"第{i}号园区推进创新发展\n\n► 记者 {names[i % 5]}\n\n"
        f"成都高新区今年第{i}个项目落地，投资超过{i}亿元。\n\n园区负责人表示，将继续优化营商环境。"
        for i in range(1, articles + 1)
    ) + "\n"


class TestSiteDuringAnImport:
    def test_readers_and_an_editor_are_served_throughout_a_1500_article_import(self, site):
        source = site["workdir"] / "big.txt"
        source.write_text(big_issue(1500), encoding="utf-8")
        importing = threading.Event()
        importing.set()
        statuses, saves = [], []
        first = orm(site["env"], "from articles.models import Article\nresult = Article.objects.filter(issue__number=1).order_by('position').first().get_absolute_url()")
        pages = ["/", "/issues/", "/issues/1/", first, "/search/?q=%E9%AB%98%E6%96%B0%E5%8C%BA", "/feed/", "/zones/"]

        def read(offset: int):
            reader, k = Browser(site["base"]), offset
            while importing.is_set():
                statuses.append((pages[k % len(pages)], reader.get(pages[k % len(pages)]).status))
                k += 1

        def edit():
            browser, path = editor(site, "editor_a"), change_path(site)
            while importing.is_set():
                form = load_form(browser, path)
                saves.append(browser.post(path, set_field(form, "kicker", f"导入期间保存{len(saves)}")).status)

        with ThreadPoolExecutor(4) as pool:
            workers = [pool.submit(read, k) for k in range(3)] + [pool.submit(edit)]
            done = manage(site["env"], "import_issue", str(source), "--number", "2", "--publish")
            importing.clear()
            for worker in workers:
                worker.result()
        assert done.returncode == 0, done.stderr
        assert "新建 1500 篇" in done.stdout
        failed = [(url, status) for url, status in statuses if status != 200]
        assert failed == []
        assert len(statuses) >= 20
        assert saves and set(saves) == {302}
