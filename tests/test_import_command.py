"""The import_issue command: options, directories, and every kind of bad input."""
import codecs
import json
import os
import socket
import stat
import tempfile
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from articles.models import Article
from newsroom.importing.files import issue_files, read_issue_file
from newsroom.models import Issue

GOOD = "标题一\n\n► 刘琴\n\n成都高新区第一段。\n"


def error_lines(err: str) -> list[str]:
    """stderr without the progress bar."""
    return [line for line in err.splitlines() if line.strip() and not line.startswith("导入")]


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
        assert str(error) == f"{path}：文件过大（{path.stat().st_size} 字节），上限为 1000 字节。"
        assert err == "" and Issue.objects.count() == 0

    def test_missing_path(self, tmp_path):
        _, err, error = import_(tmp_path / "nope.txt")
        assert str(error) == f"{tmp_path / 'nope.txt'}：文件不存在。"
        assert err == ""

    @pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16", "gb18030"])
    def test_other_encodings_import_the_same_articles(self, tmp_path, seed_path, encoding):
        text = seed_path.read_text(encoding="utf-8")
        (tmp_path / "seed.txt").write_bytes(text.replace("\n", "\r\n").encode(encoding))
        _, err, error = import_(tmp_path / "seed.txt")
        assert error is None, err
        assert [len(a.blocks) for a in Article.objects.order_by("position")] == [28, 8]
        assert codecs.lookup(encoding)

    def test_allow_duplicate(self, tmp_path):
        (tmp_path / "a.txt").write_text(GOOD)
        import_(tmp_path / "a.txt", "--number", 1)
        _, _, refused = import_(tmp_path / "a.txt", "--number", 2)
        out, _, error = import_(tmp_path / "a.txt", "--number", 2, "--allow-duplicate")
        assert str(refused) == "a.txt：内容与第 1 期（a.txt）相同，未导入；确实要再导入一份，请加 --allow-duplicate。"
        assert error is None and "a.txt 已导入为 第2期（新建）：新建 1 篇" in out
        assert list(Issue.objects.order_by("number").values_list("number", flat=True)) == [1, 2]

    def test_title_the_issue_cannot_hold_is_one_line(self, tmp_path):
        (tmp_path / "a.txt").write_text(GOOD)
        _, _, error = import_(tmp_path / "a.txt", "--title", "长" * 201)
        assert str(error) == "a.txt：确保该变量包含不超过 200 字符 (目前字符数 201)。"
        assert Issue.objects.count() == 0

    def test_one_failing_file_is_one_line(self, tmp_path):
        (tmp_path / "a.txt").write_text(GOOD)
        (tmp_path / "b.txt").write_text(GOOD.replace("第一段", "另一篇"))
        import_(tmp_path / "a.txt", "--number", 1)
        out, err, error = import_(tmp_path / "b.txt", "--number", 1)
        assert (out, err) == ("", "")
        assert str(error) == "b.txt：第 1 期已由 a.txt 导入；要用这个文件替换它，请加 --force。"


@pytest.mark.django_db
class TestFileErrors:
    """Each file that cannot be read is named with its real cause; the others still import."""

    def import_with(self, tmp_path, bad: Path, deadline):
        (tmp_path / "good.txt").write_text(GOOD)
        with deadline(30):
            out, err, error = import_(bad, tmp_path / "good.txt")
        assert "Traceback" not in err
        assert str(error) == "1 个文件导入失败。"
        assert list(Issue.objects.values_list("source_name", flat=True)) == ["good.txt"]
        return error_lines(err)[0]

    def test_fifo_is_not_read_and_does_not_block(self, tmp_path, deadline):
        os.mkfifo(tmp_path / "pipe.txt")
        line = self.import_with(tmp_path, tmp_path / "pipe.txt", deadline)
        assert line == f"{tmp_path / 'pipe.txt'}：不是普通文件（是命名管道），没有读取。"

    def test_symlink_loop(self, tmp_path, deadline):
        (tmp_path / "a.txt").symlink_to(tmp_path / "b.txt")
        (tmp_path / "b.txt").symlink_to(tmp_path / "a.txt")
        line = self.import_with(tmp_path, tmp_path / "a.txt", deadline)
        assert line == f"{tmp_path / 'a.txt'}：符号链接循环，找不到真正的文件。"

    def test_dangling_symlink(self, tmp_path, deadline):
        (tmp_path / "link.txt").symlink_to(tmp_path / "gone.txt")
        line = self.import_with(tmp_path, tmp_path / "link.txt", deadline)
        assert line == f"{tmp_path / 'link.txt'}：符号链接指向的文件不存在（{tmp_path / 'gone.txt'}）。"

    def test_missing_file(self, tmp_path, deadline):
        line = self.import_with(tmp_path, tmp_path / "nope.txt", deadline)
        assert line == f"{tmp_path / 'nope.txt'}：文件不存在。"

    def test_socket(self, tmp_path, deadline):
        server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        server.bind(str(tmp_path / "s.txt"))
        try:
            line = self.import_with(tmp_path, tmp_path / "s.txt", deadline)
        finally:
            server.close()
        assert line == f"{tmp_path / 's.txt'}：不是普通文件（是套接字），没有读取。"

    def test_character_device(self, tmp_path, deadline):
        line = self.import_with(tmp_path, Path("/dev/zero"), deadline)
        assert line == "/dev/zero：不是普通文件（是字符设备），没有读取。"

    def test_directory_entries_that_are_not_files_are_named(self, tmp_path, deadline):
        folder = tmp_path / "issues"
        folder.mkdir()
        (folder / "a.txt").write_text(GOOD)
        os.mkfifo(folder / "b.txt")
        (folder / "c.txt").mkdir()
        (folder / "d.txt").symlink_to(folder / "d.txt")
        with deadline(30):
            _, err, error = import_(folder)
        assert error_lines(err) == [
            f"{folder / 'b.txt'}：不是普通文件（是命名管道），没有读取。",
            f"{folder / 'c.txt'}：不是普通文件（是目录），没有读取。",
            f"{folder / 'd.txt'}：符号链接循环，找不到真正的文件。",
        ]
        assert str(error) == "3 个文件导入失败。"
        assert list(Issue.objects.values_list("source_name", flat=True)) == ["a.txt"]


def as_ordinary_user(task, *, cwd: Path):
    """Run task() in `cwd`, in a forked child that is not root; return what it returns (JSON).

    Root reads any file whatever its mode, so a permission error can only be real for
    another user. The child drops to nobody (65534) and touches no database. It enters
    `cwd` while still root and then uses relative paths, so the folders above (a checkout
    in a private temporary folder, say) need not be open to nobody.
    """
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child
        try:
            os.close(read_end)
            os.chdir(cwd)
            if os.geteuid() == 0:
                os.setgroups([])
                os.setgid(65534)
                os.setuid(65534)
            payload = json.dumps(task())
        except BaseException as error:  # reported to the parent, which fails the test
            payload = json.dumps({"child error": repr(error)})
        os.write(write_end, payload.encode())
        os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end) as pipe:
        payload = pipe.read()
    os.waitpid(pid, 0)
    return json.loads(payload)


def messages_for(paths: list[str]) -> list[str]:
    """What the command reports for these paths, and the names of the files it read."""
    files, failures = issue_files(paths)
    lines = [str(f) for f in failures]
    for path in files:
        try:
            read_issue_file(path, max_bytes=10_000)
            lines.append(f"read {path.name}")
        except Exception as error:
            lines.append(str(error))
    return lines


class TestPermissions:
    """Unreadable files and folders, checked as an ordinary user (root ignores file modes)."""

    @pytest.fixture
    def shared_dir(self):
        # Not pytest's tmp_path, whose own folders only their owner may enter.
        with tempfile.TemporaryDirectory(prefix="newsroom-perm-") as name:
            path = Path(name)
            path.chmod(0o755)
            yield path
            for child in path.rglob("*"):
                child.chmod(stat.S_IRWXU)

    def test_unreadable_file_and_folder_are_named_and_the_rest_is_read(self, shared_dir):
        for name, mode in (("readable.txt", 0o644), ("secret.txt", 0o000)):
            (shared_dir / name).write_text(GOOD)
            (shared_dir / name).chmod(mode)
        for folder, mode in (("open", 0o755), ("locked", 0o000)):
            (shared_dir / folder).mkdir()
            (shared_dir / folder / "a.txt").write_text(GOOD)
            (shared_dir / folder / "a.txt").chmod(0o644)
            (shared_dir / folder).chmod(mode)
        paths = ["readable.txt", "secret.txt", "open", "locked"]
        assert as_ordinary_user(lambda: messages_for(paths), cwd=shared_dir) == [
            "locked：没有读取这个目录的权限，无法列出其中的文件。",
            "read readable.txt",
            "secret.txt：没有读取这个文件的权限。",
            "read a.txt",
        ]
