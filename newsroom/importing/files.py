"""Finding and reading issue files, with the real reason for each one that cannot be read."""
import errno
import os
import stat
from pathlib import Path

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from newsroom.importing.loader import ImportFailed

FILE_KINDS = {
    stat.S_IFDIR: gettext_lazy("目录"),
    stat.S_IFIFO: gettext_lazy("命名管道"),
    stat.S_IFSOCK: gettext_lazy("套接字"),
    stat.S_IFCHR: gettext_lazy("字符设备"),
    stat.S_IFBLK: gettext_lazy("块设备"),
    stat.S_IFLNK: gettext_lazy("符号链接"),
}


def issue_files(paths: list[str]) -> tuple[list[Path], list[ImportFailed]]:
    """The files to import, in order; a directory stands for the *.txt entries in it, by name.

    Anything that is not a directory is taken as a file and checked when it is read, so
    that a missing file, a loop or a FIFO is reported with its own reason.
    """
    files, failures = [], []
    for raw in paths:
        path = Path(raw)
        if not is_directory(path):
            files.append(path)
            continue
        try:
            entries = txt_entries(path)
        except OSError as error:
            failures.append(ImportFailed(str(path), directory_error_message(error)))
            continue
        if not entries:
            failures.append(ImportFailed(str(path), _("目录中没有 *.txt 文件。")))
        files.extend(entries)
    return files, failures


def is_directory(path: Path) -> bool:
    try:
        return stat.S_ISDIR(os.stat(path).st_mode)
    except OSError:
        return False


def txt_entries(directory: Path) -> list[Path]:
    # Every *.txt entry, not only regular files: a FIFO or a folder named x.txt is
    # reported when read rather than skipped without a word. Hidden files are skipped.
    with os.scandir(directory) as entries:
        names = [e.name for e in entries if e.name.endswith(".txt") and not e.name.startswith(".")]
    return [directory / name for name in sorted(names)]


def read_issue_file(path: Path, *, max_bytes: int) -> bytes:
    """The bytes of a regular file of at most max_bytes, or ImportFailed with the reason."""
    try:
        # Non-blocking, so that opening a FIFO returns at once instead of waiting for a
        # writer; the descriptor is then checked to be a regular file before any read.
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0))
    except OSError as error:
        raise ImportFailed(str(path), open_error_message(path, error)) from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise ImportFailed(str(path), not_regular_message(info.st_mode))
        if info.st_size > max_bytes:  # refused before reading a huge file into memory
            raise ImportFailed(str(path), too_large_message(info.st_size, max_bytes))
        with os.fdopen(fd, "rb", closefd=False) as file:
            data = file.read(max_bytes + 1)
    except OSError as error:
        raise ImportFailed(str(path), _("读取失败（%(reason)s）。") % {"reason": error.strerror}) from None
    finally:
        os.close(fd)
    if len(data) > max_bytes:  # it grew while being read
        raise ImportFailed(str(path), too_large_message(len(data), max_bytes))
    return data


def too_large_message(size: int, limit: int) -> str:
    return _("文件过大（%(size)s 字节），上限为 %(limit)s 字节。") % {"size": size, "limit": limit}


def not_regular_message(mode: int) -> str:
    kind = FILE_KINDS.get(stat.S_IFMT(mode), _("特殊文件"))
    return _("不是普通文件（是%(kind)s），没有读取。") % {"kind": kind}


def open_error_message(path: Path, error: OSError) -> str:
    if error.errno == errno.ENOENT:
        if os.path.islink(path):
            return _("符号链接指向的文件不存在（%(target)s）。") % {"target": os.readlink(path)}
        return _("文件不存在。")
    if error.errno == errno.ELOOP:
        return _("符号链接循环，找不到真正的文件。")
    if error.errno in (errno.EACCES, errno.EPERM):
        return _("没有读取这个文件的权限。")
    if error.errno == errno.ENXIO:  # what opening a socket gives
        try:
            return not_regular_message(os.stat(path).st_mode)
        except OSError:
            pass
    if error.errno == errno.ENOTDIR:
        return _("路径中有一段不是目录。")
    return _("无法打开（%(reason)s）。") % {"reason": error.strerror}


def directory_error_message(error: OSError) -> str:
    if error.errno in (errno.EACCES, errno.EPERM):
        return _("没有读取这个目录的权限，无法列出其中的文件。")
    return _("无法读取目录（%(reason)s）。") % {"reason": error.strerror}
