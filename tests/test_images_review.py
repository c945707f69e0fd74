"""What the review of issue 12 found: hostile input that reached a 500 or got past a check."""
import io
import threading
import time

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection, connections, transaction
from django.test import Client
from django_tasks_db.models import DBTaskResult
from PIL import Image as PILImage

from articles.body import figure_html, sanitize_html
from articles.models import Article, Figure
from newsroom.images import renditions, storing
from newsroom.images.models import Image, Rendition
from newsroom.images.safety import ImageRefused, inspect
from newsroom.images.storing import image_add
from newsroom.tasks import image_describe, image_refocus
from tests.pictures import add_image
from tests.realserver import read_form
from tests.test_admin_images import UPLOAD, change_data, photo, stored, stored_files, upload_file

BROKEN = "图片文件已损坏或不完整，无法读取。"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return tmp_path / "media"


def animated_gif_cut_in_a_frame_header() -> bytes:
    """Three frames, cut inside the third frame's header: counting the frames reads past the end."""
    frames = [PILImage.new("RGB", (32, 24), (80 * i, 0, 0)) for i in range(3)]
    out = io.BytesIO()
    frames[0].save(out, "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)
    data = out.getvalue()
    assert len(data) == 273  # the cut below sits in the third frame's header of this file
    return data[:222]


class TestTruncatedAnimation:
    def test_inspect_refuses_it_as_broken(self):
        with pytest.raises(ImageRefused) as refused:
            inspect(animated_gif_cut_in_a_frame_header())
        assert refused.value.message == BROKEN

    def test_upload_endpoint_answers_400_and_stores_nothing(self, editor_client, media):
        response = editor_client.post(UPLOAD, {"file": upload_file("cut.gif", animated_gif_cut_in_a_frame_header()),
                                               "alt": "园区动图"})
        assert (response.status_code, response.json()) == (
            400, {"ok": False, "message": BROKEN, "errors": {"file": [BROKEN]}},
        )
        assert (Image.objects.count(), stored_files(media)) == (0, [])


CHANGE = "/admin/images/image/{}/change/"


@pytest.mark.django_db
class TestFocalPointNotANumber:
    @pytest.mark.parametrize("value", [float("nan"), float("inf"), float("-inf")], ids=["nan", "inf", "-inf"])
    def test_refocus_refuses_it_and_changes_nothing(self, value, django_capture_on_commit_callbacks):
        image = stored()
        queued = DBTaskResult.objects.count()
        with pytest.raises(ValidationError) as invalid:
            image_refocus(image=image, focal_x=value, focal_y=0.5)
        assert invalid.value.messages == ["焦点坐标必须是 0 到 1 之间的数。"]
        image.refresh_from_db()
        assert (image.focal_x, image.focal_y, image.version, DBTaskResult.objects.count()) == (0.5, 0.5, 1, queued)

    @pytest.mark.parametrize("value", ["NaN", "inf", "-Infinity", "1e400", "半", "0x1", ""])
    def test_the_change_form_refuses_it_as_a_form_error(self, editor_client, value):
        image = stored()
        response = editor_client.post(CHANGE.format(image.pk), change_data(image, focal_y=value))
        assert response.status_code == 200
        assert list(response.context["adminform"].form.errors) == ["focal_y"]
        image.refresh_from_db()
        assert (image.focal_y, image.version) == (0.5, 1)


FIGURE = '<figure data-image="42"><img src="{}" alt="替代文字"></figure>'


class TestFigureSourceOffSite:
    @pytest.mark.parametrize("src", ["/\\evil.example/x.jpg", "\\\\evil.example/x.jpg", "\\/evil.example/x.jpg",
                                     "/images/..\\..\\x.jpg"])
    def test_a_backslash_that_browsers_read_as_a_slash_drops_the_figure(self, src):
        """"//evil.example/x.jpg" is refused as another site's picture; so is what browsers make of it."""
        assert sanitize_html(f"<p>前</p>{FIGURE.format(src)}<p>后</p>") == "<p>前</p><p>后</p>"

    def test_a_path_on_this_site_stays(self):
        assert sanitize_html(FIGURE.format("/media/images/ab/abcdef.jpg")) == FIGURE.format("/media/images/ab/abcdef.jpg")


def form_as_shown(client, image) -> dict:
    """The change form as an editor's browser holds it after opening the page."""
    page = client.get(CHANGE.format(image.pk)).content.decode()
    return dict(read_form(page, form_id="image_form"))


@pytest.mark.django_db
class TestDescribeWritesWhatItIsGiven:
    def test_a_caption_given_with_an_older_copy_keeps_the_alt_text_saved_meanwhile(self):
        """image_describe() writes the fields it is given, not the others as its copy holds them."""
        image = stored()
        older = Image.objects.get(pk=image.pk)
        image_describe(image=Image.objects.get(pk=image.pk), alt="实验室里的研究人员", credit="张三")
        image_describe(image=older, caption="签约仪式现场")
        image.refresh_from_db()
        assert (image.alt, image.credit, image.caption) == ("实验室里的研究人员", "张三", "签约仪式现场")


def wait_until_another_connection_waits_for_a_lock():
    """The other request has reached the row this test holds (polled, not timed)."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with connection.cursor() as cursor:
            # Inside a transaction PostgreSQL shows the activity as it first read it.
            cursor.execute("SELECT pg_stat_clear_snapshot()")
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                " AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
            )
            if cursor.fetchone()[0]:
                return
        time.sleep(0.01)
    raise AssertionError("the other request never waited for the picture's row")


def in_another_thread(user, method: str, path: str, data: dict) -> tuple[threading.Thread, dict]:
    """A request of `user` on its own connection; `outcome` gets its response or exception."""
    outcome = {}

    def send():
        try:
            client = Client()
            client.force_login(user)
            outcome["response"] = getattr(client, method)(path, data)
        except Exception as error:  # noqa: BLE001 - the test reports what escaped as a 500
            outcome["error"] = error
        finally:
            connections.close_all()

    return threading.Thread(target=send), outcome


ONLY_POSTGRESQL = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="SQLite's writer holds the whole database: a save cannot interleave",
)


@ONLY_POSTGRESQL
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
class TestDeleteDuringASave:
    def test_a_lead_image_deleted_while_the_article_is_saved_is_a_form_error(
        self, editor_user, make_article, article_form_data
    ):
        image, article = add_image(), make_article("园区新闻")
        data = article_form_data(article, lead_image=image.pk)
        thread, outcome = in_another_thread(editor_user, "post", f"/admin/articles/article/{article.pk}/change/", data)
        with transaction.atomic():
            Image.objects.filter(pk=image.pk).delete()  # unused: deleted, its row held until commit
            thread.start()
            wait_until_another_connection_waits_for_a_lock()
        thread.join(30)
        assert "error" not in outcome, repr(outcome.get("error"))
        response = outcome["response"]
        assert response.status_code == 200
        assert response.context["adminform"].form.errors == {"lead_image": ["选择一个有效的选项： 该选择不在可用的选项中。"]}
        article.refresh_from_db()
        assert (article.lead_image_id, Image.objects.count()) == (None, 0)

    def test_a_figure_deleted_while_the_article_is_saved_is_left_out(
        self, editor_user, make_article, article_form_data
    ):
        kept, gone = add_image(seed=1), add_image(seed=2)
        article = make_article("园区新闻")
        body = "".join(
            figure_html(image_id=image.pk, src=f"/media/{image.file.name}", alt=image.alt) for image in (kept, gone)
        )
        data = article_form_data(article, body=body)
        thread, outcome = in_another_thread(editor_user, "post", f"/admin/articles/article/{article.pk}/change/", data)
        with transaction.atomic():
            Image.objects.filter(pk=gone.pk).delete()
            thread.start()
            wait_until_another_connection_waits_for_a_lock()
        thread.join(30)
        assert "error" not in outcome, repr(outcome.get("error"))
        assert outcome["response"].status_code == 302
        assert list(Figure.objects.filter(article_id=article.pk).values_list("image_id", flat=True)) == [kept.pk]

    def test_an_image_put_to_use_while_it_is_deleted_stays(self, editor_user, make_article):
        image, article = add_image(), make_article("园区新闻")
        thread, outcome = in_another_thread(editor_user, "post", f"/admin/images/image/{image.pk}/delete/",
                                            {"post": "yes"})
        with transaction.atomic():
            # As a save that chose the picture holds it (ImageChoiceField) until it commits.
            assert Image.objects.hold([image.pk]) == {image.pk}
            thread.start()
            wait_until_another_connection_waits_for_a_lock()
            Article.objects.filter(pk=article.pk).update(lead_image=image)
        thread.join(30)
        assert "error" not in outcome, repr(outcome.get("error"))
        response = outcome["response"]
        assert (response.status_code, response["Location"]) == (302, f"/admin/images/image/{image.pk}/change/")
        assert Image.objects.filter(pk=image.pk).exists()


def finished_without_waiting(thread: threading.Thread) -> bool:
    """Whether the thread finishes before any connection waits for a lock (polled, not timed)."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if not thread.is_alive():
            return True
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_stat_clear_snapshot()")
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                " AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
            )
            if cursor.fetchone()[0]:
                return False
        time.sleep(0.01)
    return False


@ONLY_POSTGRESQL
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
class TestSavesShowingTheSamePicture:
    def test_a_save_does_not_wait_for_another_holding_the_same_picture(
        self, editor_user, make_article, article_form_data
    ):
        """Holding a picture against deletion is a shared hold: two articles saved at once with
        the same lead image (or figures in crossed order) neither wait nor deadlock."""
        image, first, second = add_image(), make_article("园区新闻"), make_article("园区另一篇", position=2)
        data = article_form_data(second, lead_image=image.pk)
        thread, outcome = in_another_thread(editor_user, "post", f"/admin/articles/article/{second.pk}/change/", data)
        with transaction.atomic():
            assert Image.objects.hold([image.pk]) == {image.pk}  # as the first article's save holds it
            Article.objects.filter(pk=first.pk).update(lead_image=image)
            thread.start()
            assert finished_without_waiting(thread)
        thread.join(30)
        assert outcome["response"].status_code == 302
        assert sorted(Article.objects.filter(lead_image=image).values_list("pk", flat=True)) == [first.pk, second.pk]


@ONLY_POSTGRESQL
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
class TestChangedWhileDeleted:
    @pytest.mark.parametrize("change", [{"caption": "签约仪式现场"}, {"focal_x": "0.2"}], ids=["words", "focal-point"])
    def test_the_change_form_says_it_was_deleted(self, editor_user, change):
        image = stored()
        client = Client()
        client.force_login(editor_user)
        data = {**form_as_shown(client, image), **change}
        thread, outcome = in_another_thread(editor_user, "post", CHANGE.format(image.pk), data)
        with transaction.atomic():
            Image.objects.select_for_update().get(pk=image.pk)  # as ImageAdmin's delete holds it
            thread.start()
            wait_until_another_connection_waits_for_a_lock()
            Image.objects.filter(pk=image.pk).delete()
        thread.join(30)
        assert "error" not in outcome, repr(outcome.get("error"))
        response = outcome["response"]
        assert (response.status_code, response["Location"]) == (302, "/admin/images/image/")
        messages = [str(m) for m in get_messages(response.wsgi_request)]
        assert messages == ["这张图片刚被其他人删除，修改没有保存。"]
        assert Image.objects.count() == 0


@pytest.mark.django_db
class TestIdenticalUploadsOnObjectStorage:
    def test_the_loser_keeps_the_winner_s_master_when_both_wrote_the_same_name(self, media, monkeypatch):
        """S3 has no atomic create: two identical uploads can both write the master's key (the
        name is the content's). The one whose insert loses must not delete that key."""
        data = photo(seed=11)
        winner, _created = image_add(data=data, alt="厂房外景")

        def save_like_object_storage(name, content, max_length=None):
            target = media / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(content.read())
            return name

        # The loser looked before the winner committed, and its write landed on the same key.
        monkeypatch.setattr(storing, "stored_already", lambda sha256: None)
        monkeypatch.setattr(default_storage, "save", save_like_object_storage)
        again, created = image_add(data=data, alt="厂房外景")
        assert (again.pk, created) == (winner.pk, False)
        assert stored_files(media) == [winner.file.name]


@pytest.mark.django_db
class TestTwoRunsOfOneVersion:
    def test_the_second_record_keeps_the_files_of_the_names_it_wrote_again(
        self, media, django_capture_on_commit_callbacks
    ):
        """Two workers rendering one version at once on object storage write the same keys:
        the run recorded last must not delete, as the first run's old files, its own."""
        image = stored()
        name = f"renditions/{image.sha256[:2]}/{image.sha256[:20]}-v1-original-64.jpeg"

        def run() -> list[Rendition]:
            if not default_storage.exists(name):  # the second run writes over the same key
                default_storage.save(name, ContentFile(b"jpeg"))
            return [Rendition(image_id=image.pk, version=1, shape="original", format="jpeg", width=64, height=48,
                              file=name, bytes=4)]

        with django_capture_on_commit_callbacks(execute=True):
            assert renditions._record(image.pk, 1, run())
        with django_capture_on_commit_callbacks(execute=True):
            assert renditions._record(image.pk, 1, run())
        assert list(Rendition.objects.values_list("file", flat=True)) == [name]
        assert default_storage.exists(name)
