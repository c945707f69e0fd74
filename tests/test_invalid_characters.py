"""URLs with characters no real link contains get a short Chinese 400 page, not a database error."""
import pytest
from django.test import Client

REFUSED = "网址或查询中含有无效字符"


@pytest.fixture
def anonymous():
    return Client(raise_request_exception=False)


@pytest.mark.django_db
class TestInvalidCharacters:
    @pytest.mark.parametrize("url", [
        "/tags/%00/",
        "/tags/a%00b/",
        "/tags/a%00b/feed/",
        "/zones/a%01/",
        "/articles/1/a%1Fb/",
        "/search/?q=%00",
        "/search/?q=a%1Bb",
        "/search/?q=%C2%85",  # NEL, a C1 control
        "/search/?tag=%00",
        "/search/?q=%ED%A0%80",  # a lone surrogate, as UTF-8 would encode it
        "/search/?q=%FF",
        "/search/?q=%EF%BF%BE",  # U+FFFE, a noncharacter
        "/search/?q=%EF%B7%90",  # U+FDD0, a noncharacter
        "/search/?q=%F4%8F%BF%BF",  # U+10FFFF, a noncharacter
        "/?page=%00",
        "/admin/articles/article/?q=%00",
        "/admin/autocomplete/?app_label=articles&model_name=article&field_name=tags&term=%00",
    ])
    def test_is_refused_with_400(self, anonymous, url):
        response = anonymous.get(url)
        assert response.status_code == 400
        assert REFUSED in response.content.decode()

    def test_nul_in_a_query_name_is_refused(self, anonymous):
        assert anonymous.get("/search/?a%00=1").status_code == 400

    def test_refusal_page_echoes_nothing_of_the_query(self, anonymous):
        html = anonymous.get("/search/?q=%3Cb%3E%FF").content.decode()
        assert "&lt;b&gt;" not in html and "<b>" not in html

    @pytest.mark.parametrize("url", ["/search/?q=高新区", "/search/?q=a%09b", "/search/?q=a%0D%0Ab", "/search/?q=🔥", "/search/?q=%25%2F.."])
    def test_real_queries_pass(self, anonymous, url):
        assert anonymous.get(url).status_code == 200

    @pytest.mark.parametrize("url", ["/tags/%ED%A0%80/", "/tags/%FF/", "/%C0%AF"])
    def test_path_that_is_not_utf8_is_not_found(self, anonymous, url):
        # Django keeps such bytes percent-encoded, so the path matches no page.
        assert anonymous.get(url).status_code == 404

    def test_host_not_allowed_gets_the_same_page(self, anonymous):
        response = anonymous.get("/", headers={"host": "evil.example"})
        assert response.status_code == 400
        assert REFUSED in response.content.decode()


@pytest.mark.django_db
class TestUnusableCookies:
    def test_nul_in_the_session_cookie_is_an_anonymous_visit(self, editor_user):
        client = Client(raise_request_exception=False)
        client.cookies["sessionid"] = "abcdefgh\x00"
        response = client.get("/admin/")
        assert (response.status_code, response["Location"]) == (302, "/admin/login/?next=/admin/")

    def test_the_bad_session_cookie_is_cleared(self, db):
        client = Client(raise_request_exception=False)
        client.cookies["sessionid"] = "abcdefgh\x00"
        response = client.get("/")
        assert (response.status_code, response.cookies["sessionid"].value) == (200, "")

    def test_a_good_session_survives_a_bad_other_cookie(self, editor_user):
        client = Client(raise_request_exception=False)
        client.force_login(editor_user)
        client.cookies["other"] = "x\x00"
        assert client.get("/admin/").status_code == 200
