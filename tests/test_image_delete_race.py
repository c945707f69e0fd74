"""A picture deleted while a form that uses it is being saved (found serving the site on
PostgreSQL by hand, issue 12): the deletion waits for the save and is then refused, instead of
removing the row the save points at, which failed the save at its commit with a 500."""
import threading
import time

import pytest
from django.contrib.messages import get_messages
from django.db import connection, connections
from django.test import Client

from articles.body import figure_html
from articles.models import Article, Figure
from newsroom.admin.reporters import ReporterAdmin
from newsroom.images.models import Image
from newsroom.models import Reporter
from newsroom.tasks import image_upload
from tests.test_admin_images import photo

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql",
                       reason="SQLite's writer holds the whole database: a deletion cannot interleave"),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

WAITING_ON_A_LOCK = """
SELECT count(*) FROM pg_stat_activity
WHERE wait_event_type = 'Lock' AND datname = current_database() AND pid <> pg_backend_pid()
"""


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


class Deletion:
    """The picture's confirmed deletion by another editor, on its own connection."""

    def __init__(self, user, image):
        self.client, self.image, self.response = Client(), image, None
        self.client.force_login(user)
        self.thread = threading.Thread(target=self._run)

    def _run(self):
        try:
            self.response = self.client.post(f"/admin/images/image/{self.image.pk}/delete/", {"post": "yes"})
        finally:
            connections.close_all()

    def start_and_let_it_wait(self):
        """Start it, and return once it has finished or waits for a lock this connection holds."""
        self.thread.start()
        deadline = time.monotonic() + 30
        while self.thread.is_alive() and time.monotonic() < deadline:
            with connection.cursor() as cursor:
                # Backend activity is read once per transaction unless the snapshot is cleared.
                cursor.execute("SELECT pg_stat_clear_snapshot()")
                cursor.execute(WAITING_ON_A_LOCK)
                if cursor.fetchone()[0]:
                    return
            time.sleep(0.01)

    def messages(self) -> list[str]:
        return [str(m) for m in get_messages(self.response.wsgi_request)]


def picture(seed: int) -> Image:
    image, _ = image_upload(data=photo(seed=seed), title="厂房", alt="新建的厂房外景")
    return image


class TestDeletedWhileChosen:
    def test_a_reporter_photo_saved_during_its_deletion_is_kept(
        self, editor_client, second_editor_user, monkeypatch
    ):
        image = picture(51)
        reporter = Reporter.objects.create(name="刘琴")
        deletion = Deletion(second_editor_user, image)
        original = ReporterAdmin.save_model

        def save_while_deleting(admin, request, obj, form, change):
            deletion.start_and_let_it_wait()  # the form is valid: the photo was found
            original(admin, request, obj, form, change)

        monkeypatch.setattr(ReporterAdmin, "save_model", save_while_deleting)
        response = editor_client.post(f"/admin/newsroom/reporter/{reporter.pk}/change/", {
            "name": "刘琴", "slug": reporter.slug, "bio": "", "photo": str(image.pk), "user": "", "_continue": "1",
        })
        deletion.thread.join(30)
        assert response.status_code == 302
        assert Reporter.objects.get(pk=reporter.pk).photo_id == image.pk
        assert Image.objects.filter(pk=image.pk).exists()
        assert deletion.response.status_code == 302
        assert deletion.messages() == ["图片刚被用上，没有删除。"]

    def test_a_figure_saved_during_its_deletion_is_kept(self, second_editor_user, make_article):
        from django.db import transaction

        image = picture(52)
        article = make_article("联合实验室落成")
        deletion = Deletion(second_editor_user, image)
        with transaction.atomic():
            article.body = "<p>第一段。</p>" + figure_html(
                image_id=image.pk, src=f"/media/{image.file.name}", alt=image.alt, width=image.width, height=image.height,
            )
            article.save()
            deletion.start_and_let_it_wait()
        deletion.thread.join(30)
        assert list(Figure.objects.filter(article=article).values_list("image_id", flat=True)) == [image.pk]
        assert Image.objects.filter(pk=image.pk).exists()
        assert Article.objects.get(pk=article.pk).figures.count() == 1
        assert deletion.messages() == ["图片刚被用上，没有删除。"]
