"""Every uploaded picture passes here before anything is written (admin, importer, shell).

An upload is untrusted bytes. It is opened only by the decoders of an allowlist, its size
is checked from the header before a pixel is decoded, it is verified, then opened again
and fully decoded, and what we store is a clean re-encoding: orientation applied, no
EXIF (GPS, camera serials), no comments. Nothing an uploader wrote in the metadata
reaches a reader.
"""
import hashlib
import io
import re
import warnings
from dataclasses import dataclass

from django.utils.translation import gettext as _
from PIL import Image as PILImage
from PIL import ImageFile, ImageOps

MAX_BYTES = 25 * 1024 * 1024
MAX_PIXELS = 40_000_000
# An animation is decoded frame by frame to store it again; its frames together are bounded too.
MAX_FRAMES = 300
MAX_ANIMATION_PIXELS = 200_000_000
ALLOWED_FORMATS = ("JPEG", "PNG", "WEBP", "GIF", "AVIF")
EXTENSIONS = {"JPEG": ".jpg", "PNG": ".png", "WEBP": ".webp", "GIF": ".gif", "AVIF": ".avif"}
# Re-encoding a lossy original once, near the top of the scale, to drop its metadata.
MASTER_QUALITY = 92
# SVG is XML that can carry scripts and remote references; it is refused by name so the
# editor learns why, rather than being told the file is "not an image".
MARKUP_START = re.compile(rb"^(\xef\xbb\xbf)?\s*<", re.ASCII)


class ImageRefused(ValueError):
    """An upload we will not store; `message` says why, in the editor's language."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Inspected:
    format: str
    width: int
    height: int
    frames: int
    sha256: str
    master: bytes

    @property
    def extension(self) -> str:
        return EXTENSIONS[self.format]


def inspect(data: bytes) -> Inspected:
    """The checked, cleaned picture, or ImageRefused with the reason."""
    if not data:
        raise ImageRefused(_("文件是空的（0 字节）。"))
    if len(data) > MAX_BYTES:
        raise ImageRefused(
            _("文件太大：%(size)s MB，上限 %(limit)s MB。")
            % {"size": f"{len(data) / 1024 / 1024:.1f}", "limit": MAX_BYTES // 1024 // 1024}
        )
    if MARKUP_START.match(data[:512]) or b"<svg" in data[:4096].lower():
        raise ImageRefused(_("不接受 SVG 或 HTML 文件：它们可以带有脚本。请上传 JPEG、PNG、WebP、GIF 或 AVIF 图片。"))
    with _bombs_are_errors():
        picture = _open(data)
        frames = _check_size(picture)
        _verify(data)
        master, width, height = _decode_and_clean(data, frames)
    return Inspected(
        format=picture.format, width=width, height=height, frames=frames,
        sha256=hashlib.sha256(data).hexdigest(), master=master,
    )


class _bombs_are_errors(warnings.catch_warnings):
    """Pillow only warns below twice its own pixel limit; a warning here refuses the file."""

    def __enter__(self):
        super().__enter__()
        warnings.simplefilter("error", PILImage.DecompressionBombWarning)
        return self


def _open(data: bytes) -> PILImage.Image:
    try:
        return PILImage.open(io.BytesIO(data), formats=ALLOWED_FORMATS)
    except (PILImage.DecompressionBombError, PILImage.DecompressionBombWarning):
        raise ImageRefused(_too_many_pixels()) from None
    except Exception:  # noqa: BLE001 - any decoder failure means the same to the editor
        raise ImageRefused(
            _("无法识别这个文件：只接受 JPEG、PNG、WebP、GIF 和 AVIF 图片。")
        ) from None


def _too_many_pixels(width: int | None = None, height: int | None = None) -> str:
    if width and height:
        return _("图片太大：%(width)s×%(height)s 像素，上限 %(limit)s 万像素。") % {
            "width": width, "height": height, "limit": MAX_PIXELS // 10_000,
        }
    return _("图片像素过多，上限 %(limit)s 万像素。") % {"limit": MAX_PIXELS // 10_000}


def _check_size(picture: PILImage.Image) -> int:
    """Refuse from the header alone, before decoding a single pixel."""
    width, height = picture.size
    if width < 1 or height < 1:
        raise ImageRefused(_("图片的尺寸无效。"))
    if width * height > MAX_PIXELS:
        raise ImageRefused(_too_many_pixels(width, height))
    try:
        # Counting a GIF's frames reads every frame's header: a file cut inside one fails here.
        frames = getattr(picture, "n_frames", 1)
    except Exception:  # noqa: BLE001 - any decoder failure means the same to the editor
        raise ImageRefused(_broken()) from None
    if frames > MAX_FRAMES or frames * width * height > MAX_ANIMATION_PIXELS:
        raise ImageRefused(_("动图的帧数太多（%(frames)s 帧）。") % {"frames": frames})
    return frames


def _verify(data: bytes) -> None:
    try:
        PILImage.open(io.BytesIO(data), formats=ALLOWED_FORMATS).verify()
    except (PILImage.DecompressionBombError, PILImage.DecompressionBombWarning):
        raise ImageRefused(_too_many_pixels()) from None
    except Exception:  # noqa: BLE001
        raise ImageRefused(_broken()) from None


def _broken() -> str:
    return _("图片文件已损坏或不完整，无法读取。")


def _decode_and_clean(data: bytes, frames: int) -> tuple[bytes, int, int]:
    """A full decode (a truncated file fails here), then the clean copy we keep."""
    # verify() left the file unusable; Pillow wants a fresh open for decoding.
    picture = PILImage.open(io.BytesIO(data), formats=ALLOWED_FORMATS)
    previous = ImageFile.LOAD_TRUNCATED_IMAGES
    try:
        ImageFile.LOAD_TRUNCATED_IMAGES = False
        if frames > 1:
            return _clean_animation(picture)
        picture.load()
        upright = ImageOps.exif_transpose(picture)
        return _encode_master(upright, picture.format), upright.width, upright.height
    except (PILImage.DecompressionBombError, PILImage.DecompressionBombWarning):
        raise ImageRefused(_too_many_pixels()) from None
    except ImageRefused:
        raise
    except Exception:  # noqa: BLE001
        raise ImageRefused(_broken()) from None
    finally:
        ImageFile.LOAD_TRUNCATED_IMAGES = previous


def _clean_animation(picture: PILImage.Image) -> tuple[bytes, int, int]:
    # Every frame is decoded here, so a truncated frame anywhere refuses the file.
    for index in range(picture.n_frames):
        picture.seek(index)
        picture.load()
    picture.seek(0)
    out = io.BytesIO()
    picture.save(out, format=picture.format, save_all=True, **_options(picture, picture.format))
    return out.getvalue(), picture.width, picture.height


def _encode_master(picture: PILImage.Image, fmt: str) -> bytes:
    if fmt == "JPEG" and picture.mode not in ("RGB", "L"):
        picture = picture.convert("RGB")
    out = io.BytesIO()
    picture.save(out, format=fmt, **_options(picture, fmt))
    return out.getvalue()


GREY_MODES = ("1", "L", "LA", "I", "I;16", "I;16B", "I;16L")


def profile_fits(icc: bytes, mode: str) -> bool:
    """Whether a colour profile describes pixels of this mode. A profile names its colour
    space in bytes 16-20 of its header; once a CMYK photo is converted to RGB (or a grey one
    for renditions), its profile no longer fits, and attached to the new pixels it is invalid:
    readers ignore it or show wrong colours. The picture then goes without one (sRGB)."""
    space = icc[16:20]
    if mode == "CMYK":
        return space == b"CMYK"
    if mode in GREY_MODES:
        return space == b"GRAY"
    return space == b"RGB "


def _options(picture: PILImage.Image, fmt: str) -> dict:
    """Encoder options that keep the colour profile and nothing else of the metadata."""
    # Pillow carries a comment over from the source unless told otherwise.
    options = {"comment": b""} if fmt in ("JPEG", "GIF") else {}
    icc = picture.info.get("icc_profile")
    if icc and fmt != "GIF" and profile_fits(icc, picture.mode):
        options["icc_profile"] = icc
    if fmt in ("JPEG", "WEBP", "AVIF"):
        options["quality"] = MASTER_QUALITY
    if fmt == "GIF" and "duration" in picture.info:
        options.update(duration=picture.info["duration"], loop=picture.info.get("loop", 0))
    return options
