"""Query budgets with pictures everywhere (issue 12): a lead image on every card, the issue's
cover and every reporter's photo cost the pages not one query more than tests/test_public_queries.py
pins without them, at both sizes (pictures ready or still waiting for their renditions)."""
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from articles.models import Article
from newsroom.models import Issue, Reporter
from tests.pictures import add_image, with_sources
from tests.test_public_queries import BUDGETS, SIZES, VERSION_READ, urls_for

# The fixture that builds the data the budgets without pictures are measured on.
from tests.test_public_queries import build as plain_build  # noqa: E402, F401, I001


@pytest.fixture(autouse=True)
def media_root(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def pictured(request):
    """build() of tests/test_public_queries.py, then a picture on everything that shows one:
    every other one with its renditions made, the rest waiting for the worker."""

    build = request.getfixturevalue("plain_build")

    def make(**size):
        articles, zone = build(**size)
        seeds = iter(range(1000))

        def picture():
            seed = next(seeds)
            image = add_image(seed=seed, width=600, height=400)
            return with_sources(image) if seed % 2 else image

        for article in articles:
            article.lead_image = picture()
            article.save()
        Issue.objects.filter(number=1).update(cover=picture())
        for reporter in Reporter.objects.all():
            reporter.photo = picture()
            reporter.save()
        return articles, zone

    return make


@pytest.mark.django_db
class TestBudgetsWithPictures:
    @pytest.mark.parametrize("size", list(SIZES))
    @pytest.mark.parametrize("page", list(BUDGETS))
    def test_pictures_cost_no_query(self, client, pictured, page, size):
        articles, zone = pictured(**SIZES[size])
        with CaptureQueriesContext(connection) as queries:
            response = client.get(urls_for(articles, zone)[page])
        assert response.status_code == 200
        assert len(queries) == BUDGETS[page] + VERSION_READ

    def test_every_card_shows_its_picture(self, client, pictured):
        articles, _zone = pictured(**SIZES["large"])
        html = client.get("/issues/1/").content.decode()
        assert html.count('<div class="card__picture">') == len(articles) == 12
        assert html.count('<div class="card__picture"><picture>') == 6


@pytest.mark.django_db
class TestArchiveWithCovers:
    @pytest.mark.parametrize("issues", [1, 8])
    def test_covers_on_every_issue_cost_no_query(self, client, make_issue, make_article, issues):
        for number in range(1, issues + 1):
            issue = make_issue(number)
            issue.cover = add_image(seed=number, width=600, height=400)
            issue.save()
            make_article(f"第{number}期文章", issue=issue)
        with CaptureQueriesContext(connection) as queries:
            html = client.get("/issues/").content.decode()
        assert len(queries) == BUDGETS["/issues/"] + VERSION_READ
        assert html.count('<div class="issue-list__cover">') == issues
        assert Article.objects.count() == issues
