"""Finding and reading issue files, with the real reason when one cannot be read.

Every problem is reported for its own file, so the other files of a run still import.
"""
import errno
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

from django.utils.translation import gettext as _

from newsroom.importing.loader import ImportFailed


@dataclass
class FoundFiles:
    files: list[Path] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)  # one line each: the path and why


def find_issue_files(paths: list[str]) -> FoundFiles:
    """The files to import: files as given, and each folder's *.txt in name order."""
    found = FoundFiles()
    for raw in paths:
        path = Path(raw)
        try:
            mode = os.stat(path).st_mode
        except OSError as error:
            found.failures.append(f"{path}：{os_problem(path, error)}")
            continue
        if stat.S_ISDIR(mode):
            _add_folder(found, path)
        else:
            # Named files go on even when they are not regular: reading says why not.
            found.files.append(path)
    return found


def _add_folder(found: FoundFiles, folder: Path) -> None:
    try:
        names = sorted(entry.name for entry in os.scandir(folder) if entry.name.endswith(".txt"))
    except OSError as error:
        found.failures.append(f"{folder}：{os_problem(folder, error)}")
        return
    if not names:
        found.failures.append(f"{folder}：" + _("目录中没有 *.txt 文件。"))
    found.files.extend(folder / name for name in names)


def read_issue_file(path: Path, *, max_bytes: int) -> bytes:
    """The file's bytes, or ImportFailed saying exactly why not.

    Opened without blocking and checked after opening, so a FIFO is refused instead of
    waiting forever for a writer, and a file swapped after a check cannot slip through.
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except OSError as error:
        raise ImportFailed(str(path), os_problem(path, error)) from None
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode):
        os.close(fd)
        raise ImportFailed(str(path), not_a_file(info.st_mode))
    with os.fdopen(fd, "rb") as f:
        if info.st_size > max_bytes:  # refused before reading a huge file into memory
            raise ImportFailed(str(path), too_large(info.st_size, max_bytes))
        try:
            data = f.read(max_bytes + 1)  # never more than the limit, even if it grew meanwhile
        except OSError as error:
            raise ImportFailed(str(path), os_problem(path, error)) from None
    if len(data) > max_bytes:
        raise ImportFailed(str(path), too_large(len(data), max_bytes))
    return data


def too_large(size: int, limit: int) -> str:
    return _("文件过大（%(size)s 字节），上限为 %(limit)s 字节。") % {"size": size, "limit": limit}


def os_problem(path: Path, error: OSError) -> str:
    if error.errno == errno.ENOENT:
        return _("符号链接指向的文件不存在。") if path.is_symlink() else _("文件不存在。")
    if error.errno == errno.ELOOP:
        return _("符号链接循环，找不到真正的文件。")
    if error.errno in {errno.EACCES, errno.EPERM}:
        return _("没有读取权限。")
    if error.errno == errno.EISDIR:
        return _("这是一个目录，不是文件。")
    if error.errno == errno.ENOTDIR:
        return _("路径中有一部分不是目录。")
    return _("无法读取：%(reason)s。") % {"reason": error.strerror or error}


def not_a_file(mode: int) -> str:
    kinds = [
        (stat.S_ISDIR, _("目录")), (stat.S_ISFIFO, _("命名管道（FIFO）")), (stat.S_ISSOCK, _("套接字")),
        (stat.S_ISCHR, _("字符设备")), (stat.S_ISBLK, _("块设备")),
    ]
    kind = next((label for test, label in kinds if test(mode)), _("特殊文件"))
    return _("不是普通文件，而是%(kind)s。") % {"kind": kind}
