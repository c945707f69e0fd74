"""A push whose worker died, or that never started, no longer hides 推送到草稿箱: the button
shows, and pressing it gives that push up and queues a new one (push_start's rule)."""
import datetime

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.utils import timezone

from articles.models import Article
from newsroom.editions.models import WechatPush
from tests.wechatserver import APPID, SECRET

pytestmark = pytest.mark.django_db


@pytest.fixture
def configured(settings):
    settings.NEWSROOM_WECHAT_APPID = APPID
    settings.NEWSROOM_WECHAT_SECRET = SECRET


@pytest.fixture
def chief_client(editor_user):
    editor_user.groups.add(Group.objects.get(name="总编辑"))
    client = Client()
    client.force_login(editor_user)
    return client


@pytest.fixture
def article(make_article) -> Article:
    return make_article("园区新政出台", status="draft")


def page(client, article) -> str:
    return client.get(f"/admin/articles/article/{article.pk}/wechat/").content.decode()


def form(article) -> str:
    return f'<form method="post" action="/admin/articles/article/{article.pk}/wechat/push/">'


def push(article, **fields) -> WechatPush:
    made = WechatPush.objects.create(article=article, status=fields.pop("status"))
    WechatPush.objects.filter(pk=made.pk).update(**fields)
    return made


class TestStalePushes:
    def test_a_push_whose_worker_died_shows_the_button_again(self, configured, chief_client, article):
        push(article, status="pushing", started_at=timezone.now() - datetime.timedelta(minutes=16))
        content = page(chief_client, article)
        assert form(article) in content
        assert "正在推送，完成后刷新本页查看结果。" not in content

    def test_pressing_it_gives_the_dead_push_up_and_queues_a_new_one(self, configured, chief_client, article):
        stuck = push(article, status="pushing", started_at=timezone.now() - datetime.timedelta(minutes=16))
        chief_client.post(f"/admin/articles/article/{article.pk}/wechat/push/")
        assert [(row.pk == stuck.pk, row.status) for row in WechatPush.objects.order_by("pk")] == [
            (True, "failed"), (False, "queued")]

    def test_a_push_queued_an_hour_without_a_worker_shows_the_button_again(self, configured, chief_client, article):
        push(article, status="queued", requested_at=timezone.now() - datetime.timedelta(minutes=61))
        assert form(article) in page(chief_client, article)

    @pytest.mark.parametrize(("status", "fields"), [
        ("pushing", {"started_at_minutes": 14}),
        ("queued", {"requested_at_minutes": 59}),
    ])
    def test_a_push_still_within_its_time_keeps_the_button_hidden(self, configured, chief_client, article, status, fields):
        (name, minutes), = fields.items()
        push(article, status=status, **{name.removesuffix("_minutes"): timezone.now() - datetime.timedelta(minutes=minutes)})
        content = page(chief_client, article)
        assert form(article) not in content
        assert "正在推送，完成后刷新本页查看结果。" in content
