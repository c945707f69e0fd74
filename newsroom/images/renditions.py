"""Renditions: every size, crop and format a page shows, made once, off the request path.

Pages never make renditions (newsroom.images.html reads what is ready); the background
worker makes them after an upload or a focal-point change (newsroom.tasks.render_image).
"""
import io
import logging

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from PIL import Image as PILImage
from PIL import ImageOps

from newsroom.images.models import Image, Rendition
from newsroom.images.safety import ALLOWED_FORMATS, profile_fits

log = logging.getLogger(__name__)

# Shapes the site shows: None keeps the picture's own ratio (figures, covers, the article's
# lead); cards are 16:9 and reporters' photos 1:1, cropped around the focal point.
SHAPES = {"original": None, "wide": (16, 9), "square": (1, 1)}
WIDTHS = (480, 960, 1600)
FORMATS = ("avif", "webp", "jpeg")
# Chosen by measurement (bench/images.py, docs/benchmarks.md "Rendition qualities"): JPEG 80
# sets the target, its median SSIM over the photo corpus (0.975); WebP and AVIF get the lowest
# quality that reaches it. There AVIF is 0.58 and WebP 0.88 of the JPEG's bytes (medians),
# and AVIF is smaller than WebP in every case. AVIF 50, the first guess, fell short (0.961).
QUALITY = {"avif": 64, "webp": 86, "jpeg": 80}
# libavif's speed (0 slowest, 10 fastest): 6, its default; see docs/benchmarks.md.
AVIF_SPEED = 6
EXTENSIONS = {"avif": ".avif", "webp": ".webp", "jpeg": ".jpg"}
# The longest side libwebp encodes (AVIF and JPEG allow 65,535): a taller rendition failed the
# whole task with "Image size exceeds WebP limit", leaving the picture without renditions.
MAX_SIDE = 16383
# The modes Pillow opens a 16-bit greyscale PNG in (0..65535 a pixel).
SIXTEEN_BIT_GREY = ("I;16", "I;16B", "I;16L", "I")


def crop_box(width: int, height: int, focal_x: float, focal_y: float, ratio) -> tuple[int, int, int, int]:
    """The largest box of the given ratio inside the picture, centred on the focal point as
    far as the edges allow. `ratio` None means the whole picture."""
    if ratio is None:
        return (0, 0, width, height)
    rx, ry = ratio
    crop_w, crop_h = width, round(width * ry / rx)
    if crop_h > height:
        crop_w, crop_h = round(height * rx / ry), height
    left = _clamp(round(focal_x * width - crop_w / 2), 0, width - crop_w)
    top = _clamp(round(focal_y * height - crop_h / 2), 0, height - crop_h)
    return (left, top, left + crop_w, top + crop_h)


def _clamp(value: int, low: int, high: int) -> int:
    return max(low, min(value, high))


def widths_for(width: int, height: int | None = None) -> list[int]:
    """Never upscaled: a picture narrower than the smallest width gets its own width only.

    Given the height too, no width whose rendition would be taller than MAX_SIDE: a long
    picture (an infographic 1080×20000, a 长图) gets the widths WebP can encode, or else the
    widest single width that stays within MAX_SIDE."""
    widths = [w for w in WIDTHS if w <= width] or [width]
    if height is None:
        return widths
    return [w for w in widths if round(w * height / width) <= MAX_SIDE] or [max(1, MAX_SIDE * width // height)]


def rendition_name(image: Image, shape: str, width: int, fmt: str) -> str:
    return f"renditions/{image.sha256[:2]}/{image.sha256[:20]}-v{image.version}-{shape}-{width}{EXTENSIONS[fmt]}"


def make_renditions(image_id: int, *, retire=None) -> int:
    """Make every rendition of the image's current version; the number of files written.

    Nothing is done when the renditions of this version are ready already, and the work is
    thrown away if the version moved on while it ran (a focal-point move, a re-render): the
    task the move enqueued makes the right ones. A version is rendered once, so a rendition's
    name (which holds the version) never shows other bytes and may be cached for good.

    The files of the renditions replaced are deleted once the swap commits, or handed to
    `retire(names)`, inside the swap's transaction, to be deleted later: pages cached by a
    CDN or open in a browser still point at them for a while.
    """
    image = Image.objects.filter(pk=image_id).first()
    if image is None or image.ready:
        return 0
    version = image.version
    try:
        with default_storage.open(image.file.name, "rb") as stored:
            picture = _first_frame(stored.read())
    except FileNotFoundError:
        # Deleted since the task was queued: its master goes when the deletion commits.
        if not Image.objects.filter(pk=image_id).exists():
            return 0
        raise
    made = _render_all(image, picture)
    if not _record(image.pk, version, made, retire=retire):
        for row in made:
            default_storage.delete(row.file)
        return 0
    return len(made)


def _first_frame(data: bytes) -> PILImage.Image:
    picture = PILImage.open(io.BytesIO(data), formats=ALLOWED_FORMATS)
    picture.seek(0)
    picture.load()
    # The master is upright already; this only guards masters stored before that rule.
    picture = ImageOps.exif_transpose(picture)
    if picture.mode in SIXTEEN_BIT_GREY:
        # Pillow's convert() clips a 16-bit grey to 255 instead of scaling it, which turned a
        # 16-bit PNG (a scan, an export from a photo editor) into white renditions.
        picture = picture.convert("I").point(lambda value: value * (1 / 256)).convert("L")
    if picture.mode not in ("RGB", "RGBA"):
        picture = picture.convert("RGBA" if _has_alpha(picture) else "RGB")
    return picture


def _has_alpha(picture: PILImage.Image) -> bool:
    return picture.mode in ("RGBA", "LA", "PA") or "transparency" in picture.info


def _render_all(image: Image, picture: PILImage.Image) -> list[Rendition]:
    made: list[Rendition] = []
    try:
        _render_shapes(image, picture, made)
    except BaseException:
        # A failure part way (an encoder refusing a picture) leaves no files without rows.
        for row in made:
            default_storage.delete(row.file)
        raise
    return made


def _render_shapes(image: Image, picture: PILImage.Image, made: list[Rendition]) -> None:
    icc = picture.info.get("icc_profile")
    if icc and not profile_fits(icc, picture.mode):
        icc = None  # a grey master's profile, and _first_frame made its pixels RGB
    for shape, ratio in SHAPES.items():
        box = crop_box(picture.width, picture.height, image.focal_x, image.focal_y, ratio)
        cropped = picture.crop(box)
        for width in widths_for(cropped.width, cropped.height):
            height = max(1, round(width * cropped.height / cropped.width))
            resized = cropped if (width, height) == cropped.size else cropped.resize(
                (width, height), PILImage.Resampling.LANCZOS, reducing_gap=3.0
            )
            for fmt in FORMATS:
                data = encode(resized, fmt, icc=icc)
                name = default_storage.save(rendition_name(image, shape, width, fmt), ContentFile(data))
                made.append(Rendition(
                    image_id=image.pk, version=image.version, shape=shape, format=fmt,
                    width=width, height=height, file=name, bytes=len(data),
                ))


def encode(picture: PILImage.Image, fmt: str, *, icc: bytes | None = None) -> bytes:
    """One rendition's bytes, with no metadata but the colour profile."""
    options = {"quality": QUALITY[fmt]}
    if icc:
        options["icc_profile"] = icc
    if fmt == "jpeg":
        if picture.mode == "RGBA":
            # JPEG has no transparency: flatten onto the page's white.
            flat = PILImage.new("RGB", picture.size, (255, 255, 255))
            flat.paste(picture, mask=picture.getchannel("A"))
            picture = flat
        options.update(optimize=True, progressive=True)
    elif fmt == "webp":
        options["method"] = 6
    elif fmt == "avif":
        options["speed"] = AVIF_SPEED
    out = io.BytesIO()
    picture.save(out, format=fmt.upper(), **options)
    return out.getvalue()


def _record(image_id: int, version: int, made: list[Rendition], *, retire=None) -> bool:
    """Swap the image's renditions for these, if its version is still the one they show."""
    with transaction.atomic():
        image = Image.objects.select_for_update().filter(pk=image_id).first()
        if image is None or image.version != version:
            return False
        # Deleting row by row sends post_delete, which removes each old file after the commit,
        # except a name this run wrote again: on object storage (no atomic create) two runs of
        # one version, at once, both write the same key, and that file is now this run's; and
        # except the files handed to `retire`, which deletes them later.
        names = {row.file for row in made}
        retired = []
        for old in Rendition.objects.filter(image_id=image_id):
            old.keep_file = old.file in names or retire is not None
            if old.file not in names:
                retired.append(old.file)
            old.delete()
        if retire is not None and retired:
            retire(retired)
        Rendition.objects.bulk_create(made)
        image.sources = sources_of(version, made)
        image.save(update_fields=["sources"])
    return True


def sources_of(version: int, made: list[Rendition]) -> dict:
    """The `Image.sources` of these renditions: per shape, its full size and the files by format."""
    shapes: dict[str, dict] = {}
    for row in sorted(made, key=lambda r: (r.shape, r.format, r.width)):
        entry = shapes.setdefault(row.shape, {"width": 0, "height": 0})
        if row.width > entry["width"]:
            entry.update(width=row.width, height=row.height)
        entry.setdefault(row.format, []).append([row.width, row.height, row.file])
    return {"version": version, "shapes": shapes}
