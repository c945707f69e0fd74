"""A database that is busy or down answers 503 with Retry-After, never 500 (newsroom.middleware)."""
import sqlite3

import pytest
from django.db import OperationalError, connection

from newsroom.models import Issue


@pytest.fixture
def database_down(monkeypatch):
    def refuse(self):
        raise OperationalError("database is locked")

    monkeypatch.setattr(type(Issue.objects.all()), "published", refuse)


@pytest.mark.django_db
class TestDatabaseBusy:
    def test_a_public_page_answers_503_with_retry_after(self, client, database_down):
        response = client.get("/")
        assert response.status_code == 503
        assert response["Retry-After"] == "10"
        assert "网站正忙" in response.content.decode()
        assert "刚才的操作没有生效" in response.content.decode()

    def test_other_errors_are_not_taken_for_a_busy_database(self, client, monkeypatch):
        def broken(self):
            raise ValueError("a bug")

        monkeypatch.setattr(type(Issue.objects.all()), "published", broken)
        client.raise_request_exception = False
        assert client.get("/").status_code == 500


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_an_admin_form_behind_a_long_write_lock_answers_503(admin_client, settings, make_article):
    """The admin's change view takes SQLite's write lock even to show the form; a writer that
    holds it past the busy timeout makes the form answer 503, not 500."""
    if connection.vendor != "sqlite":
        pytest.skip("SQLite's write lock; PostgreSQL readers never wait for writers")
    article = make_article("一")
    path = connection.settings_dict["NAME"]
    options = connection.settings_dict["OPTIONS"]
    holder = sqlite3.connect(path, timeout=1)
    holder.execute("BEGIN IMMEDIATE")
    try:
        connection.close()
        connection.settings_dict["OPTIONS"] = {**options, "timeout": 0.2}
        response = admin_client.get(f"/admin/articles/article/{article.pk}/change/")
    finally:
        holder.rollback()
        holder.close()
        connection.close()
        connection.settings_dict["OPTIONS"] = options
    assert response.status_code == 503
    assert response["Retry-After"] == "10"
    assert "网站正忙" in response.content.decode()
