"""A figure in the body refuses the text export, which has no way to write it (issue 12)."""
import pytest

from articles.body import figure_html
from tests.test_export import REFUSAL, export_refused


@pytest.mark.django_db
class TestTextExportOfFigures:
    def test_a_figure_is_named(self, make_issue, make_article):
        """The picture would be lost, so the export refuses and says so."""
        figure = figure_html(image_id=7, src="/media/images/ab/abc.jpg", alt="园区夜景", caption="夜景", credit="摄影 张三")
        make_article(issue=make_issue(1), body=f"<p>正文第一段。</p>{figure}")
        assert export_refused(1) == (REFUSAL, ["第1篇《测试文章》：文本格式无法保存图片"])
