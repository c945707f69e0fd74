"""An import's confirmation mails queue behind the worker's other work."""
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django_tasks_db.models import DBTaskResult

from newsroom.mailing.models import Subscriber

pytestmark = pytest.mark.django_db


class TestImportedConfirmationsWait:
    def test_a_reader_who_subscribes_after_a_pending_import_is_asked_first(self, editor_client, settings):
        settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
        upload = SimpleUploadedFile("订阅者.csv", b"email\nimp1@example.com\nimp2@example.com\n", "text/csv")
        editor_client.post("/admin/mailing/subscriber/import/", {"file": upload, "status": "pending"})
        Client().post("/subscribe/", {"email": "reader@example.com", "website": ""})
        # ready() is the order the worker takes tasks in: highest priority, then oldest.
        order = [row.args_kwargs["args"][0] for row in DBTaskResult.objects.ready()]
        emails = dict(Subscriber.objects.values_list("pk", "email"))
        assert [emails[pk] for pk in order] == ["reader@example.com", "imp1@example.com", "imp2@example.com"]
