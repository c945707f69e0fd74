"""Pictures for the public site's tests: made with Pillow, added through the library's one
path, and given renditions by hand where a test needs exact, known file names."""
import io

from PIL import Image as PILImage

from newsroom.images.models import Image
from newsroom.images.storing import image_add

# What the worker would make of a 1800×1200 picture (newsroom.images.renditions): three
# widths of the original and 16:9 crops, two of the 1:1 crop (1200 wide, never upscaled).
SIZES = {
    "original": [(480, 320), (960, 640), (1600, 1067)],
    "wide": [(480, 270), (960, 540), (1600, 900)],
    "square": [(480, 480), (960, 960)],
}
EXTENSIONS = {"avif": "avif", "webp": "webp", "jpeg": "jpg"}


def photo_bytes(width: int = 1800, height: int = 1200, *, seed: int = 0) -> bytes:
    """A noisy JPEG (noise, so that it is a photograph's size), distinct per `seed`."""
    picture = PILImage.effect_noise((width, height), 30 + seed).convert("RGB")
    picture.paste((20 + seed * 7 % 200, 90, 160), (0, 0, width // 3, height // 3))
    out = io.BytesIO()
    picture.save(out, "JPEG", quality=70)
    return out.getvalue()


def add_image(*, seed: int = 0, width: int = 1800, height: int = 1200, alt: str = "园区的研发大楼", **fields) -> Image:
    image, created = image_add(data=photo_bytes(width, height, seed=seed), alt=alt, **fields)
    assert created
    return image


def with_sources(image: Image) -> Image:
    """The image as if the worker had made its renditions: `sources` naming
    renditions/t/<id>-<shape>-<width>.<ext> (no files: pages only name them)."""
    shapes = {}
    for shape, sizes in SIZES.items():
        entry = {"width": sizes[-1][0], "height": sizes[-1][1]}
        for fmt, ext in EXTENSIONS.items():
            entry[fmt] = [[w, h, f"renditions/t/{image.pk}-{shape}-{w}.{ext}"] for w, h in sizes]
        shapes[shape] = entry
    Image.objects.filter(pk=image.pk).update(sources={"version": image.version, "shapes": shapes})
    image.refresh_from_db()
    return image


def srcset(image: Image, shape: str, ext: str) -> str:
    return ", ".join(f"/media/renditions/t/{image.pk}-{shape}-{w}.{ext} {w}w" for w, _h in SIZES[shape])
