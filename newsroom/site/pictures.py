"""Pictures on public pages beyond a single <picture>: the body's figures, and the one image
that link previews (og:image) and search engines (JSON-LD) show for an article.

Like newsroom.images.html, nothing here makes a rendition, writes or waits: what the worker
has not made yet is shown from the stored master.
"""
import re

from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from newsroom.images.html import best_url, picture
from newsroom.images.models import Image

# The sanitizer lets exactly this opening through (articles/body.py), so a pattern over the
# stored body finds every figure: its image's id and the <img> that stands for it.
FIGURE_IMG = re.compile(r'<figure data-image="(\d+)"><img [^>]*>')
# A figure fills the body's column: 42.75rem (.story) on a wide screen, the viewport less the
# page's margins on a phone.
FIGURE_SIZES = "(min-width: 47rem) 42.75rem, calc(100vw - 2rem)"
# Link previews are landscape: the 16:9 crop at its largest width.
SHARE_SHAPE, SHARE_WIDTH = "wide", 1600


def body_with_pictures(body: str) -> SafeString:
    """The sanitized body with each figure's <img> replaced by its image's <picture>: one
    query for all the figures of the body, none when it has none. A figure whose image is
    gone keeps the <img> it was stored with."""
    ids = {int(pk) for pk in FIGURE_IMG.findall(body)}
    if not ids:
        return mark_safe(body)
    images = Image.objects.in_bulk(ids)

    def swap(match) -> str:
        image = images.get(int(match[1]))
        if image is None:
            return match[0]
        return format_html('<figure data-image="{}">{}', image.pk, picture(image, sizes=FIGURE_SIZES))

    return mark_safe(FIGURE_IMG.sub(swap, body))


def share_image(request, image) -> dict | None:
    """The article's picture for og:image and JSON-LD: the 1600-wide JPEG of its 16:9 crop
    once made, else the master; an absolute URL with its size and alt text."""
    if image is None:
        return None
    url, width, height = best_url(image, shape=SHARE_SHAPE, width=SHARE_WIDTH)
    return {"url": request.build_absolute_uri(url), "width": width, "height": height, "alt": image.alt}
