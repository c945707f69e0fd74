"""The 校对 panel in a real browser: proofread typed text on demand and find each finding in place."""
import pytest
from playwright.sync_api import expect

from articles.models import ProofWord
from tests.test_browser_admin import first_editor, open_page  # noqa: F401  (fixtures)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def blocked_word(db):
    # Made here: rows from data migrations do not reliably survive live-server flushes.
    ProofWord.objects.update_or_create(word="再接再励", defaults={"severity": "block", "replacement": "再接再厉"})


def selection_after_next_frame(page) -> str:
    # The panel selects on the next animation frame, after ProseMirror has taken focus.
    # (wait_for_function would evaluate a string in the page, which the CSP forbids.)
    return page.evaluate(
        "new Promise(done => requestAnimationFrame(() => requestAnimationFrame("
        "() => done(window.getSelection().toString()))))"
    )


class TestProofPanel:
    def test_on_demand_check_finds_typed_text_and_selects_it(
        self, open_page, live_server, first_editor, draft_article, blocked_word  # noqa: F811
    ):
        """Typed, unsaved text is proofread on demand; 定位 selects the finding in the editor."""
        page = open_page(first_editor)
        page.goto(f"{live_server.url}/admin/articles/article/{draft_article.pk}/change/")
        panel = page.locator("#proofread")
        expect(panel).to_contain_text("未发现问题。")
        editor = page.locator(".ProseMirror[contenteditable=true]")
        editor.click()
        page.keyboard.press("End")
        page.keyboard.type("大家再接再励,继续努力。")
        panel.locator(".proof-run").click()
        expect(panel).to_contain_text("禁用 1 处，提示 1 处。")
        blocked = panel.locator(".proof-block")
        expect(blocked.locator("mark")).to_have_text("再接再励")
        expect(blocked).to_contain_text("建议改为：再接再厉")
        blocked.locator(".proof-locate").click()
        assert selection_after_next_frame(page) == "再接再励"
        draft_article.refresh_from_db()
        assert draft_article.version == 1  # proofreading saved nothing

    def test_locate_selects_the_finding_in_a_headline(self, open_page, live_server, first_editor, draft_article):  # noqa: F811
        """A finding in the headline is selected in the headline's input."""
        page = open_page(first_editor)
        page.goto(f"{live_server.url}/admin/articles/article/{draft_article.pk}/change/")
        page.fill("#id_headline", "成都高新區发布新政")
        panel = page.locator("#proofread")
        panel.locator(".proof-run").click()
        finding = panel.locator(".proof-finding", has_text="繁体字")
        expect(finding.locator("mark")).to_have_text("區")
        finding.locator(".proof-locate").click()
        selected = page.evaluate(
            "(() => { const i = document.activeElement; return [i.id, i.selectionStart, i.selectionEnd]; })()"
        )
        assert selected == ["id_headline", 4, 5]

    def test_locate_counts_line_breaks_and_earlier_blocks(
        self, open_page, live_server, first_editor, draft_article, blocked_word  # noqa: F811
    ):
        """Offsets past a heading, a paragraph and a line break still select the right words."""
        draft_article.body = "<h2>小标题</h2><p>第一段。</p><p>第一行<br>第二行再接再励。</p>"
        draft_article.save()
        page = open_page(first_editor)
        page.goto(f"{live_server.url}/admin/articles/article/{draft_article.pk}/change/")
        blocked = page.locator("#proofread .proof-block")
        expect(blocked.locator("mark")).to_have_text("再接再励")
        blocked.locator(".proof-locate").click()
        assert selection_after_next_frame(page) == "再接再励"
