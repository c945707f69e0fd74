"""The print edition's pages as pictures, for the 数字报: each page of the PDF drawn by
PDFium (pypdfium2) at the widths the page view offers."""
import io

import pypdfium2

# The page view's image widths in pixels: one for a phone or the column beside the page
# list, one to zoom into (an A3 page at 1600 px shows body text at about 7 px a point).
WIDTHS = (800, 1600)
JPEG_QUALITY = 82


def page_images(pdf: bytes, widths=WIDTHS) -> list[dict]:
    """Every page of the PDF as JPEG bytes at each width.

    Returns one dict a page: {"number", "width", "height" (in points), "jpeg": {width:
    bytes}, "size": {width: (w, h) in pixels}}."""
    document = pypdfium2.PdfDocument(pdf)
    try:
        return [_page(document[index], index + 1, widths) for index in range(len(document))]
    finally:
        document.close()


def _page(page, number: int, widths) -> dict:
    width_pt, height_pt = page.get_size()
    jpeg, size = {}, {}
    try:
        for width in widths:
            bitmap = page.render(scale=width / width_pt, may_draw_forms=False)
            image = bitmap.to_pil().convert("RGB")
            out = io.BytesIO()
            # Progressive: on a slow phone the whole page shows at once, then sharpens.
            image.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True, progressive=True)
            jpeg[width], size[width] = out.getvalue(), image.size
    finally:
        page.close()
    return {"number": number, "width": width_pt, "height": height_pt, "jpeg": jpeg, "size": size}
