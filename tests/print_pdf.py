"""Reading the print edition's PDFs in tests: page texts (pypdfium2), and what the PDF's
objects say (fonts, language, images), from its streams inflated."""
import re
import zlib

import pypdfium2


def page_texts(pdf: bytes) -> list[str]:
    document = pypdfium2.PdfDocument(pdf)
    try:
        return [page.get_textpage().get_text_range() for page in document]
    finally:
        document.close()


def squeezed(text: str) -> str:
    """The text without any whitespace: lines broken in columns join up again."""
    return re.sub(r"\s+", "", text)


def pdf_objects(pdf: bytes) -> bytes:
    """The file and every Flate stream of it inflated, where object streams hide the catalog and fonts."""
    chunks = [pdf]
    for match in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S):
        try:
            chunks.append(zlib.decompress(match[1]))
        except zlib.error:
            pass  # an image or another stream that is not Flate
    return b"\n".join(chunks)


def font_names(pdf: bytes) -> set[str]:
    """The embedded fonts' names, without their subset prefixes (ABCDEF+)."""
    names = re.findall(rb"/BaseFont\s*/(?:[A-Z]{6}\+)?([A-Za-z0-9\-_]+)", pdf_objects(pdf))
    return {name.decode() for name in names}


def catalog_lang(pdf: bytes) -> list[str]:
    return [value.decode() for value in re.findall(rb"/Lang\s*\(([^)]*)\)", pdf_objects(pdf))]


def image_count(pdf: bytes) -> int:
    return len(re.findall(rb"/Subtype\s*/Image", pdf_objects(pdf)))
