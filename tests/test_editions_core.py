"""The editions' core: the site information (one row, with history, the rules for internal
publications), the roles' permissions, and publishing asking for the print edition."""
import pytest
import reversion
from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from django_tasks_db.models import DBTaskResult
from reversion.models import Version

from newsroom import tasks
from newsroom.editions.models import INTERNAL_LINE, PrintEdition, SiteInfo
from newsroom.publishing import issue_publish

pytestmark = pytest.mark.django_db


def print_tasks() -> list[list]:
    return [row.args_kwargs["args"] for row in DBTaskResult.objects.filter(task_path="newsroom.tasks.print_issue").order_by("enqueued_at", "id")]


class TestSiteInfo:
    def test_defaults_until_saved(self):
        info = SiteInfo.current()
        assert (info.pk, info.name, info.internal, info.internal_line, info._state.adding) == (1, "高新区通讯", False, "", True)

    def test_one_row_whatever_the_pk(self):
        SiteInfo(pk=7, name="甲").save()
        SiteInfo(name="乙").save()
        assert list(SiteInfo.objects.values_list("pk", "name")) == [(1, "乙")]

    def test_internal_publication_needs_its_permit_publisher_and_readers(self):
        info = SiteInfo(internal=True, permit_number=" ")
        with pytest.raises(ValidationError) as refused:
            info.clean()
        assert refused.value.message_dict == {
            "permit_number": ["内部资料性出版物必须填写准印证号。"],
            "publisher": ["内部资料性出版物必须填写编印单位。"],
            "distribution": ["内部资料性出版物必须填写发送对象。"],
        }
        info = SiteInfo(internal=True, permit_number="（京）0123号", publisher="某高新区管委会", distribution="园区企业")
        info.clean()
        assert info.internal_line == INTERNAL_LINE == "内部资料 免费交流"


class TestSiteInfoAdmin:
    def test_list_leads_to_add_then_to_the_row(self, editor_client):
        assert editor_client.get("/admin/editions/siteinfo/")["Location"] == "/admin/editions/siteinfo/add/"
        response = editor_client.post("/admin/editions/siteinfo/add/", {
            "name": "高新区通讯", "sponsor": "某某高新区管委会", "address": "北京市海淀区", "postcode": "100080",
            "phone": "010-12345678", "email": "news@example.cn", "website": "", "permit_number": "",
            "publisher": "", "distribution": "", "printer": "", "print_run": "",
        })
        assert response.status_code == 302
        assert editor_client.get("/admin/editions/siteinfo/")["Location"] == "/admin/editions/siteinfo/1/change/"
        assert editor_client.get("/admin/editions/siteinfo/add/")["Location"] == "/admin/editions/siteinfo/1/change/"
        assert SiteInfo.objects.get().sponsor == "某某高新区管委会"

    def test_internal_without_permit_is_refused_in_chinese(self, editor_client):
        response = editor_client.post("/admin/editions/siteinfo/add/", {"name": "高新区通讯", "internal": "on"})
        assert response.status_code == 200
        assert "内部资料性出版物必须填写准印证号。" in response.content.decode()
        assert not SiteInfo.objects.exists()

    def test_each_save_is_kept_in_the_history(self, editor_client):
        for sponsor in ("甲单位", "乙单位"):
            editor_client.post("/admin/editions/siteinfo/add/" if sponsor == "甲单位" else "/admin/editions/siteinfo/1/change/", {
                "name": "高新区通讯", "sponsor": sponsor,
            })
        versions = Version.objects.get_for_object(SiteInfo.objects.get())
        assert [v.field_dict["sponsor"] for v in versions] == ["乙单位", "甲单位"]
        history = editor_client.get("/admin/editions/siteinfo/1/history/").content.decode()
        assert history.count("/admin/editions/siteinfo/1/history/") >= 2
        assert reversion.is_registered(SiteInfo)

    def test_no_delete(self, editor_client):
        SiteInfo(sponsor="甲").save()
        assert editor_client.post("/admin/editions/siteinfo/1/delete/", {"post": "yes"}).status_code == 403
        assert SiteInfo.objects.count() == 1


class TestRoles:
    def test_only_the_chief_may_print_again_or_push(self):
        for codename in ("print_edition", "push_wechat"):
            permission = Permission.objects.get(content_type__app_label="editions", codename=codename)
            assert list(permission.group_set.values_list("name", flat=True)) == ["总编辑"]
        change = Permission.objects.get(content_type__app_label="editions", codename="change_siteinfo")
        assert sorted(change.group_set.values_list("name", flat=True)) == ["总编辑", "编辑"]


class TestPrintRequests:
    def test_publishing_asks_for_the_print_edition(self, make_issue, make_article, editor_user):
        from django.contrib.auth.models import Group

        editor_user.groups.add(Group.objects.get(name="总编辑"))
        issue = make_issue(number=3, status="draft")
        make_article("报道", issue=issue, status="draft")
        issue_publish(issue=issue, user=editor_user)
        edition = PrintEdition.objects.get(issue=issue)
        assert (edition.status, edition.generation, edition.requested_by) == ("pending", 1, editor_user)
        assert print_tasks() == [[issue.pk, 1]]

    def test_the_import_asks_for_it_too(self, imported_seed):
        edition = PrintEdition.objects.get(issue=imported_seed)
        assert (edition.status, edition.generation, edition.requested_by) == ("pending", 1, None)
        assert print_tasks() == [[imported_seed.pk, 1]]

    def test_each_request_is_a_new_generation(self, make_issue, editor_user):
        issue = make_issue(number=4)
        PrintEdition.objects.create(issue=issue, status="failed", generation=3, problem="字体缺失")
        edition = tasks.issue_print_request(issue=issue, by=editor_user)
        assert (edition.generation, edition.status, edition.problem) == (4, "pending", "")
        assert print_tasks() == [[issue.pk, 4]]
