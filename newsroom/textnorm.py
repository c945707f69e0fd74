"""Invisible characters: what they are, and names and headlines without them. No Django here.

Zero-width and format characters are invisible on the page, so `张\u200b三丰` looks
exactly like 张三丰 and would become a second reporter who cannot be told apart. Bidi
controls are worse: U+202E (right-to-left override) makes the text after it display
reversed, so a name or headline can show something other than what it contains; they have
no use in Chinese text.
"""
import unicodedata

# Visible in no font, though not all of them are format characters (Cf): variation
# selectors, fillers and the blank braille pattern are letters or symbols to Unicode.
BLANK_LOOKING = frozenset("\u115f\u1160\u180e\u2800\u3164\uffa0")


def is_invisible(ch: str) -> bool:
    """Format characters (zero-width, bidi, BOM, soft hyphen) and other blank-looking ones."""
    return (
        unicodedata.category(ch) == "Cf"
        or ch in BLANK_LOOKING
        or "\ufe00" <= ch <= "\ufe0f"  # variation selectors
        or "\U000e0100" <= ch <= "\U000e01ef"
    )


def without_invisible(text: str) -> str:
    return "".join(ch for ch in text if not is_invisible(ch))


def has_visible_text(text: str) -> bool:
    """True when something would show: not only invisible characters and spaces."""
    return any(not is_invisible(ch) and not ch.isspace() for ch in text)


def clean_name(name: str) -> str:
    """A person's name as it is stored and matched: no invisible characters, no outer spaces."""
    return without_invisible(unicodedata.normalize("NFC", name)).strip()
