"""Zone mention detection: text in, zones (with counts) and unknown `…高新区` names out.

The matcher uses the longest name at each position, so 武汉东湖高新区 is one mention of
one zone, not also a mention of 东湖高新区. Generic phrases are matched too, but link
nothing: they only stop a shorter name inside them from matching.
"""
from collections import Counter
from dataclasses import dataclass, field

# Phrases that look like zone names but name no single zone.
GENERIC_PHRASES = (
    "国家高新区",
    "国家级高新区",
    "各高新区",
    "各高新园区",
    "高新园区",
    "南京市火炬中心",  # an office, not the zone
)
UNKNOWN_SUFFIX = "高新区"
# Words before 高新区 that make it a category, not a name (各高新区, 该高新区, 全国高新区…).
GENERIC_PREFIXES = frozenset(
    "国家 国家级 各 各地 该 本 全国 全省 省级 市级 其他 其它 多个 多家 这些 所有 一批 两个 部分 有关 相关 所在".split()
)
# Characters that end the name going backwards: particles and prepositions, not name parts.
NAME_BOUNDARY = frozenset("的在和与及或到至于是为从由对向将把被让使了等据并且也都")
MAX_UNKNOWN_PREFIX = 6


def is_han(ch: str) -> bool:
    return "\u3400" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff"


@dataclass
class ZoneScan:
    counts: Counter = field(default_factory=Counter)  # zone -> mentions
    unknown: Counter = field(default_factory=Counter)  # unknown 高新区 name -> mentions


class ZoneIndex:
    """Every name and alias of every zone, ready for longest-match scanning."""

    def __init__(self, names: dict[str, object]):
        # name -> zone, or None for a generic phrase. Bucketed by first character,
        # longest first, so a scan tries few candidates per position.
        self.names = {**{p: None for p in GENERIC_PHRASES}, **names}
        self._buckets: dict[str, list[str]] = {}
        for name in sorted(self.names, key=len, reverse=True):
            self._buckets.setdefault(name[0], []).append(name)

    @classmethod
    def from_zones(cls, zones) -> "ZoneIndex":
        names = {}
        for zone in zones:
            for name in zone.names:
                names.setdefault(name, zone)
        return cls(names)

    @classmethod
    def from_db(cls) -> "ZoneIndex":
        from zones.models import Zone

        return cls.from_zones(Zone.objects.all())

    def longest_match(self, text: str, i: int) -> str | None:
        for name in self._buckets.get(text[i], ()):
            if text.startswith(name, i):
                return name
        return None

    def scan(self, text: str) -> ZoneScan:
        result = ZoneScan()
        i, consumed_to = 0, 0
        while i < len(text):
            name = self.longest_match(text, i)
            if name is not None:
                if self.names[name] is not None:
                    result.counts[self.names[name]] += 1
                i = consumed_to = i + len(name)
            elif text.startswith(UNKNOWN_SUFFIX, i):
                unknown = unknown_zone_name(text, start=consumed_to, end=i)
                if unknown:
                    result.unknown[unknown] += 1
                i = consumed_to = i + len(UNKNOWN_SUFFIX)
            else:
                i += 1
        return result


def unknown_zone_name(text: str, *, start: int, end: int) -> str | None:
    """The `X高新区` name whose 高新区 starts at `end`, or None when X is no name.

    X is the run of Han characters before 高新区, cut at the last particle or
    preposition (在宿迁高新区 -> 宿迁高新区). Reported for editors, never linked.
    """
    j = end
    while j > start and end - j < MAX_UNKNOWN_PREFIX and is_han(text[j - 1]) and text[j - 1] not in NAME_BOUNDARY:
        j -= 1
    prefix = text[j:end]
    if len(prefix) < 2 or prefix in GENERIC_PREFIXES or prefix.endswith("国家"):
        return None
    return prefix + UNKNOWN_SUFFIX
