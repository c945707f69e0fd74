r"""Django-free text rules shared by the importer and the models: invisible characters and names.

Some characters take no space and show nothing: zero-width spaces and joiners, the byte
order mark, variation selectors, and the bidirectional controls (U+202A–U+202E,
U+2066–U+2069, U+200E/U+200F, U+061C). The bidi controls are the dangerous ones: they
reorder how the text around them is displayed without changing what is stored, so
`\u202e三丰张` shows as 张丰三 while it sorts, searches and compares as something else
("Trojan Source", CVE-2021-42574), and an override left open spills into the text that
follows it wherever the name is shown inline (a byline list, a page title, a feed).
A name carrying any of them can impersonate another reporter, or look identical to an
existing one while being a different row.
"""
import unicodedata

# Unicode's Default_Ignorable_Code_Point property, which unicodedata does not expose,
# minus the format (Cf) characters that the category test below catches anyway.
IGNORABLE_RANGES = (
    (0x034F, 0x034F),  # combining grapheme joiner
    (0x115F, 0x1160),  # Hangul choseong and jungseong fillers
    (0x17B4, 0x17B5),  # Khmer inherent vowels
    (0x180B, 0x180F),  # Mongolian free variation selectors
    (0x3164, 0x3164),  # Hangul filler
    (0xFE00, 0xFE0F),  # variation selectors
    (0xFFA0, 0xFFA0),  # halfwidth Hangul filler
    (0xE0000, 0xE0FFF),  # tags and the ideographic variation selectors
)
VISIBLE_CATEGORIES = ("L", "N", "P", "S")  # letters, numbers, punctuation, symbols
BLANK_SYMBOLS = "\u2800"  # the Braille blank is a symbol that draws nothing


def is_ignorable(ch: str) -> bool:
    """A format character or another code point that renderers skip."""
    if unicodedata.category(ch) == "Cf":
        return True
    code = ord(ch)
    return any(low <= code <= high for low, high in IGNORABLE_RANGES)


def is_visible(ch: str) -> bool:
    return (
        unicodedata.category(ch)[0] in VISIBLE_CATEGORIES
        and not is_ignorable(ch)
        and ch not in BLANK_SYMBOLS
    )


def has_visible_text(text: str) -> bool:
    """False for text made only of spaces, format characters, fillers and lone marks."""
    return any(is_visible(ch) for ch in text)


def code_points(text: str, *, limit: int = 4) -> str:
    """`U+202E U+200B`: the distinct characters of `text`, for messages about invisible text."""
    distinct = list(dict.fromkeys(text))
    shown = " ".join(f"U+{ord(ch):04X}" for ch in distinct[:limit])
    return shown + (" …" if len(distinct) > limit else "")


def clean_name(name: str) -> str:
    r"""The one form of a person's name that is stored and matched.

    Invisible characters are removed, so `张\u200b三丰` is 张三丰; canonical composition
    makes the CJK compatibility ideographs and decomposed accents equal to their usual
    form; runs of spaces become one space.
    """
    visible = "".join(ch for ch in name if not is_ignorable(ch))
    return " ".join(unicodedata.normalize("NFC", visible).split())
