"""export_issue --format text writes figures back as image lines, and --images their files:
the text and the folder import back to the same articles and the same pictures."""
from io import StringIO
from pathlib import Path, PurePosixPath

import pytest
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command

from articles.models import Article, Figure
from newsroom.images.models import Image
from newsroom.models import Issue
from tests.test_import_images import TEXT, photo

REFUSAL = "第1期不能导出为文本：文本格式保存不了上面列出的内容。请改用 --format json 导出，或用 make backup 做完整备份。"


@pytest.fixture(autouse=True)
def media_root(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def imported(tmp_path) -> Issue:
    folder = tmp_path / "photos"
    folder.mkdir()
    (folder / "plant.jpg").write_bytes(photo())
    (folder / "lab.png").write_bytes(photo(40, 30, "PNG", seed=5))
    (tmp_path / "issue.txt").write_text(TEXT)
    call_command("import_issue", str(tmp_path / "issue.txt"), "--images", str(folder), "--number", "1", stdout=StringIO())
    return Issue.objects.get(number=1)


def export(*args) -> str:
    out = StringIO()
    call_command("export_issue", *map(str, args), stdout=out, stderr=StringIO())
    return out.getvalue()


def master_names() -> tuple[str, ...]:
    return tuple(PurePosixPath(image.file.name).name for image in Image.objects.order_by("id"))


def bodies() -> list[str]:
    return list(Article.objects.order_by("issue__number", "position").values_list("body", flat=True))


@pytest.mark.django_db
class TestFiguresInTheTextExport:
    def test_figures_are_written_as_image_lines_naming_the_masters(self, imported):
        plant, lab = master_names()
        assert export(1, "--format", "text") == (
            "标题一\n\n► 刘琴\n\n第一段。\n\n"
            f"[图：{plant} 园区全景（摄影 张三）]\n\n"
            "第二段。\n\n"
            f"[图：{plant} 园区全景，东区]\n\n"
            "标题二\n\n► 李四\n\n正文。\n\n"
            f"[图：{lab} 实验室一角]\n"
        )

    def test_images_option_writes_each_master_once(self, imported, tmp_path):
        export(1, "--format", "text", "--images", tmp_path / "out")
        written = {path.name: path.read_bytes() for path in (tmp_path / "out").iterdir()}
        masters = {}
        for image in Image.objects.order_by("id"):
            with default_storage.open(image.file.name, "rb") as master:
                masters[PurePosixPath(image.file.name).name] = master.read()
        assert written == masters

    def test_text_and_folder_import_back_to_the_same_articles_and_pictures(self, imported, tmp_path):
        text = export(1, "--format", "text", "--images", tmp_path / "out")
        before, images = bodies(), list(Image.objects.order_by("id"))
        imported.articles.all().delete()
        imported.delete()
        (tmp_path / "export.txt").write_text(text)
        call_command(
            "import_issue", str(tmp_path / "export.txt"), "--images", str(tmp_path / "out"), "--number", "1", stdout=StringIO()
        )
        assert bodies() == before
        assert list(Image.objects.order_by("id")) == images
        assert Figure.objects.count() == 2

    def test_importing_the_export_into_the_same_issue_changes_nothing(self, imported, tmp_path):
        text = export(1, "--format", "text", "--images", tmp_path / "out")
        (tmp_path / "out" / "issue.txt").write_text(text)  # the same file name: the same source
        out = StringIO()
        call_command("import_issue", str(tmp_path / "out" / "issue.txt"), "--images", str(tmp_path / "out"), "--number", "1", stdout=out)
        assert "未变 2 篇" in out.getvalue()
        assert Image.objects.count() == 2

    def test_a_leading_figure_keeps_the_dateline_on_the_first_paragraph(self, tmp_path):
        folder = tmp_path / "photos"
        folder.mkdir()
        (folder / "plant.jpg").write_bytes(photo())
        (tmp_path / "issue.txt").write_text("标题一\n\n► 刘琴\n\n[图：plant.jpg 甲图]\n\n本报讯 第一段。\n")
        call_command("import_issue", str(tmp_path / "issue.txt"), "--images", str(folder), "--number", "1", stdout=StringIO())
        (name,) = master_names()
        assert export(1, "--format", "text") == f"标题一\n\n► 刘琴\n\n[图：{name} 甲图]\n\n本报讯 第一段。\n"

    def test_a_figure_without_caption_is_named(self, imported):
        article = Article.objects.get(position=2)
        article.body = article.body.replace("<figcaption>实验室一角</figcaption>", "")
        article.save()
        out, err = StringIO(), StringIO()
        with pytest.raises(CommandError) as refused:
            call_command("export_issue", "1", "--format", "text", stdout=out, stderr=err)
        assert str(refused.value) == REFUSAL
        assert err.getvalue().splitlines() == ["第2篇《标题二》：文本格式无法保存没有说明文字的图片"]
        assert out.getvalue() == ""

    def test_nothing_is_written_to_the_folder_when_refused(self, imported, tmp_path):
        Article.objects.filter(position=1).update(standfirst="导语。")
        with pytest.raises(CommandError):
            call_command("export_issue", "1", "--format", "text", "--images", str(tmp_path / "out"), stdout=StringIO(), stderr=StringIO())
        assert not Path(tmp_path / "out").exists()

    def test_the_images_option_is_for_text_only(self, imported, tmp_path):
        with pytest.raises(CommandError) as error:
            export(1, "--images", tmp_path / "out")
        assert str(error.value) == "--images 只用于 --format text。"

    def test_figures_cost_one_query_for_the_whole_issue(self, tmp_path, django_assert_max_num_queries):
        folder = tmp_path / "photos"
        folder.mkdir()
        (folder / "plant.jpg").write_bytes(photo())
        text = "".join(f"第{n}篇\n\n► 刘琴\n\n第{n}篇的正文。\n\n[图：plant.jpg 第{n}张图]\n\n" for n in range(1, 21))
        (tmp_path / "issue.txt").write_text(text)
        call_command("import_issue", str(tmp_path / "issue.txt"), "--images", str(folder), "--number", "3", stdout=StringIO())
        with django_assert_max_num_queries(8):  # the 7 of an issue without figures, and the pictures
            exported = export(3, "--format", "text")
        assert exported.count("[图：") == 20
