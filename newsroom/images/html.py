"""The <picture> markup of an image, from what is ready: no query, no write, never a wait."""
from django.core.files.storage import default_storage
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

SOURCE_TYPES = (("avif", "image/avif"), ("webp", "image/webp"))


def url(name: str) -> str:
    return default_storage.url(name)


def srcset(files: list) -> str:
    return ", ".join(f"{url(name)} {width}w" for width, _height, name in files)


def picture(image, *, shape: str = "original", sizes: str = "100vw", lazy: bool = True,
            css_class: str = "", priority: bool = False) -> SafeString:
    """The image as the page shows it: its renditions of `shape` when the worker has made
    them, else the stored master at its natural size (width and height still reserve the
    space, so nothing shifts when the picture arrives)."""
    if image is None:
        return mark_safe("")
    entry = image.renditions_of(shape)
    loading = _loading_attributes(lazy=lazy, priority=priority)
    if not entry:
        return format_html(
            '<img src="{}" width="{}" height="{}" alt="{}"{}{}>',
            url(image.file.name), image.width, image.height, image.alt, _class(css_class), loading,
        )
    jpeg = entry["jpeg"]
    fallback = _closest(jpeg, 960)
    sources = format_html_join(
        "", '<source type="{}" srcset="{}" sizes="{}">',
        ((kind, srcset(entry[fmt]), sizes) for fmt, kind in SOURCE_TYPES if entry.get(fmt)),
    )
    return format_html(
        '<picture>{}<img src="{}" srcset="{}" sizes="{}" width="{}" height="{}" alt="{}"{}{}></picture>',
        sources, url(fallback[2]), srcset(jpeg), sizes, entry["width"], entry["height"], image.alt,
        _class(css_class), loading,
    )


def _closest(files: list, width: int) -> list:
    """The rendition nearest the given width, for browsers that read only src."""
    return min(files, key=lambda item: abs(item[0] - width))


def _class(css_class: str) -> SafeString:
    return format_html(' class="{}"', css_class) if css_class else mark_safe("")


def _loading_attributes(*, lazy: bool, priority: bool) -> SafeString:
    if priority:
        return mark_safe(' decoding="async" fetchpriority="high"')
    if lazy:
        return mark_safe(' loading="lazy" decoding="async"')
    return mark_safe(' decoding="async"')


def best_url(image, *, shape: str = "original", width: int = 1600) -> tuple[str, int, int]:
    """One JPEG for places that take a single URL (og:image, JSON-LD): (url, width, height)."""
    entry = image.renditions_of(shape)
    if not entry:
        return url(image.file.name), image.width, image.height
    chosen = _closest(entry["jpeg"], width)
    return url(chosen[2]), chosen[0], chosen[1]


def framed_picture(image, *, shape: str = "original", **options) -> SafeString:
    """picture() in the fixed-ratio box of its shape (site.css `.picture--wide`,
    `.picture--square`). The renditions are cropped to it already; the master shown until they
    are made is cropped by the browser around the focal point, which travels in tenths as
    classes (`focus-x3 focus-y7`), the CSP allowing no style attribute."""
    if image is None or shape == "original":
        return picture(image, shape=shape, **options)
    classes = f"picture--{shape} focus-x{round(image.focal_x * 10)} focus-y{round(image.focal_y * 10)}"
    return picture(image, shape=shape, css_class=classes, **options)


def smallest(image, *, shapes: tuple[str, ...], formats: tuple[str, ...]) -> tuple[str, int, int]:
    """(url, width, height) of the smallest ready rendition, trying shapes then formats in
    order; else the stored master. For thumbnails at the desk."""
    for shape in shapes:
        entry = image.renditions_of(shape)
        for fmt in formats:
            if entry.get(fmt):
                width, height, name = min(entry[fmt])
                return url(name), width, height
    return url(image.file.name), image.width, image.height
