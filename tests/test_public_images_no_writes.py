"""No public request makes a rendition, waits for one or writes anything (issue 12, point 3):
with every picture's renditions still missing, each public page shows the master at its
natural size, runs no INSERT, UPDATE or DELETE (nor enqueues a task, which is an INSERT) and
writes no file to the storage."""
import pytest
from django.core.files.storage import FileSystemStorage
from django.db import connection
from django.test.utils import CaptureQueriesContext

from newsroom.models import Issue, Reporter
from tests.pictures import add_image
from tests.test_public_queries import urls_for

WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE")


@pytest.fixture(autouse=True)
def media_root(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def waiting(make_issue, make_zone, make_article):
    """An issue with a cover, an article with a lead image and a figure in its body, a related
    article with its own lead image, and a reporter's photo: none with renditions."""
    from articles.models import Article

    zone = make_zone("成都高新区")
    issue = make_issue(1)
    lead, related, figure, cover, photo = (add_image(seed=n, width=600, height=400, alt=f"图{n}") for n in range(5))
    article = make_article("园区新闻", issue=issue, zones=[zone], tags=["keji"])
    other = make_article("园区另一篇", issue=issue, position=2, zones=[zone], tags=["keji"])
    for row, image in ((article, lead), (other, related)):
        row.lead_image = image
        row.save()
    Article.objects.filter(pk=article.pk).update(
        body=f'<p>开头。</p><figure data-image="{figure.pk}"><img src="/x.jpg" alt="图2" width="1" height="1"></figure>'
    )
    Issue.objects.filter(pk=issue.pk).update(cover=cover)
    Reporter.objects.filter(name="刘琴").update(photo=photo)
    return {"article": article, "zone": zone, "images": (lead, related, figure, cover, photo)}


def master(image, shape_classes: str = "") -> str:
    """The <img> of a master at its natural size, as far as its alt text."""
    classes = f' class="{shape_classes}"' if shape_classes else ""
    return f'<img src="/media/{image.file.name}" width="600" height="400" alt="{image.alt}"{classes}'


def stored_files(root) -> list[str]:
    return sorted(str(path.relative_to(root)) for path in root.rglob("*") if path.is_file())


@pytest.mark.django_db
class TestPublicRequestsNeverWrite:
    def test_every_public_page_shows_masters_and_writes_nothing(self, client, waiting, media_root, monkeypatch):
        saved = []
        monkeypatch.setattr(FileSystemStorage, "_save", lambda self, name, content: saved.append(name))
        files_before = stored_files(media_root)
        urls = [*urls_for([waiting["article"]], waiting["zone"]).values(), "/search/?q=园区"]
        with CaptureQueriesContext(connection) as queries:
            pages = {url: client.get(url) for url in urls}
        assert {url: response.status_code for url, response in pages.items()} == dict.fromkeys(urls, 200)
        assert [q["sql"] for q in queries if q["sql"].lstrip().upper().startswith(WRITES)] == []
        assert (saved, stored_files(media_root)) == ([], files_before)

    @pytest.mark.parametrize("page, shown", [
        ("article", [("lead", ""), ("related", "picture--wide focus-x5 focus-y5"), ("figure", "")]),
        ("/", [("lead", "picture--wide focus-x5 focus-y5"), ("related", "picture--wide focus-x5 focus-y5")]),
        ("/issues/1/", [("cover", ""), ("lead", "picture--wide focus-x5 focus-y5")]),
        ("/issues/", [("cover", "")]),
        ("/reporters/liu-qin/", [("photo", "picture--square focus-x5 focus-y5"), ("lead", "picture--wide focus-x5 focus-y5")]),
        ("zone", [("lead", "picture--wide focus-x5 focus-y5")]),
        ("/tags/keji/", [("lead", "picture--wide focus-x5 focus-y5")]),
    ])
    def test_the_page_shows_each_picture_from_its_master(self, client, waiting, page, shown):
        images = dict(zip(("lead", "related", "figure", "cover", "photo"), waiting["images"], strict=True))
        html = client.get(urls_for([waiting["article"]], waiting["zone"])[page]).content.decode()
        for name, classes in shown:
            assert master(images[name], classes) in html, name
        assert "<picture>" not in html
