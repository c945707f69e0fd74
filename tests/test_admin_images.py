"""The image library's admin: safe uploads, identical uploads, focal point, usage and refused deletes."""
import io
import random
import struct
import zlib

import pytest
from django.contrib.auth.models import Permission, User
from django.test import Client
from django_tasks_db.models import DBTaskResult
from PIL import Image as PILImage

from newsroom import freshness
from newsroom.images.models import Image
from newsroom.tasks import image_upload

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/images/image/"
ADD = "/admin/images/image/add/"
UPLOAD = "/admin/images/image/upload/"
BATCH = "/admin/images/image/batch/"


# --- test pictures, made here with Pillow ---------------------------------------------------


def photo(width=64, height=48, *, fmt="JPEG", seed=1, **save) -> bytes:
    """A noisy picture (every seed a different file)."""
    noise = random.Random(seed)
    picture = PILImage.new("RGB", (width, height))
    picture.putdata([(noise.randrange(256), noise.randrange(256), noise.randrange(256)) for _ in range(width * height)])
    out = io.BytesIO()
    picture.save(out, fmt, **save)
    return out.getvalue()


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_declaring(width: int, height: int) -> bytes:
    """A 100-byte PNG whose header declares width × height pixels."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", header)
            + png_chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + png_chunk(b"IEND", b""))


def jpeg_with_exif_rotation_and_gps() -> bytes:
    """64×48 stored, Orientation 6 (shown turned 90° clockwise: 48×64), with a GPS position."""
    exif = PILImage.Exif()
    exif[0x0112] = 6
    exif[0x8825] = {1: "N", 2: (39.0, 54.0, 0.0), 3: "E", 4: (116.0, 23.0, 0.0)}
    return photo(64, 48, exif=exif.tobytes())


def animated_gif() -> bytes:
    frames = [PILImage.new("RGB", (32, 24), (80 * i, 0, 0)) for i in range(3)]
    out = io.BytesIO()
    frames[0].save(out, "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)
    return out.getvalue()


SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script><rect width="10" height="10"/></svg>'
PNG_THEN_HTML = b"\x89PNG\r\n\x1a\n<html><body><script>alert(document.cookie)</script></body></html>"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return tmp_path / "media"


def stored_files(root) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()) if root.exists() else []


def upload_file(name: str, data: bytes, content_type: str = "image/jpeg"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data, content_type=content_type)


def add_form(client, name: str, data: bytes, *, alt="高新区展示中心外景", title="展示中心", **fields):
    post = {"file": upload_file(name, data), "title": title, "alt": alt, "caption": "", "credit": "", **fields}
    return client.post(ADD, post)


def stored(**fields) -> Image:
    """An image through the safe path, as a test's starting point."""
    image, _ = image_upload(data=photo(seed=fields.pop("seed", 7)), title=fields.pop("title", "厂房"),
                            alt=fields.pop("alt", "新建的厂房"), **fields)
    return image


REFUSALS = [
    ("empty.jpg", b"", "文件是空的（0 字节）。"),
    ("bomb.png", png_declaring(30000, 30000), "图片像素过多，上限 4000 万像素。"),
    ("page.png", PNG_THEN_HTML, "无法识别这个文件：只接受 JPEG、PNG、WebP、GIF 和 AVIF 图片。"),
    ("cut.jpg", photo(800, 600)[:-3000], "图片文件已损坏或不完整，无法读取。"),
    ("logo.svg", SVG, "不接受 SVG 或 HTML 文件：它们可以带有脚本。请上传 JPEG、PNG、WebP、GIF 或 AVIF 图片。"),
]
REFUSAL_IDS = ["empty", "30000x30000-png", "png-then-html", "truncated-jpeg", "svg-script"]


class TestAddPage:
    def test_upload_stores_the_picture_and_goes_to_it(self, editor_client, editor_user, media):
        response = add_form(editor_client, "plant.jpg", photo(), credit="张三", caption="新厂房落成")
        image = Image.objects.get()
        assert response.status_code == 302
        assert response["Location"] == f"/admin/images/image/{image.pk}/change/"
        assert (image.title, image.alt, image.caption, image.credit, image.uploaded_by) == (
            "展示中心", "高新区展示中心外景", "新厂房落成", "张三", editor_user,
        )
        assert (image.width, image.height, image.format) == (64, 48, "JPEG")
        assert stored_files(media) == [image.file.name]

    def test_upload_enqueues_the_renditions(self, editor_client, django_capture_on_commit_callbacks):
        with django_capture_on_commit_callbacks(execute=True):
            add_form(editor_client, "plant.jpg", photo())
        row = DBTaskResult.objects.get()
        assert (row.task_path, row.args_kwargs) == (
            "newsroom.tasks.render_image", {"args": [Image.objects.get().pk], "kwargs": {}},
        )

    @pytest.mark.parametrize("name, data, message", REFUSALS, ids=REFUSAL_IDS)
    def test_hostile_file_is_a_form_error_and_writes_nothing(self, editor_client, media, name, data, message):
        response = add_form(editor_client, name, data)
        assert response.status_code == 200
        assert response.context["form"].errors == {"file": [message]}
        assert message in response.content.decode()
        assert (Image.objects.count(), stored_files(media), DBTaskResult.objects.count()) == (0, [], 0)

    def test_file_over_the_byte_limit_is_refused_with_its_size_unread(self, editor_client, media, monkeypatch):
        monkeypatch.setattr("newsroom.images.safety.MAX_BYTES", 2 * 1024 * 1024)
        response = add_form(editor_client, "huge.jpg", b"\xff\xd8\xff" + b"\0" * (3 * 1024 * 1024))
        assert response.context["form"].errors == {"file": ["文件太大：3.0 MB，上限 2 MB。"]}
        assert (Image.objects.count(), stored_files(media)) == (0, [])

    def test_exif_rotation_is_applied_and_gps_is_stripped(self, editor_client, media):
        add_form(editor_client, "sideways.jpg", jpeg_with_exif_rotation_and_gps())
        image = Image.objects.get()
        master = PILImage.open(media / image.file.name)
        assert (image.width, image.height, master.size) == (48, 64, (48, 64))
        assert dict(master.getexif()) == {}

    def test_animated_gif_is_accepted_with_its_frames(self, editor_client, media):
        add_form(editor_client, "spin.gif", animated_gif())
        image = Image.objects.get()
        assert (image.format, PILImage.open(media / image.file.name).n_frames) == ("GIF", 3)

    @pytest.mark.parametrize("alt, message", [
        ("", "请填写替代文字：用中文说明图片里有什么。"),
        ("IMG_0042.JPG", "替代文字不能是文件名，请说明图片里有什么。"),
        ("plant", "替代文字不能是文件名，请说明图片里有什么。"),
    ], ids=["missing", "a-file-name", "this-file-s-name"])
    def test_alt_is_required_and_never_the_file_name(self, editor_client, media, alt, message):
        response = add_form(editor_client, "plant.jpg", photo(), alt=alt)
        assert response.context["form"].errors == {"alt": [message]}
        assert (Image.objects.count(), stored_files(media)) == (0, [])

    def test_identical_upload_goes_to_the_existing_image(self, editor_client, media):
        first = stored(title="厂房", seed=5)
        response = add_form(editor_client, "again.jpg", photo(seed=5), title="另一个标题")
        assert response.status_code == 302
        assert response["Location"] == f"/admin/images/image/{first.pk}/change/"
        page = editor_client.get(response["Location"])
        assert [str(m) for m in page.context["messages"]] == ["这张图片已经在图片库里：“厂房”。没有重复上传。"]
        assert (Image.objects.count(), stored_files(media)) == (1, [first.file.name])

    def test_add_page_has_the_preview_and_the_batch_link(self, editor_client):
        html = editor_client.get(ADD).content.decode()
        assert 'id="image-upload-preview"' in html
        assert "/static/js/image-upload-preview.js" in html
        assert f'href="{BATCH}"' in html


class TestUploadEndpoint:
    def test_upload_answers_with_the_new_image(self, editor_client):
        response = editor_client.post(UPLOAD, {"file": upload_file("plant.jpg", photo()), "alt": "新建的厂房"})
        image = Image.objects.get()
        assert (response.status_code, response.json()) == (201, {
            "ok": True, "created": True, "id": image.pk, "title": "新建的厂房", "message": "已上传",
            "url": f"/admin/images/image/{image.pk}/change/", "thumbnail": f"/media/{image.file.name}",
        })

    def test_identical_upload_answers_with_the_existing_image(self, editor_client):
        first = stored(title="厂房", seed=5)
        response = editor_client.post(UPLOAD, {"file": upload_file("x.jpg", photo(seed=5)), "alt": "新建的厂房"})
        assert (response.status_code, response.json()["id"], response.json()["created"]) == (200, first.pk, False)
        assert response.json()["message"] == "图片库里已有这张图片：“厂房”"
        assert Image.objects.count() == 1

    @pytest.mark.parametrize("name, data, message", REFUSALS, ids=REFUSAL_IDS)
    def test_hostile_file_is_refused_with_its_reason(self, editor_client, media, name, data, message):
        response = editor_client.post(UPLOAD, {"file": upload_file(name, data), "alt": "园区"})
        assert (response.status_code, response.json()) == (
            400, {"ok": False, "message": message, "errors": {"file": [message]}},
        )
        assert (Image.objects.count(), stored_files(media)) == (0, [])

    def test_missing_alt_is_refused(self, editor_client, media):
        response = editor_client.post(UPLOAD, {"file": upload_file("plant.jpg", photo()), "alt": ""})
        assert response.status_code == 400
        assert response.json()["errors"] == {"alt": ["请填写替代文字：用中文说明图片里有什么。"]}
        assert (Image.objects.count(), stored_files(media)) == (0, [])

    def test_without_the_csrf_token_nothing_is_stored(self, editor_user, media):
        client = Client(enforce_csrf_checks=True)
        client.force_login(editor_user)
        response = client.post(UPLOAD, {"file": upload_file("plant.jpg", photo()), "alt": "新建的厂房"})
        assert response.status_code == 403
        assert (Image.objects.count(), stored_files(media)) == (0, [])

    def test_a_desk_user_without_the_add_permission_is_refused(self, editor_user, media):
        clerk = User.objects.create_user("clerk", password="clerk-password-1", is_staff=True)
        clerk.user_permissions.add(Permission.objects.get(codename="view_image"))
        client = Client()
        client.force_login(clerk)
        response = client.post(UPLOAD, {"file": upload_file("plant.jpg", photo()), "alt": "新建的厂房"})
        assert (response.status_code, response.json()) == (403, {"ok": False, "message": "你没有上传图片的权限。"})
        assert client.get(BATCH).status_code == 403
        assert (Image.objects.count(), stored_files(media)) == (0, [])

    def test_get_is_not_allowed(self, editor_client):
        assert editor_client.get(UPLOAD).status_code == 405

    def test_batch_page_carries_the_token_and_the_script(self, editor_client):
        html = editor_client.get(BATCH).content.decode()
        assert 'name="csrfmiddlewaretoken"' in html
        assert f'action="{UPLOAD}"' in html
        assert "/static/js/image-batch.js" in html


def change_data(image, **changes):
    data = {k: getattr(image, k) for k in ("title", "alt", "caption", "credit", "focal_x", "focal_y")}
    return {**data, **changes}


class TestChangePage:
    def test_moved_focal_point_bumps_the_version_and_enqueues(self, editor_client, django_capture_on_commit_callbacks):
        image = stored()
        DBTaskResult.objects.all().delete()
        with django_capture_on_commit_callbacks(execute=True):
            response = editor_client.post(f"/admin/images/image/{image.pk}/change/",
                                          change_data(image, focal_x="0.25", focal_y="0.8"))
        assert response.status_code == 302
        image.refresh_from_db()
        assert (image.focal_x, image.focal_y, image.version) == (0.25, 0.8, 2)
        row = DBTaskResult.objects.get()
        assert (row.task_path, row.args_kwargs["args"]) == ("newsroom.tasks.render_image", [image.pk])

    def test_text_edit_is_a_plain_save_that_moves_the_content_version(
        self, editor_client, django_capture_on_commit_callbacks
    ):
        image = stored()
        DBTaskResult.objects.all().delete()
        before = freshness.current().number
        with django_capture_on_commit_callbacks(execute=True):
            editor_client.post(f"/admin/images/image/{image.pk}/change/", change_data(image, caption="新说明"))
        image.refresh_from_db()
        assert (image.caption, image.version, DBTaskResult.objects.count()) == ("新说明", 1, 0)
        assert freshness.current().number == before + 1

    @pytest.mark.parametrize("focal_x, message", [
        ("1.5", "确保该值小于或等于1.0。"), ("-0.1", "确保该值大于或等于0.0。"),
    ])
    def test_focal_point_outside_the_picture_is_refused(self, editor_client, focal_x, message):
        image = stored()
        response = editor_client.post(f"/admin/images/image/{image.pk}/change/", change_data(image, focal_x=focal_x))
        assert response.context["adminform"].form.errors == {"focal_x": [message]}
        image.refresh_from_db()
        assert (image.focal_x, image.version) == (0.5, 1)

    def test_alt_cannot_become_a_file_name(self, editor_client):
        image = stored()
        response = editor_client.post(f"/admin/images/image/{image.pk}/change/",
                                      change_data(image, alt="DSC_0001.jpg"))
        assert response.context["adminform"].form.errors == {"alt": ["替代文字不能是文件名，请说明图片里有什么。"]}

    def test_picker_and_rendition_status_are_shown(self, editor_client):
        image = stored()
        html = editor_client.get(f"/admin/images/image/{image.pk}/change/").content.decode()
        assert f'data-width="{image.width}" data-height="{image.height}"' in html
        assert 'id="focal-preview-wide"' in html and 'id="focal-preview-square"' in html
        assert "第 1 版的缩放图正在后台生成，生成前页面使用原图" in html

    def test_status_says_ready_once_the_worker_made_them(self, editor_client):
        image = stored()
        Image.objects.filter(pk=image.pk).update(sources={"version": 1, "shapes": {}})
        html = editor_client.get(f"/admin/images/image/{image.pk}/change/").content.decode()
        assert "第 1 版的缩放图已生成" in html


@pytest.fixture
def in_use(make_article, make_issue):
    """厂房 leads two articles and is a figure in one of them and in a third; it is issue 3's
    cover and 刘琴's photo. 实验室 is used nowhere."""
    from articles.models import Figure
    from newsroom.models import Reporter

    plant, lab = stored(title="厂房", seed=1), stored(title="实验室", alt="实验室里的研究人员", seed=2)
    first = make_article("济南高新区新厂房投产")
    second = make_article("成都高新区扩建")
    third = make_article("西安高新区动态")
    type(first).objects.filter(pk__in=[first.pk, second.pk]).update(lead_image=plant)
    Figure.objects.create(article=first, image=plant)
    Figure.objects.create(article=third, image=plant)
    issue = make_issue(3)
    type(issue).objects.filter(pk=issue.pk).update(cover=plant)
    Reporter.objects.filter(name="刘琴").update(photo=plant)
    return plant, lab


def column(response, name: str) -> list[str]:
    index = response.context["cl"].list_display.index(name)
    return [row[index] for row in _rows(response)]


def _rows(response):
    from django.contrib.admin.templatetags.admin_list import results

    return [[str(cell) for cell in row] for row in results(response.context["cl"])]


class TestChangelist:
    def test_usage_is_counted_in_the_list_query(self, editor_client, in_use):
        response = editor_client.get(CHANGELIST)
        assert [(i.title, i._articles, i._issues, i._reporters) for i in response.context["cl"].result_list] == [
            ("实验室", 0, 0, 0), ("厂房", 3, 1, 1),
        ]
        usage = column(response, "usage")
        assert "未使用" in usage[0]
        assert "用于 3 篇文章、1 期封面、1 位记者的照片" in usage[1]

    def test_query_count_does_not_grow_with_the_rows(self, editor_client, django_assert_num_queries, in_use):
        editor_client.get(CHANGELIST)  # sessions, content types and permissions cached
        with django_assert_num_queries(10) as two_rows:
            editor_client.get(CHANGELIST)
        for seed in range(10, 20):
            stored(title=f"图{seed}", seed=seed)
        with django_assert_num_queries(len(two_rows)):
            editor_client.get(CHANGELIST)

    def test_columns_show_size_bytes_and_thumbnail(self, editor_client):
        image = stored(credit="张三")
        response = editor_client.get(CHANGELIST)
        html = response.content.decode()
        assert f'<img class="image-thumb" src="/media/{image.file.name}" alt="新建的厂房"' in html
        assert "64×48" in column(response, "size")[0]
        assert "张三" in column(response, "credit")[0]

    def test_thumbnail_is_the_smallest_square_rendition_once_made(self, editor_client):
        image = stored()
        square = [[960, 960, "renditions/x/2-960.jpg"], [480, 480, "renditions/x/2-480.jpg"]]
        Image.objects.filter(pk=image.pk).update(sources={"version": 1, "shapes": {"square": {"jpeg": square}}})
        html = editor_client.get(CHANGELIST).content.decode()
        assert '<img class="image-thumb" src="/media/renditions/x/2-480.jpg"' in html

    @pytest.mark.parametrize("query, titles", [
        ("研究人员", ["实验室"]), ("厂房", ["厂房"]), ("张三", ["实验室"]), ("新区", ["厂房"]),
    ])
    def test_search_covers_title_alt_caption_and_credit(self, editor_client, query, titles):
        stored(title="厂房", caption="高新区新厂房", seed=1)
        stored(title="实验室", alt="实验室里的研究人员", credit="张三", seed=2)
        response = editor_client.get(CHANGELIST, {"q": query})
        assert [i.title for i in response.context["cl"].result_list] == titles

    @pytest.mark.parametrize("used, titles", [("yes", ["厂房"]), ("no", ["实验室"])])
    def test_usage_filter(self, editor_client, in_use, used, titles):
        response = editor_client.get(CHANGELIST, {"used": used})
        assert [i.title for i in response.context["cl"].result_list] == titles

    def test_changelist_links_the_batch_page(self, editor_client):
        assert f'href="{BATCH}"' in editor_client.get(CHANGELIST).content.decode()


USES = ["文章：西安高新区动态", "文章：成都高新区扩建", "文章：济南高新区新厂房投产", "期刊封面：第3期", "记者照片：刘琴"]


class TestDelete:
    def test_delete_page_lists_the_uses_and_offers_no_button(self, editor_client, in_use):
        plant, _ = in_use
        response = editor_client.get(f"/admin/images/image/{plant.pk}/delete/")
        assert response.context["protected"] == USES
        html = response.content.decode()
        assert "图片“厂房”正在使用，不能删除。请先在下列地方换掉或去掉它：" in html
        assert 'name="post"' not in html

    def test_confirmed_delete_of_an_image_in_use_deletes_nothing(self, editor_client, media, in_use):
        plant, _ = in_use
        response = editor_client.post(f"/admin/images/image/{plant.pk}/delete/", {"post": "yes"})
        assert response.status_code == 200
        assert response.context["protected"] == USES
        assert Image.objects.filter(pk=plant.pk).exists()
        assert plant.file.name in stored_files(media)

    def test_bulk_delete_with_one_image_in_use_deletes_none(self, editor_client, in_use):
        plant, lab = in_use
        post = {"action": "delete_selected", "_selected_action": [plant.pk, lab.pk], "post": "yes"}
        response = editor_client.post(CHANGELIST, post)
        assert response.context["protected"] == USES
        assert "选中的图片有的正在使用，一张也没有删除。" in response.content.decode()
        assert Image.objects.count() == 2

    def test_unused_image_is_deleted_with_its_file(self, editor_client, media, in_use,
                                                    django_capture_on_commit_callbacks):
        _, lab = in_use
        with django_capture_on_commit_callbacks(execute=True):
            response = editor_client.post(f"/admin/images/image/{lab.pk}/delete/", {"post": "yes"})
        assert response.status_code == 302
        assert not Image.objects.filter(pk=lab.pk).exists()
        assert lab.file.name not in stored_files(media)


class TestRoles:
    def test_editors_manage_the_library(self, editor_user):
        assert {p for p in ("add_image", "change_image", "delete_image", "view_image")
                if editor_user.has_perm(f"images.{p}")} == {"add_image", "change_image", "delete_image", "view_image"}

    def test_reporters_look_up_and_add_pictures_but_neither_change_nor_delete(self, reporter_client, reporter_user):
        assert [reporter_user.has_perm(f"images.{p}") for p in ("view_image", "add_image", "change_image",
                                                                "delete_image")] == [True, True, False, False]
        image = stored()
        assert reporter_client.get(CHANGELIST).status_code == 200
        assert reporter_client.post(f"/admin/images/image/{image.pk}/delete/", {"post": "yes"}).status_code == 403
        response = reporter_client.post(UPLOAD, {"file": upload_file("lab.jpg", photo(seed=9)), "alt": "实验室"})
        assert response.status_code == 201


def in_use_unseen(self, objs, request):
    """get_deleted_objects as it answered before the image was put to use."""
    return [str(o) for o in objs], {}, set(), []


class TestPutToUseMeanwhile:
    def test_delete_view_refuses_and_logs_nothing(self, editor_client, in_use, monkeypatch):
        from django.contrib.admin.models import DELETION, LogEntry

        from newsroom.admin.images import ImageAdmin

        plant, _ = in_use
        monkeypatch.setattr(ImageAdmin, "get_deleted_objects", in_use_unseen)
        response = editor_client.post(f"/admin/images/image/{plant.pk}/delete/", {"post": "yes"}, follow=True)
        assert response.redirect_chain == [(f"/admin/images/image/{plant.pk}/change/", 302)]
        assert [str(m) for m in response.context["messages"]] == ["图片刚被用上，没有删除。"]
        assert Image.objects.filter(pk=plant.pk).exists()
        assert LogEntry.objects.filter(action_flag=DELETION).count() == 0

    def test_bulk_delete_deletes_none_and_logs_nothing(self, editor_client, in_use, monkeypatch):
        from django.contrib.admin.models import DELETION, LogEntry

        from newsroom.admin.images import ImageAdmin

        plant, lab = in_use
        monkeypatch.setattr(ImageAdmin, "get_deleted_objects", in_use_unseen)
        post = {"action": "delete_selected", "_selected_action": [lab.pk, plant.pk], "post": "yes"}
        response = editor_client.post(CHANGELIST, post, follow=True)
        assert [str(m) for m in response.context["messages"]] == ["图片刚被用上，没有删除。"]
        assert (Image.objects.count(), LogEntry.objects.filter(action_flag=DELETION).count()) == (2, 0)


