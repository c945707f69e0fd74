"""The issue page's 印刷版 section in a real browser (CSP watched, every page through the Nu
Html Checker): a ready edition with its pages, PDF and 数字报, then 重新生成."""
import pytest
from playwright.sync_api import expect

from newsroom.editions import printing
from newsroom.editions.models import PrintEdition
from tests.test_browser_admin import open_page, superuser  # noqa: F401  (fixtures)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_the_chief_editor_sees_the_edition_and_prints_it_again(open_page, live_server, settings, tmp_path,  # noqa: F811
                                                                imported_seed):
    settings.MEDIA_ROOT = tmp_path / "media"
    assert printing.print_edition_make(imported_seed.pk, 1) == "ready"
    edition = PrintEdition.objects.get(issue=imported_seed)
    page = open_page(superuser("chief", "王芳"))
    page.goto(f"{live_server.url}/admin/newsroom/issue/{imported_seed.pk}/change/")
    section = page.get_by_role("region", name="印刷版")
    expect(section.get_by_role("heading", name="状态：已生成")).to_be_visible()
    expect(section).to_contain_text("共 2 版，PDF ")
    expect(section.get_by_role("link", name="下载 PDF")).to_have_attribute("href", f"/media/{edition.pdf.name}")
    expect(section.get_by_role("link", name="查看数字报")).to_have_attribute("href", "/epaper/1/")

    section.get_by_role("button", name="重新生成印刷版").click()
    expect(page.locator(".messagelist")).to_contain_text("已请求重新生成第1期的印刷版，稍后在下方“印刷版”查看结果。")
    expect(page.get_by_role("region", name="印刷版").get_by_role("heading", name="状态：排队中")).to_be_visible()
    assert PrintEdition.objects.get(issue=imported_seed).generation == 2
