"""The import_issue command: options, directories, and every kind of bad input."""
import codecs
import os
import pwd
import shutil
import tempfile
from contextlib import contextmanager
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from articles.models import Article
from newsroom.models import Issue
from tests.conftest import TEMP_DIR

GOOD = "标题一\n\n► 刘琴\n\n成都高新区第一段。\n"


def import_(*args):
    out, err = StringIO(), StringIO()
    try:
        call_command("import_issue", *map(str, args), stdout=out, stderr=err)
    except CommandError as e:
        return out.getvalue(), err.getvalue(), e
    return out.getvalue(), err.getvalue(), None


@pytest.mark.django_db
class TestImportCommand:
    def test_imports_the_seed_and_reports(self, seed_path):
        out, err, error = import_(seed_path, "--number", 1, "--publish")
        assert error is None
        assert "000_c1e7ce0b8b09919e.txt 已导入为 第1期（新建）：新建 2 篇" in out
        assert "1. [新建] 国家高新区忙开局奋力“开门红” — 刘琴（作者）；25 段" in out

    def test_twice_is_idempotent(self, seed_path):
        import_(seed_path, "--number", 1, "--publish")
        out, _, error = import_(seed_path, "--number", 1, "--publish")
        assert error is None and "未变 2 篇" in out
        assert (Issue.objects.count(), Article.objects.count()) == (1, 2)

    def test_directory_imports_every_txt_in_name_order(self, tmp_path):
        (tmp_path / "b.txt").write_text(GOOD.replace("标题一", "第二个文件"))
        (tmp_path / "a.txt").write_text(GOOD)
        (tmp_path / "notes.md").write_text("不是期刊")
        out, err, error = import_(tmp_path)
        assert error is None
        assert list(Issue.objects.order_by("number").values_list("number", "source_name")) == [(1, "a.txt"), (2, "b.txt")]
        assert "导入" in err  # the progress bar

    def test_dry_run_writes_nothing(self, seed_path):
        out, _, error = import_(seed_path, "--dry-run")
        assert error is None and "将导入为 第1期" in out
        assert Issue.objects.count() == 0

    def test_date_and_title_options(self, tmp_path):
        (tmp_path / "a.txt").write_text(GOOD)
        import_(tmp_path / "a.txt", "--date", "2025-01-15", "--title", "开年特刊", "--number", 5)
        assert Issue.objects.filter(number=5, date="2025-01-15", title="开年特刊").count() == 1

    def test_bad_date_is_a_clear_error(self, tmp_path):
        with pytest.raises(CommandError, match="日期格式应为 YYYY-MM-DD：15/01/2025"):
            call_command("import_issue", str(tmp_path), "--date", "15/01/2025", stdout=StringIO())

    @pytest.mark.parametrize(
        "content, message",
        [
            (b"", "bad.txt：文件是空的。"),
            (b" \n\n\t\r\n", "bad.txt：文件只有空白，没有内容。"),
            (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "bad.txt 第 3 行：这不是文本文件：含有二进制内容。"),
            ("标题\n\n".encode() + b"\x80\x80\xff\n", "bad.txt 第 3 行：无法识别文件编码"),
            ("标题\n\n► 刘琴\n".encode(), "bad.txt 第 1 行：标题“标题”后面没有正文。"),
        ],
        ids=["empty", "blank", "binary", "undecodable", "headline-without-body"],
    )
    def test_bad_input_is_a_clear_error_and_the_rest_still_imports(self, tmp_path, content, message):
        (tmp_path / "bad.txt").write_bytes(content)
        (tmp_path / "good.txt").write_text(GOOD)
        out, err, error = import_(tmp_path / "bad.txt", tmp_path / "good.txt")
        assert message in err
        assert "Traceback" not in err
        assert str(error) == "1 个文件导入失败。"
        assert list(Issue.objects.values_list("source_name", flat=True)) == ["good.txt"]

    def test_huge_file_is_refused_before_reading(self, tmp_path, settings):
        settings.IMPORT_MAX_BYTES = 1000
        path = tmp_path / "huge.txt"
        path.write_text(GOOD + "很长的段落。" * 500)
        _, err, error = import_(path)
        assert f"{path}：文件过大（{path.stat().st_size} 字节），上限为 1000 字节。" in err
        assert error is not None and Issue.objects.count() == 0

    def test_missing_path(self, tmp_path):
        _, err, error = import_(tmp_path / "nope.txt")
        assert "nope.txt：文件不存在。" in err and error is not None

    @pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16", "gb18030"])
    def test_other_encodings_import_the_same_articles(self, tmp_path, seed_path, encoding):
        text = seed_path.read_text(encoding="utf-8")
        (tmp_path / "seed.txt").write_bytes(text.replace("\n", "\r\n").encode(encoding))
        _, err, error = import_(tmp_path / "seed.txt")
        assert error is None, err
        assert [len(a.blocks) for a in Article.objects.order_by("position")] == [28, 8]
        assert codecs.lookup(encoding)


@contextmanager
def without_root():
    """Run the block with the permissions of `nobody` when the tests run as root (root reads everything)."""
    if os.geteuid() != 0:
        yield
        return
    os.seteuid(pwd.getpwnam("nobody").pw_uid)
    try:
        yield
    finally:
        os.seteuid(0)


@pytest.fixture
def open_dir():
    """A folder everyone may enter (pytest's own temporary folders are private to their owner)."""
    path = Path(tempfile.mkdtemp(dir=TEMP_DIR))
    path.chmod(0o755)
    yield path
    for child in path.iterdir():
        child.chmod(0o700)
    shutil.rmtree(path)


@pytest.mark.django_db
class TestFileProblems:
    """Each file that cannot be read is reported with its real cause; the others still import."""

    def test_symlink_loop(self, tmp_path):
        (tmp_path / "a.txt").symlink_to(tmp_path / "b.txt")
        (tmp_path / "b.txt").symlink_to(tmp_path / "a.txt")
        (tmp_path / "good.txt").write_text(GOOD)
        _, err, error = import_(tmp_path / "a.txt", tmp_path / "good.txt")
        assert err.splitlines() == [f"{tmp_path / 'a.txt'}：符号链接循环，找不到真正的文件。"]
        assert str(error) == "1 个文件导入失败。"
        assert list(Issue.objects.values_list("source_name", flat=True)) == ["good.txt"]

    def test_dangling_symlink(self, tmp_path):
        (tmp_path / "gone.txt").symlink_to(tmp_path / "deleted.txt")
        _, err, _ = import_(tmp_path / "gone.txt")
        assert err.splitlines() == [f"{tmp_path / 'gone.txt'}：符号链接指向的文件不存在。"]

    def test_a_folder_named_like_an_issue_file(self, tmp_path):
        (tmp_path / "folder.txt").mkdir()
        (tmp_path / "good.txt").write_text(GOOD)
        _, err, error = import_(tmp_path)
        assert f"{tmp_path / 'folder.txt'}：不是普通文件，而是目录。" in err.splitlines()
        assert list(Issue.objects.values_list("source_name", flat=True)) == ["good.txt"]

    def test_fifo_is_refused_without_waiting_for_a_writer(self, tmp_path):
        """Opening a FIFO to read would block until a writer comes: it is never read."""
        os.mkfifo(tmp_path / "pipe.txt")
        (tmp_path / "good.txt").write_text(GOOD)
        _, err, error = import_(tmp_path)
        assert f"{tmp_path / 'pipe.txt'}：不是普通文件，而是命名管道（FIFO）。" in err.splitlines()
        assert list(Issue.objects.values_list("source_name", flat=True)) == ["good.txt"]

    def test_unreadable_file_and_folder_among_good_ones(self, open_dir):
        (open_dir / "good.txt").write_text(GOOD)
        (open_dir / "secret.txt").write_text(GOOD.replace("标题一", "机密"))
        (open_dir / "secret.txt").chmod(0o000)
        (open_dir / "locked").mkdir(mode=0o000)
        with without_root():
            _, err, error = import_(open_dir / "secret.txt", open_dir / "locked", open_dir / "good.txt")
        assert [line for line in err.splitlines() if "：" in line] == [
            f"{open_dir / 'locked'}：没有读取权限。",
            f"{open_dir / 'secret.txt'}：没有读取权限。",
        ]
        assert str(error) == "2 个文件导入失败。"
        assert list(Issue.objects.values_list("source_name", flat=True)) == ["good.txt"]


@pytest.mark.django_db
class TestDuplicates:
    def test_same_text_under_another_number_is_refused_with_the_existing_number(self, tmp_path):
        (tmp_path / "a.txt").write_text(GOOD)
        import_(tmp_path / "a.txt", "--number", 3)
        _, err, error = import_(tmp_path / "a.txt", "--number", 4)
        assert err.splitlines() == ["a.txt：内容与已有的第 3 期（a.txt）相同；确实要再建一期，请加 --allow-duplicate。"]
        assert list(Issue.objects.values_list("number", flat=True)) == [3]

    def test_same_text_in_another_encoding_and_line_endings_is_the_same_issue(self, tmp_path):
        (tmp_path / "a.txt").write_text(GOOD)
        (tmp_path / "b.txt").write_bytes(GOOD.replace("\n", "\r\n").encode("gb18030"))
        import_(tmp_path / "a.txt", "--number", 3)
        _, err, error = import_(tmp_path / "b.txt", "--number", 4)
        assert "内容与已有的第 3 期（a.txt）相同" in err
        out, _, error = import_(tmp_path / "b.txt")
        assert error is None and "b.txt 已导入为 第3期：未变 1 篇" in out

    def test_allow_duplicate_makes_a_second_issue(self, tmp_path):
        (tmp_path / "a.txt").write_text(GOOD)
        import_(tmp_path / "a.txt", "--number", 3)
        out, _, error = import_(tmp_path / "a.txt", "--number", 4, "--allow-duplicate")
        assert error is None and "a.txt 已导入为 第4期（新建）：新建 1 篇" in out
        assert list(Issue.objects.order_by("number").values_list("number", flat=True)) == [3, 4]

    def test_reimporting_into_the_same_number_is_unchanged(self, seed_path):
        import_(seed_path, "--number", 1, "--publish")
        out, _, error = import_(seed_path, "--number", 1, "--publish")
        assert error is None and "未变 2 篇" in out
