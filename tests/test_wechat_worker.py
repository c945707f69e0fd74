"""推送到草稿箱 as an operator runs it: the real `manage.py db_worker` pushing to the stand-in
of WeChat's API, and two processes needing the access token at the same moment."""
import threading

import pytest

from tests.realserver import fresh_database, manage, orm, seeded_site_env
from tests.wechatserver import APPID, SECRET, wechat_server


@pytest.fixture(scope="module")
def wechat():
    with wechat_server() as server:
        yield server


@pytest.fixture(scope="module")
def site(tmp_path_factory, wechat):
    workdir = tmp_path_factory.mktemp("wechat-worker")
    with fresh_database(workdir) as url:
        yield seeded_site_env(
            url, DJANGO_MEDIA_ROOT=str(workdir / "media"), NEWSROOM_WECHAT_APPID=APPID,
            NEWSROOM_WECHAT_SECRET=SECRET, NEWSROOM_WECHAT_API_URL=wechat.url,
        )


PUSH = """
from articles.body import figure_html
from articles.models import Article
from newsroom import tasks
from tests.pictures import add_image
article = Article.objects.get(headline__startswith="国家高新区")
figure = add_image(seed=3, width=600, height=400, alt="生产车间", caption="生产线")
article.lead_image = add_image(seed=4, width=640, height=400, alt="开工现场")
article.body += figure_html(image_id=figure.pk, src=figure.file.url, alt=figure.alt, width=600, height=400,
                            caption=figure.caption)
article.save()
result = tasks.article_wechat_push(article=article, by=None).pk
"""


class TestWorker:
    def test_the_worker_pushes_the_feature_to_the_draft_box(self, site, wechat):
        push_id = orm(site, PUSH)
        done = manage(site, "db_worker", "--batch", "--no-reload", "--no-startup-delay", timeout=300)
        assert done.returncode == 0, done.stdout + done.stderr
        push = orm(site, f"""
from newsroom.editions.models import WechatPush
push = WechatPush.objects.get(pk={push_id})
result = [push.status, push.media_id, push.problem]
""")
        [draft] = wechat.drafts
        assert push == ["done", draft.media_id, ""]
        assert (draft.escaped, draft.foreign_images, len(wechat.body_images), len(wechat.materials)) == (False, [], 2, 1)
        assert draft.articles[0]["title"] == "国家高新区忙开局奋力“开门红”"


RACE = """
import pathlib, time
from newsroom.editions.wechat_api import WechatClient
ready = pathlib.Path({folder!r})
(ready / "{name}").touch()
while len(list(ready.iterdir())) < 2:
    time.sleep(0.01)
result = WechatClient.from_settings().access_token()
"""


class TestTokenRace:
    def test_two_processes_needing_a_token_at_once_fetch_it_once(self, site, wechat, tmp_path):
        """The second waits on the row's lock and reads the first one's token: had it fetched
        its own, WeChat would have invalidated the first one's (the stand-in does so too)."""
        orm(site, "from newsroom.editions.models import WechatToken\nWechatToken.objects.all().delete()")
        issued = wechat.tokens_issued
        wechat.delay = 0.5  # the first fetch is still under way when the second process asks
        tokens = {}

        def fetch(name):
            tokens[name] = orm(site, RACE.format(folder=str(tmp_path), name=name))

        threads = [threading.Thread(target=fetch, args=(name,)) for name in ("a", "b")]
        try:
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=120)
        finally:
            wechat.delay = 0
        assert tokens == {"a": wechat.token, "b": wechat.token}
        assert wechat.tokens_issued == issued + 1

