"""The 校对 panel on the article form, on demand and on save, and the editors' word list."""
import pytest
from django.urls import reverse

from articles.models import ProofWord

pytestmark = pytest.mark.django_db
PROOFREAD_URL = "/admin/articles/article/proofread/"


def change_url(article) -> str:
    return reverse("admin:articles_article_change", args=[article.pk])


class TestProofPanel:
    def test_change_form_shows_findings_of_the_stored_text(self, editor_client, draft_article):
        """The panel lists the stored article's findings, the found text marked in its context."""
        draft_article.body = "<p>大家再接再励,继续努力。</p>"
        draft_article.save()
        html = editor_client.get(change_url(draft_article)).content.decode()
        assert '<q class="proof-excerpt">大家<mark>再接再励</mark>,继续努力。</q>' in html
        assert "建议改为：再接再厉" in html
        assert '<q class="proof-excerpt">大家再接再励<mark>,</mark>继续努力。</q>' in html
        assert "禁用 1 处，提示 1 处。" in html

    def test_panel_shows_the_character_count(self, editor_client, draft_article):
        """字数 counts the headline and the body."""
        html = editor_client.get(change_url(draft_article)).content.decode()
        # 成都高新区发布新政 (9) + 成都高新区今年新增企业一千家。 (15)
        assert "字数：全文 24 字，正文 15 字" in html
        assert "未发现问题。" in html

    def test_on_demand_proofreads_the_unsaved_text(self, editor_client, draft_article):
        """The on-demand check reads the posted fields, and saves nothing."""
        response = editor_client.post(PROOFREAD_URL, {"headline": "國家", "body": "<p>好，，</p>"})
        html = response.content.decode()
        assert response.status_code == 200
        assert '<q class="proof-excerpt"><mark>國</mark>家</q>' in html
        assert "建议改为：国" in html
        assert '<q class="proof-excerpt">好<mark>，，</mark></q>' in html
        draft_article.refresh_from_db()
        assert draft_article.version == 1

    def test_on_demand_refuses_get(self, editor_client):
        """Only a POST proofreads."""
        assert editor_client.get(PROOFREAD_URL).status_code == 405

    def test_on_demand_needs_sign_in(self, client):
        """Signed out, the check sends to the login page."""
        response = client.post(PROOFREAD_URL, {"body": "x"})
        assert response.status_code == 302
        assert response["Location"].startswith("/admin/login/")

    def test_save_names_the_findings(self, editor_client, draft_article, article_form_data):
        """Saving text with findings says how many, with a link to the panel."""
        data = article_form_data(draft_article, body="<p>再接再励</p>", _continue="1")
        response = editor_client.post(change_url(draft_article), data, follow=True)
        messages = [str(m) for m in response.context["messages"]]
        assert f'校对：《成都高新区发布新政》有禁用 1 处、提示 0 处，<a href="{change_url(draft_article)}#proofread">查看校对结果</a>' in messages

    def test_refused_save_proofreads_the_typed_text(self, reporter_client, draft_article, article_form_data):
        """A save refused for another reason shows the panel for what was typed, not what is stored."""
        data = article_form_data(draft_article, body="<p>一股作气</p>", status="published")
        html = reporter_client.post(change_url(draft_article), data).content.decode()
        assert "<mark>一股作气</mark>" in html


class TestProofWordAdmin:
    def test_editor_adds_a_word(self, editor_client):
        """An editor adds a 禁用 word with its replacement."""
        response = editor_client.post(
            "/admin/articles/proofword/add/", {"word": " 按装 ", "severity": "block", "replacement": "安装", "note": ""}
        )
        assert response.status_code == 302
        word = ProofWord.objects.get(word="按装")
        assert (word.severity, word.replacement) == ("block", "安装")

    def test_replacement_equal_to_the_word_is_refused(self, editor_client):
        """A replacement that is the word itself is a clear error, nothing saved."""
        response = editor_client.post(
            "/admin/articles/proofword/add/", {"word": "按装", "severity": "warn", "replacement": "按装", "note": ""}
        )
        assert "建议改为的词语与原词相同。" in response.content.decode()
        assert not ProofWord.objects.filter(word="按装").exists()

    def test_reporter_reads_but_cannot_change_the_list(self, reporter_client):
        """记者 may read the list, not change it."""
        assert reporter_client.get("/admin/articles/proofword/").status_code == 200
        assert reporter_client.get("/admin/articles/proofword/add/").status_code == 403

    def test_starter_list_is_installed(self):
        """The migration installs the starter list, misspellings as 禁用."""
        word = ProofWord.objects.get(word="再接再励")
        assert (word.severity, word.replacement) == ("block", "再接再厉")
        assert ProofWord.objects.filter(severity="block").count() == 28
        assert ProofWord.objects.filter(severity="warn").count() == 3


class TestReadOnlyPanel:
    def test_read_only_page_lists_findings_without_buttons(self, reporter_client, make_article):
        """A reporter viewing a published article sees its findings, with nothing to re-run or select."""
        article = make_article("已发布", body="<p>发展,创新</p>")
        html = reporter_client.get(change_url(article)).content.decode()
        assert '<q class="proof-excerpt">发展<mark>,</mark>创新</q>' in html
        assert "proof-run" not in html
        assert "proof-locate" not in html
