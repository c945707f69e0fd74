"""Subscribers at the desk: the list and its counts by status, search and filters, CSV export
(Excel-safe) and import (every row checked first, all or nothing, never a resurrection)."""
import codecs
import csv
import io

import pytest
from django.contrib.messages import get_messages
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from taggit.models import Tag

from newsroom.mailing.models import Subscriber
from newsroom.mailing.subscriber_csv import safe_cell, unformula

pytestmark = pytest.mark.django_db

LIST = "/admin/mailing/subscriber/"
HOSTILE_TOPICS = ['=HYPERLINK("http://evil.example","点我")', "@SUM(1+1)", "+86 10", "-2+3"]


def message_texts(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def upload(text: str, *, encoding: str = "utf-8", name: str = "订阅者.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode(encoding), content_type="text/csv")


def import_csv(client, text: str, *, status: str = "pending", consent: bool = False, encoding: str = "utf-8"):
    data = {"file": upload(text, encoding=encoding), "status": status}
    if consent:
        data["consent"] = "on"
    return client.post(LIST + "import/", data)


def exported(response) -> tuple[bytes, list[list[str]]]:
    body = b"".join(response.streaming_content)
    return body, list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


@pytest.fixture
def zones(make_zone):
    return make_zone("济南高新区"), make_zone("成都高新区")


@pytest.fixture
def readers(zones):
    jinan, chengdu = zones
    a = Subscriber.objects.create(email="a@example.com", status="confirmed")
    a.zones.add(jinan, chengdu)
    a.topics.add(Tag.objects.create(name="人工智能", slug="ren-gong-zhi-neng"))
    Subscriber.objects.create(email="b@example.com", status="confirmed")
    Subscriber.objects.create(email="c@example.com", status="pending")
    Subscriber.objects.create(email="d@example.com", status="unsubscribed")
    Subscriber.objects.create(email="e@example.com", status="bounced")


class TestList:
    def test_lists_addresses_with_status_and_how_many_zones_and_topics(self, editor_client, readers):
        response = editor_client.get(LIST)
        rows = {sub.email: sub for sub in response.context["cl"].result_list}
        assert set(rows) == {"a@example.com", "b@example.com", "c@example.com", "d@example.com", "e@example.com"}
        assert (rows["a@example.com"]._zone_count, rows["a@example.com"]._topic_count) == (2, 1)
        assert (rows["b@example.com"]._zone_count or 0, rows["b@example.com"]._topic_count or 0) == (0, 0)
        assert "已退订" in response.content.decode()

    def test_counts_by_status_head_the_list(self, editor_client, readers):
        response = editor_client.get(LIST)
        assert response.context["status_counts"] == [
            ("pending", "待确认", 1), ("confirmed", "已订阅", 2), ("paused", "已暂停", 0),
            ("unsubscribed", "已退订", 1), ("bounced", "退信停发", 1), ("complained", "投诉停发", 0),
        ]
        assert '<strong class="subscriber-counts__confirmed">2</strong>' in response.content.decode()

    def test_the_list_costs_the_same_queries_for_five_or_a_hundred_subscribers(self, editor_client, readers, zones):
        with CaptureQueriesContext(connection) as five:
            editor_client.get(LIST)
        for n in range(95):
            sub = Subscriber.objects.create(email=f"more{n}@example.com", status="confirmed")
            sub.zones.add(*zones)
        with CaptureQueriesContext(connection) as hundred:
            editor_client.get(LIST)
        assert len(hundred) == len(five)
        counts = [q["sql"] for q in five.captured_queries if q["sql"].startswith('SELECT "mailing_subscriber"."status"')]
        assert len(counts) == 1

    def test_the_list_stays_within_its_query_budget(self, editor_client, readers, django_assert_max_num_queries):
        with django_assert_max_num_queries(9):
            editor_client.get(LIST)

    def test_search_by_address(self, editor_client, readers):
        response = editor_client.get(LIST, {"q": "b@exa"})
        assert [sub.email for sub in response.context["cl"].result_list] == ["b@example.com"]

    def test_filter_by_status(self, editor_client, readers):
        response = editor_client.get(LIST, {"status__exact": "confirmed"})
        assert sorted(sub.email for sub in response.context["cl"].result_list) == ["a@example.com", "b@example.com"]

    def test_an_address_added_at_the_desk_is_stored_in_its_one_form(self, editor_client):
        response = editor_client.post(LIST + "add/", {"email": " Ｚｈａｎｇ＠Example.COM ", "status": "confirmed"})
        assert response.status_code == 302
        sub = Subscriber.objects.get()
        assert (sub.email, sub.source) == ("zhang@example.com", "admin")

    def test_reporters_do_not_see_subscribers(self, reporter_client, readers):
        assert reporter_client.get(LIST).status_code == 403
        assert reporter_client.get(LIST + "export/").status_code == 403


class TestExport:
    def test_everyone_as_utf8_with_a_bom_for_excel(self, editor_client, readers):
        body, rows = exported(editor_client.get(LIST + "export/"))
        assert body.startswith(codecs.BOM_UTF8)
        assert rows[0] == ["电子邮件", "状态", "关注的高新区", "关注的话题", "登记时间", "确认时间"]
        by_email = {row[0]: row for row in rows[1:]}
        assert len(by_email) == 5
        assert by_email["a@example.com"][1] == "已订阅"
        assert sorted(by_email["a@example.com"][2].split("；")) == ["成都高新区", "济南高新区"]
        assert by_email["a@example.com"][3] == "人工智能"
        assert by_email["d@example.com"][1] == "已退订"

    def test_the_filtered_list_exports_what_the_page_shows(self, editor_client, readers):
        _body, rows = exported(editor_client.get(LIST + "export/", {"status__exact": "confirmed", "q": "a@"}))
        assert [row[0] for row in rows[1:]] == ["a@example.com"]

    def test_a_filter_the_list_does_not_know_leads_back_to_the_list(self, editor_client, readers):
        response = editor_client.get(LIST + "export/", {"status__exact": "confirmed", "created_at__gte": "不是日期"})
        assert (response.status_code, response["Location"]) == (302, LIST + "?e=1")

    def test_the_selected_rows_export_from_the_action(self, editor_client, readers):
        picked = Subscriber.objects.filter(email__in=["b@example.com", "c@example.com"]).values_list("pk", flat=True)
        response = editor_client.post(LIST, {"action": "export_selected", "_selected_action": list(picked)})
        _body, rows = exported(response)
        assert sorted(row[0] for row in rows[1:]) == ["b@example.com", "c@example.com"]

    def test_cells_a_spreadsheet_would_run_are_text(self, editor_client, zones):
        sub = Subscriber.objects.create(email="=cmd@example.com", status="confirmed")
        sub.topics.add(*(Tag.objects.create(name=name, slug=f"t{i}") for i, name in enumerate(HOSTILE_TOPICS)))
        _body, rows = exported(editor_client.get(LIST + "export/"))
        email, _status, _zones, topics = rows[1][:4]
        assert email == "'=cmd@example.com"
        # What a spreadsheet runs is a cell that starts with a formula sign: the cell's first
        # character is the apostrophe, whatever name comes first.
        assert topics[0] == "'"
        assert sorted(topics[1:].split("；")) == sorted(HOSTILE_TOPICS)

    @pytest.mark.parametrize("value", ["=1+1", "+1", "-1", "@A1", "\t=1", "\r=1"])
    def test_every_formula_start_is_defused_and_comes_back(self, value):
        assert safe_cell(value) == "'" + value
        assert unformula(safe_cell(value)) == value

    def test_an_ordinary_apostrophe_is_kept(self):
        assert unformula("'quoted@example.com") == "'quoted@example.com"


class TestImport:
    def test_a_round_trip_with_hostile_cells_restores_every_address_and_choice(self, editor_client, zones):
        jinan, _chengdu = zones
        tags = [Tag.objects.create(name=name, slug=f"t{i}") for i, name in enumerate(HOSTILE_TOPICS)]
        hostile = Subscriber.objects.create(email="=cmd@example.com", status="confirmed")
        hostile.topics.add(*tags)
        hostile.zones.add(jinan)
        Subscriber.objects.create(email="-plain@example.com", status="confirmed")
        body, _rows = exported(editor_client.get(LIST + "export/"))
        Subscriber.objects.all().delete()
        response = import_csv(editor_client, body.decode("utf-8-sig"), status="confirmed", consent=True)
        assert message_texts(response) == ["导入完成：新增 2 位，更新 0 位。"]
        restored = Subscriber.objects.get(email="=cmd@example.com")
        assert restored.status == "confirmed" and restored.source == "import"
        assert sorted(t.name for t in restored.topics.all()) == sorted(HOSTILE_TOPICS)
        assert [z.name for z in restored.zones.all()] == ["济南高新区"]
        assert Subscriber.objects.filter(email="-plain@example.com").exists()

    def test_bad_rows_are_named_by_line_and_nothing_is_written(self, editor_client, zones):
        text = (
            "email,zones,topics\n"
            "ok@example.com,济南高新区,\n"
            "not-an-address,,\n"
            '"two\nlines@example.com",,\n'
            "x@example.com,火星高新区,\n"
            "OK@Example.com,,\n"
            ",,\n"
            "y@example.com,,没有的话题\n"
        )
        response = import_csv(editor_client, text)
        assert response.status_code == 200
        assert response.context["problems"] == [
            "第 3 行：“not-an-address”不是有效的电子邮件地址。",
            "第 4 行：电子邮件地址含有不可见字符。",  # the quoted record spans lines 4 and 5
            "第 6 行：没有名为“火星高新区”的高新区",
            "第 7 行：与第 2 行的地址重复",
            "第 9 行：没有名为“没有的话题”的话题",
        ]
        assert "有 5 行不能导入，整个文件都没有写入。请改正后重新上传：" in response.content.decode()
        assert not Subscriber.objects.exists()

    def test_importing_the_same_file_twice_adds_nobody_the_second_time(self, editor_client, zones):
        text = "电子邮件,关注的高新区\na@example.com,济南高新区、成都高新区\nb@example.com,\n"
        first = import_csv(editor_client, text, status="confirmed", consent=True)
        second = import_csv(editor_client, text, status="confirmed", consent=True)
        assert message_texts(first) == ["导入完成：新增 2 位，更新 0 位。"]
        assert message_texts(second)[-1] == "导入完成：新增 0 位，更新 2 位。"
        assert Subscriber.objects.count() == 2
        assert Subscriber.objects.get(email="a@example.com").zones.count() == 2

    def test_an_import_never_brings_back_who_left_bounced_or_complained(self, editor_client, readers):
        Subscriber.objects.create(email="f@example.com", status="complained")
        Subscriber.objects.create(email="g@example.com", status="paused")
        text = "email\n" + "".join(f"{c}@example.com\n" for c in "abcdefg")
        response = import_csv(editor_client, text, status="confirmed", consent=True)
        assert message_texts(response) == ["导入完成：新增 0 位，更新 4 位；3 位已退订或停发，状态保持不变。"]
        statuses = dict(Subscriber.objects.values_list("email", "status"))
        assert statuses == {
            "a@example.com": "confirmed", "b@example.com": "confirmed", "c@example.com": "confirmed",
            "d@example.com": "unsubscribed", "e@example.com": "bounced", "f@example.com": "complained",
            "g@example.com": "paused",
        }

    def test_a_pending_import_never_sets_a_confirmed_reader_back(self, editor_client, readers):
        import_csv(editor_client, "email\na@example.com\n")
        assert Subscriber.objects.get(email="a@example.com").status == "confirmed"

    def test_new_pending_addresses_are_asked_to_confirm(self, editor_client, readers, settings):
        settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
        response = import_csv(editor_client, "email\nnew1@example.com\nc@example.com\nnew2@example.com\n")
        assert message_texts(response) == ["导入完成：新增 2 位，更新 1 位；已给 2 个新地址发确认邮件。"]
        assert sorted(m.to[0] for m in mail.outbox) == ["new1@example.com", "new2@example.com"]
        assert all(m.subject == "请确认订阅《高新区通讯》" for m in mail.outbox)
        assert Subscriber.objects.get(email="new1@example.com").status == "pending"

    def test_confirmed_needs_the_editors_word_for_the_readers_consent(self, editor_client):
        response = import_csv(editor_client, "email\na@example.com\n", status="confirmed")
        assert "直接导入为“已订阅”时，请勾选“我确认这些地址的主人同意接收本刊邮件”。" in response.content.decode()
        assert not Subscriber.objects.exists()

    def test_a_file_saved_by_excel_on_chinese_windows_reads(self, editor_client, zones):
        response = import_csv(editor_client, "电子邮件,关注的高新区\nＡ＠example.com,成都高新区\n", encoding="gb18030",
                              status="confirmed", consent=True)
        assert message_texts(response) == ["导入完成：新增 1 位，更新 0 位。"]
        assert [z.name for z in Subscriber.objects.get(email="a@example.com").zones.all()] == ["成都高新区"]

    def test_a_file_without_an_email_column_is_refused(self, editor_client):
        response = import_csv(editor_client, "name,phone\n王芳,123\n")
        assert "第一行要有名为 email（或“电子邮件”）的列。" in response.content.decode()

    def test_a_file_that_is_not_csv_is_refused_with_its_line(self, editor_client):
        response = import_csv(editor_client, 'email\na@example.com\n"unclosed@example.com\n')
        html = response.content.decode()
        assert "第 3 行不是有效的 CSV，请检查引号是否成对。" in html
        assert not Subscriber.objects.exists()

    def test_reporters_cannot_import(self, reporter_client):
        assert reporter_client.post(LIST + "import/", {"file": upload("email\na@example.com\n"),
                                                       "status": "pending"}).status_code == 403
        assert not Subscriber.objects.exists()
