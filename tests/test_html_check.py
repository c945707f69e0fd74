"""The Nu Html Checker fixture (issue 9) reports what vnu.jar finds, with the page's address."""
from tests.conftest import HtmlCheck, require_vnu


class TestHtmlCheck:
    def test_reports_an_error_with_the_address(self, tmp_path):
        """An h2 with role=status is reported against the URL it was served from."""
        require_vnu()
        check = HtmlCheck(tmp_path)
        check.documents['<!doctype html><html lang="zh"><title>t</title><h1 role="status">标题</h1>'] = "http://x/a/"
        assert check.errors() == ['http://x/a/ line 1: Bad value “status” for attribute “role” on element “h1”.']

    def test_valid_page_has_no_errors(self, tmp_path):
        """A valid page gives an empty list."""
        require_vnu()
        check = HtmlCheck(tmp_path)
        check.documents['<!doctype html><html lang="zh"><title>t</title><h1>标题</h1>'] = "http://x/b/"
        assert check.errors() == []
