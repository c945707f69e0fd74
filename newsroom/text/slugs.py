"""The one slug function: Han characters become pinyin, since a plain slugify drops them."""
import hashlib
import re
import unicodedata

from pypinyin import Style
from pypinyin.converter import UltimateConverter
from pypinyin.core import Pinyin

MAX_SLUG_LENGTH = 80


class ToneFreeConverter(UltimateConverter):
    """pypinyin's own converter, with Style.NORMAL worked out once per toned syllable.

    Dropping the tone marks depends on the syllable alone (`zhōng` -> `zhong`, whatever the
    character), and pypinyin knows about 2,300 toned syllables, so remembering each answer
    is bounded. lazy_pinyin() spent half its time on this step, and an import spells every
    new headline and reporter's name.
    """

    def __init__(self):
        super().__init__()
        self._normal = {}

    def convert_style(self, han, orig_pinyin, style, strict, **kwargs):
        if style != Style.NORMAL or kwargs:
            return super().convert_style(han, orig_pinyin, style, strict, **kwargs)
        key = (orig_pinyin, strict)
        if key not in self._normal:
            self._normal[key] = super().convert_style(han, orig_pinyin, style, strict)
        return self._normal[key]


# One converter for the process, where lazy_pinyin() builds a new one on every call.
PINYIN = Pinyin(ToneFreeConverter())


def slugify(text: str) -> str:
    """ASCII letters, digits, hyphens and underscores, as Django's slugify without allow_unicode."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    words = re.sub(r"[^\w\s-]", "", ascii_text.lower())
    return re.sub(r"[-\s]+", "-", words).strip("-_")


def pinyin_slug(text: str, *, max_length: int = MAX_SLUG_LENGTH) -> str:
    """`国家高新区忙开局` -> `guo-jia-gao-xin-qu-mang-kai-ju`; Latin words stay whole."""
    # lazy_pinyin() returns runs of non-Han text unchanged, so "siRNA药物" keeps "sirna".
    slug = slugify("-".join(PINYIN.lazy_pinyin(text or "")))
    slug = slug[:max_length].strip("-")
    return slug


def fallback_slug(text: str, *, prefix: str) -> str:
    """For a name with nothing to spell (`🔥`, `！！！`): the same name always gives the same slug."""
    return f"{prefix}-{hashlib.sha256((text or '').encode()).hexdigest()[:8]}"


def unique_slug(*, model, text: str, instance_pk=None, field: str = "slug") -> str:
    """A pinyin slug not yet used by another row of `model` (suffixes -2, -3, …)."""
    base = base_slug(text, prefix=model._meta.model_name)
    others = model._default_manager.exclude(pk=instance_pk) if instance_pk else model._default_manager.all()
    taken = set(others.filter(**{f"{field}__startswith": base}).values_list(field, flat=True))
    return free_slug(base, taken)


def base_slug(text: str, *, prefix: str) -> str:
    """The slug a row named `text` gets unless another row has it already."""
    return pinyin_slug(text) or fallback_slug(text, prefix=prefix)


def free_slug(base: str, taken: set[str]) -> str:
    """`base`, or `base-2`, `base-3`, … : the first one not in `taken`."""
    slug, n = base, 2
    while slug in taken:
        slug = f"{base[: MAX_SLUG_LENGTH - len(str(n)) - 1]}-{n}"
        n += 1
    return slug


def in_pinyin_order(names) -> list[str]:
    # Readers look names up alphabetically by pinyin (安徽, 北京, 重庆…), not by code point.
    return sorted(names, key=lambda name: (pinyin_slug(name), name))
