"""The images an issue file's figures name: read from the images directory and checked
before anything is written, then stored in the import's transaction.

Storing writes files, which a rollback does not take back: `files_removed_on_failure`
deletes the files this import stored when its transaction fails after all (a later
statement, a lost race, the commit itself), so a failed import leaves neither rows nor
files. Validation alone cannot promise that: the database can still refuse later.
"""
import errno
import os
import stat
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.utils.translation import gettext as _

from newsroom.images.models import Image
from newsroom.images.safety import MAX_BYTES, ImageRefused, Inspected, inspect
from newsroom.images.storing import clean_alt
from newsroom.importing.parser import Block, ParsedIssue
from newsroom.tasks import image_upload


class FigureRefused(Exception):
    """An image line whose file cannot be used; the loader reports it with the file's name."""

    def __init__(self, message: str, line: int):
        super().__init__(message)
        self.message, self.line = message, line


@dataclass(frozen=True)
class FigureImage:
    """One distinct file name of the issue, as first named, with its checked content."""

    name: str
    block: Block  # the first image line naming it: its caption becomes the new image's alt
    data: bytes
    inspected: Inspected


def first_figures(parsed: ParsedIssue) -> dict[str, Block]:
    """Each file name's first image line, in file order."""
    first: dict[str, Block] = {}
    for article in parsed.articles:
        for block in article.figures:
            first.setdefault(block.file, block)
    return first


def figure_images(parsed: ParsedIssue, images_dir: Path | None) -> dict[str, FigureImage]:
    """Read and check every image the file names, or raise FigureRefused at the first bad one."""
    first = first_figures(parsed)
    if not first:
        return {}  # a file without figures costs nothing here
    if images_dir is None:
        block = next(iter(first.values()))
        message = _("有图片行（%(name)s），需要用 --images 指定图片所在的目录。") % {"name": block.file}
        raise FigureRefused(message, block.line)
    for article in parsed.articles:
        for block in article.figures:
            check_texts(block)
    images = {}
    for name, block in first.items():
        data = read_image(Path(images_dir) / name, block)
        try:
            inspected = inspect(data)
        except ImageRefused as refused:
            raise FigureRefused(image_message(name, refused.message), block.line) from None
        images[name] = FigureImage(name=name, block=block, data=data, inspected=inspected)
    return images


def check_texts(block: Block) -> None:
    """What image_add() and the columns would refuse inside the transaction, refused here with the line."""
    limits = ((block.text, "alt", _("说明文字")), (block.credit, "credit", _("摄影者")))
    for text, field, label in limits:
        limit = Image._meta.get_field(field).max_length
        if len(text) > limit:
            message = _("%(label)s太长（%(length)s 字），最多 %(limit)s 字。") % {"label": label, "length": len(text), "limit": limit}
            raise FigureRefused(image_message(block.file, message), block.line)
    try:
        clean_alt(block.text)
    except ValidationError as error:
        raise FigureRefused(image_message(block.file, "；".join(error.messages)), block.line) from None


def image_message(name: str, reason: str) -> str:
    return _("图片 %(name)s：%(reason)s") % {"name": name, "reason": reason}


def read_image(path: Path, block: Block) -> bytes:
    """The bytes of a regular file, at most one byte over the limit (inspect() refuses those)."""
    try:
        # Non-blocking, so that a FIFO named like a photo does not hang the import.
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0))
    except OSError as error:
        raise FigureRefused(image_message(block.file, open_error_reason(error)), block.line) from None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise FigureRefused(image_message(block.file, _("不是普通文件，没有读取。")), block.line)
        with os.fdopen(fd, "rb", closefd=False) as file:
            return file.read(MAX_BYTES + 1)
    except OSError as error:
        reason = _("读取失败（%(reason)s）。") % {"reason": error.strerror}
        raise FigureRefused(image_message(block.file, reason), block.line) from None
    finally:
        os.close(fd)


def open_error_reason(error: OSError) -> str:
    if error.errno == errno.ENOENT:
        return _("图片目录中没有这个文件。")
    if error.errno in (errno.EACCES, errno.EPERM):
        return _("没有读取这个文件的权限。")
    if error.errno == errno.ELOOP:
        return _("符号链接循环，找不到真正的文件。")
    return _("无法打开（%(reason)s）。") % {"reason": error.strerror}


# --- in the import's transaction -------------------------------------------------------


def figure_refs(images: dict[str, FigureImage], *, user, stored: list[str] | None) -> dict[str, dict]:
    """What each file name's figure shows: its Image's id, master URL, alt text and size.

    With `stored` (a list), images not yet in the library are added (renditions enqueued
    for when the transaction commits) and the names of the files written are appended to
    it; without, as for a dry run, only images already in the library are resolved.
    Identical files are one image: one query finds the ones already there, and a file that
    is a library image's stored master (as `export_issue --images` writes them) is that image.
    """
    if not images:
        return {}
    by_sha = {image.inspected.sha256: image for image in images.values()}
    found = {img.sha256: img for img in Image.objects.filter(sha256__in=by_sha)}
    for sha256, image in by_sha.items():
        if sha256 not in found and (same := image_with_master(image)) is not None:
            found[sha256] = same
    if stored is not None:
        for sha256, image in by_sha.items():
            if sha256 not in found:
                found[sha256] = add_image(image, user=user, stored=stored)
    return {
        name: figure_ref(found[image.inspected.sha256])
        for name, image in images.items()
        if image.inspected.sha256 in found
    }


def image_with_master(image: FigureImage) -> Image | None:
    """The library image whose stored master is exactly this file, if any.

    A library image is known by the SHA-256 of the file first uploaded, but what it stores
    (and what an export writes) is the cleaned master: compared byte for byte, among the
    images of the same size and format, which are few."""
    candidates = Image.objects.filter(
        bytes=len(image.data), width=image.inspected.width, height=image.inspected.height, format=image.inspected.format
    )
    for candidate in candidates.order_by("pk"):
        try:
            with default_storage.open(candidate.file.name, "rb") as master:
                if master.read() == image.data:
                    return candidate
        except OSError:
            continue  # its file is gone: not a picture this one can be
    return None


def add_image(image: FigureImage, *, user, stored: list[str]) -> Image:
    block = image.block
    title_limit = Image._meta.get_field("title").max_length
    added, created = image_upload(
        data=image.data, title=block.text[:title_limit], alt=block.text, caption=block.text, credit=block.credit, user=user
    )
    if created:
        stored.append(added.file.name)
    return added


def figure_ref(image: Image) -> dict:
    return {"image": image.pk, "src": image.file.url, "alt": image.alt, "width": image.width, "height": image.height}


@contextmanager
def files_removed_on_failure():
    """Yields a list for the names of files stored inside the block; deletes them if it fails."""
    stored: list[str] = []
    try:
        yield stored
    except BaseException:
        for name in stored:
            default_storage.delete(name)
        raise
