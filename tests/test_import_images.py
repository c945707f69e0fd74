"""Importing an issue whose text has image lines: images read from --images DIR, checked
before anything is written, stored once, shown as figures; any failure writes nothing."""
import hashlib
import io
import struct
import zlib
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError
from django_tasks_db.models import DBTaskResult
from PIL import Image as PILImage

from articles.models import Article, Figure
from newsroom.images.models import Image
from newsroom.importing import loader
from newsroom.importing.loader import UNCHANGED, ImportFailed, import_issue
from newsroom.models import Issue
from newsroom.tasks import image_upload

TEXT = (
    "标题一\n\n► 刘琴\n\n第一段。\n\n"
    "[图：plant.jpg 园区全景（摄影 张三）]\n\n"
    "第二段。\n\n"
    "[图：plant.jpg 园区全景，东区]\n\n"
    "标题二\n\n► 李四\n\n正文。\n\n"
    "[图：lab.png 实验室一角]\n"
)


def photo(width=64, height=48, fmt="JPEG", seed=0) -> bytes:
    """A small noisy picture; `seed` makes pictures of the same size differ."""
    picture = PILImage.effect_noise((width, height), 40 + seed).convert("RGB")
    picture.paste((200, 40 + seed, 40), (0, 0, width // 2, height))
    out = io.BytesIO()
    picture.save(out, fmt)
    return out.getvalue()


def png_declaring(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims a huge size."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b"")


def master_url(data: bytes, extension: str) -> str:
    sha = hashlib.sha256(data).hexdigest()
    return f"/media/images/{sha[:2]}/{sha[:20]}{extension}"


@pytest.fixture(autouse=True)
def media_root(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def images_dir(tmp_path) -> Path:
    folder = tmp_path / "photos"
    folder.mkdir()
    (folder / "plant.jpg").write_bytes(photo())
    (folder / "lab.png").write_bytes(photo(40, 30, "PNG", seed=5))
    return folder


def stored_files(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()) if root.exists() else []


def run(text: str, images_dir, **options):
    return import_issue(data=text.encode(), source_name="issue.txt", images_dir=images_dir, **options)


def refused(text: str, images_dir, **options) -> ImportFailed:
    with pytest.raises(ImportFailed) as error:
        run(text, images_dir, **options)
    return error.value


def assert_nothing_written(media_root):
    assert (Issue.objects.count(), Article.objects.count(), Image.objects.count(), Figure.objects.count()) == (0, 0, 0, 0)
    assert DBTaskResult.objects.filter(task_path="newsroom.tasks.render_image").count() == 0
    assert stored_files(media_root) == []


@pytest.mark.django_db
class TestImportWithImages:
    def test_one_image_per_distinct_file_with_the_first_caption_as_alt(self, images_dir):
        run(TEXT, images_dir)
        images = list(Image.objects.order_by("id").values_list("title", "alt", "caption", "credit", "width", "height", "format"))
        assert images == [
            ("园区全景", "园区全景", "园区全景", "张三", 64, 48, "JPEG"),
            ("实验室一角", "实验室一角", "实验室一角", "", 40, 30, "PNG"),
        ]

    def test_the_body_holds_the_figure_markup(self, images_dir):
        run(TEXT, images_dir)
        plant, lab = Image.objects.order_by("id")
        first, second = Article.objects.order_by("position")
        plant_url = master_url((images_dir / "plant.jpg").read_bytes(), ".jpg")
        assert first.body == (
            "<p>第一段。</p>\n"
            f'<figure data-image="{plant.pk}"><img src="{plant_url}" alt="园区全景" width="64" height="48">'
            "<figcaption>园区全景<small>摄影 张三</small></figcaption></figure>\n"
            "<p>第二段。</p>\n"
            f'<figure data-image="{plant.pk}"><img src="{plant_url}" alt="园区全景" width="64" height="48">'
            "<figcaption>园区全景，东区</figcaption></figure>"
        )
        lab_url = master_url((images_dir / "lab.png").read_bytes(), ".png")
        assert second.body == (
            "<p>正文。</p>\n"
            f'<figure data-image="{lab.pk}"><img src="{lab_url}" alt="实验室一角" width="40" height="30">'
            "<figcaption>实验室一角</figcaption></figure>"
        )

    def test_figure_rows_follow_the_body(self, images_dir):
        run(TEXT, images_dir)
        plant, lab = Image.objects.order_by("id")
        first, second = Article.objects.order_by("position")
        rows = list(Figure.objects.order_by("article__position", "position").values_list("article_id", "image_id", "position"))
        assert rows == [(first.pk, plant.pk, 1), (second.pk, lab.pk, 1)]

    def test_the_masters_are_stored_and_their_renditions_enqueued(self, images_dir, media_root):
        run(TEXT, images_dir)
        plant, lab = Image.objects.order_by("id")
        assert stored_files(media_root) == sorted([plant.file.name, lab.file.name])
        tasks = DBTaskResult.objects.filter(task_path="newsroom.tasks.render_image").order_by("enqueued_at", "id")
        assert [row.args_kwargs["args"] for row in tasks] == [[plant.pk], [lab.pk]]

    def test_two_names_for_the_same_bytes_are_one_image(self, images_dir):
        (images_dir / "copy.jpg").write_bytes((images_dir / "plant.jpg").read_bytes())
        run("标题一\n\n► 刘琴\n\n第一段。\n\n[图：plant.jpg 甲]\n\n[图：copy.jpg 乙]\n", images_dir)
        image = Image.objects.get()
        assert list(Figure.objects.values_list("image_id", flat=True)) == [image.pk]
        assert Article.objects.get().body.count(f'data-image="{image.pk}"') == 2

    def test_an_image_already_in_the_library_is_reused_with_its_alt(self, images_dir, media_root):
        existing, _created = image_upload(data=(images_dir / "plant.jpg").read_bytes(), alt="图库里的替代文字")
        files_before = stored_files(media_root)
        run("标题一\n\n► 刘琴\n\n第一段。\n\n[图：plant.jpg 园区全景]\n", images_dir)
        assert Image.objects.get() == existing
        assert 'alt="图库里的替代文字"' in Article.objects.get().body
        assert stored_files(media_root) == files_before
        assert DBTaskResult.objects.filter(task_path="newsroom.tasks.render_image").count() == 1  # the upload's own

    def test_importing_the_same_file_again_changes_nothing(self, images_dir, media_root):
        run(TEXT, images_dir)
        bodies = list(Article.objects.order_by("position").values_list("body", flat=True))
        files, tasks = stored_files(media_root), DBTaskResult.objects.count()
        result = run(TEXT, images_dir)
        assert [plan.action for plan in result.plans] == [UNCHANGED, UNCHANGED]
        assert list(Article.objects.order_by("position").values_list("body", flat=True)) == bodies
        assert (Image.objects.count(), Figure.objects.count(), DBTaskResult.objects.count()) == (2, 2, tasks)
        assert stored_files(media_root) == files

    def test_another_picture_under_the_same_name_updates_the_article(self, images_dir):
        run(TEXT, images_dir)
        (images_dir / "lab.png").write_bytes(photo(40, 30, "PNG", seed=9))
        result = run(TEXT, images_dir)
        assert [plan.action for plan in result.plans] == [UNCHANGED, loader.UPDATE]
        assert Image.objects.count() == 3

    def test_a_dry_run_writes_nothing(self, images_dir, media_root):
        result = run(TEXT, images_dir, dry_run=True)
        assert [plan.action for plan in result.plans] == [loader.CREATE, loader.CREATE]
        assert_nothing_written(media_root)

    def test_a_rotated_photo_with_gps_is_stored_upright_without_metadata(self, images_dir, media_root):
        exif = PILImage.Exif()
        exif[0x0112] = 6  # stored sideways: turn 90° clockwise to show
        exif[0x8825] = {1: "N", 2: (39.0, 54.0, 0.0), 3: "E", 4: (116.0, 23.0, 0.0)}
        picture = PILImage.effect_noise((80, 40), 40).convert("RGB")
        out = io.BytesIO()
        picture.save(out, "JPEG", exif=exif)
        (images_dir / "side.jpg").write_bytes(out.getvalue())
        run("标题一\n\n► 刘琴\n\n第一段。\n\n[图：side.jpg 竖拍的照片]\n", images_dir)
        image = Image.objects.get()
        assert (image.width, image.height) == (40, 80)
        assert 'width="40" height="80"' in Article.objects.get().body
        with PILImage.open(media_root / image.file.name) as master:
            assert (master.size, dict(master.getexif())) == ((40, 80), {})

    def test_an_animated_gif_is_a_figure(self, images_dir):
        frames = [PILImage.new("P", (30, 20), color) for color in (1, 2, 3)]
        out = io.BytesIO()
        frames[0].save(out, "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)
        (images_dir / "anim.gif").write_bytes(out.getvalue())
        run("标题一\n\n► 刘琴\n\n第一段。\n\n[图：anim.gif 动图]\n", images_dir)
        image = Image.objects.get()
        assert (image.format, image.width, image.height) == ("GIF", 30, 20)
        assert list(Figure.objects.values_list("image_id", flat=True)) == [image.pk]

    def test_a_file_without_figures_needs_no_directory(self):
        run("标题一\n\n► 刘琴\n\n第一段。\n", None)
        assert (Article.objects.count(), Image.objects.count()) == (1, 0)


@pytest.mark.django_db
class TestRefusedImages:
    """Each refusal names the file, the image line and the reason, and writes nothing."""

    def refusal(self, images_dir, media_root, line: str) -> ImportFailed:
        error = refused(f"标题一\n\n► 刘琴\n\n第一段。\n\n[图：plant.jpg 园区全景]\n\n{line}\n", images_dir)
        assert_nothing_written(media_root)
        return error

    def test_a_missing_file(self, images_dir, media_root):
        error = self.refusal(images_dir, media_root, "[图：gone.jpg 不在了]")
        assert str(error) == "issue.txt 第 9 行：图片 gone.jpg：图片目录中没有这个文件。"

    def test_an_svg_with_a_script(self, images_dir, media_root):
        svg = b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
        (images_dir / "logo.jpg").write_bytes(svg)
        error = self.refusal(images_dir, media_root, "[图：logo.jpg 标志]")
        assert str(error) == (
            "issue.txt 第 9 行：图片 logo.jpg：不接受 SVG 或 HTML 文件：它们可以带有脚本。请上传 JPEG、PNG、WebP、GIF 或 AVIF 图片。"
        )

    def test_a_truncated_jpeg(self, images_dir, media_root):
        data = photo(200, 150)
        (images_dir / "cut.jpg").write_bytes(data[: len(data) // 2])
        error = self.refusal(images_dir, media_root, "[图：cut.jpg 截断的照片]")
        assert str(error) == "issue.txt 第 9 行：图片 cut.jpg：图片文件已损坏或不完整，无法读取。"

    def test_a_png_header_followed_by_html(self, images_dir, media_root):
        (images_dir / "page.png").write_bytes(b"\x89PNG\r\n\x1a\n<html><script>alert(1)</script></html>")
        error = self.refusal(images_dir, media_root, "[图：page.png 网页]")
        assert str(error) == "issue.txt 第 9 行：图片 page.png：无法识别这个文件：只接受 JPEG、PNG、WebP、GIF 和 AVIF 图片。"

    def test_a_png_declaring_thirty_thousand_pixels_square(self, images_dir, media_root):
        (images_dir / "bomb.png").write_bytes(png_declaring(30000, 30000))
        error = self.refusal(images_dir, media_root, "[图：bomb.png 炸弹]")
        assert str(error) == "issue.txt 第 9 行：图片 bomb.png：图片像素过多，上限 4000 万像素。"

    def test_an_empty_file(self, images_dir, media_root):
        (images_dir / "empty.jpg").write_bytes(b"")
        error = self.refusal(images_dir, media_root, "[图：empty.jpg 空文件]")
        assert str(error) == "issue.txt 第 9 行：图片 empty.jpg：文件是空的（0 字节）。"

    def test_a_directory_named_like_a_photo(self, images_dir, media_root):
        (images_dir / "folder.jpg").mkdir()
        error = self.refusal(images_dir, media_root, "[图：folder.jpg 目录]")
        assert str(error) == "issue.txt 第 9 行：图片 folder.jpg：不是普通文件，没有读取。"

    def test_a_path_outside_the_directory(self, images_dir, media_root):
        error = self.refusal(images_dir, media_root, "[图：../photos/plant.jpg 园区全景]")
        assert str(error) == "issue.txt 第 9 行：图片文件名“../photos/plant.jpg”不能含路径：只写图片目录里的文件名，不能有 /、\\ 或 ..。"

    def test_a_figure_without_caption(self, images_dir, media_root):
        error = self.refusal(images_dir, media_root, "[图：plant.jpg]")
        assert str(error) == "issue.txt 第 9 行：图片 plant.jpg 没有说明文字；说明文字也是图片的替代文字，不能省略。"

    def test_a_caption_that_is_a_file_name(self, images_dir, media_root):
        error = self.refusal(images_dir, media_root, "[图：plant.jpg IMG_0042.JPG]")
        assert str(error) == "issue.txt 第 9 行：图片 plant.jpg：替代文字不能是文件名，请说明图片里有什么。"

    def test_a_credit_longer_than_its_column(self, images_dir, media_root):
        error = self.refusal(images_dir, media_root, f"[图：plant.jpg 说明（摄影 {'张' * 101}）]")
        assert str(error) == "issue.txt 第 9 行：图片 plant.jpg：摄影者太长（101 字），最多 100 字。"

    def test_image_lines_without_images_option(self, media_root):
        error = refused(TEXT, None)
        assert str(error) == "issue.txt 第 7 行：有图片行（plant.jpg），需要用 --images 指定图片所在的目录。"
        assert_nothing_written(media_root)

    def test_a_failure_after_the_images_were_stored_removes_their_files(self, images_dir, media_root, monkeypatch):
        def fail(*args, **kwargs):
            raise DatabaseError("disk full")

        monkeypatch.setattr(loader, "save_articles_revision", fail)
        error = refused(TEXT, images_dir)
        assert str(error) == "issue.txt：写入数据库失败，未导入（disk full）。"
        assert_nothing_written(media_root)

    def test_a_lost_race_stores_the_images_again_and_keeps_one_copy(self, images_dir, media_root, monkeypatch):
        """A collision rolls the attempt back (its files go) and the import plans again."""
        real, calls = loader.write_issue, []

        def collide_once(*args, **kwargs):
            calls.append(1)
            if len(calls) == 1:
                real(*args, **kwargs)
                raise loader.IntegrityError("UNIQUE constraint failed: newsroom_issue.number")
            return real(*args, **kwargs)

        monkeypatch.setattr(loader, "write_issue", collide_once)
        run(TEXT, images_dir)
        plant, lab = Image.objects.order_by("id")
        assert stored_files(media_root) == sorted([plant.file.name, lab.file.name])
        assert (len(calls), Figure.objects.count()) == (2, 2)


@pytest.mark.django_db
class TestCommand:
    def test_the_images_option(self, tmp_path, images_dir):
        (tmp_path / "issue.txt").write_text(TEXT)
        out = StringIO()
        call_command("import_issue", str(tmp_path / "issue.txt"), "--images", str(images_dir), stdout=out)
        assert "issue.txt 已导入为 第1期（新建）：新建 2 篇" in out.getvalue()
        assert "  图片：新增 2 张，图库中已有 0 张" in out.getvalue().splitlines()
        assert Figure.objects.count() == 2

    def test_the_pictures_are_counted_new_or_known(self, tmp_path, images_dir):
        (tmp_path / "issue.txt").write_text(TEXT)
        args = [str(tmp_path / "issue.txt"), "--images", str(images_dir)]
        image_upload(data=(images_dir / "lab.png").read_bytes(), alt="实验室")
        dry, out, again = StringIO(), StringIO(), StringIO()
        call_command("import_issue", *args, "--dry-run", stdout=dry)
        call_command("import_issue", *args, stdout=out)
        call_command("import_issue", *args, stdout=again)
        picture_lines = [[line for line in o.getvalue().splitlines() if "图片：" in line] for o in (dry, out, again)]
        assert picture_lines == [
            ["  图片：将新增 1 张，图库中已有 1 张"],
            ["  图片：新增 1 张，图库中已有 1 张"],
            ["  图片：新增 0 张，图库中已有 2 张"],
        ]

    def test_no_picture_line_for_a_file_without_figures(self, tmp_path):
        (tmp_path / "issue.txt").write_text("标题一\n\n► 刘琴\n\n第一段。\n")
        out = StringIO()
        call_command("import_issue", str(tmp_path / "issue.txt"), stdout=out)
        assert "图片：" not in out.getvalue()

    def test_a_missing_images_directory_is_refused(self, tmp_path):
        (tmp_path / "issue.txt").write_text(TEXT)
        with pytest.raises(CommandError) as error:
            call_command("import_issue", str(tmp_path / "issue.txt"), "--images", str(tmp_path / "nope"), stdout=StringIO())
        assert str(error.value) == f"图片目录不存在或不是目录：{tmp_path / 'nope'}"

    def test_without_the_option_the_error_names_it(self, tmp_path):
        (tmp_path / "issue.txt").write_text(TEXT)
        with pytest.raises(CommandError) as error:
            call_command("import_issue", str(tmp_path / "issue.txt"), stdout=StringIO(), stderr=StringIO())
        assert str(error.value) == "issue.txt 第 7 行：有图片行（plant.jpg），需要用 --images 指定图片所在的目录。"
        assert Issue.objects.count() == 0
