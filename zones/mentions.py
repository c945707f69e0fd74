"""Zone mention detection: text in, zones (with counts) and unknown `…高新区` names out.

The matcher uses the longest name at each position, so 武汉东湖高新区 is one mention of
one zone, not also a mention of 东湖高新区. Generic phrases are matched too, but link
nothing: they only stop a shorter name inside them from matching.
"""
import re
from collections import Counter
from dataclasses import dataclass, field

from newsroom.text.han import is_han

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
    "国家 国家级 各 各地 该 本 全国 全省 全市 省级 市级 其他 其它 其余 多个 多家 这些 那些 一些 所有 一批 两个 部分"
    " 有关 相关 所在 中西部 东部 西部 中部 东北 沿海 区内 省内 市内 国内 周边 兄弟 重点 首批 新晋".split()
)
# A prefix ending in one of these is a kind or a region, not a name (东部高新区, 区内高新区).
GENERIC_PREFIX_ENDINGS = tuple("部内些类级型外批")
GENERIC_NATIONAL = ("国家高新区", "国家级高新区")
# Characters that end the name going backwards: particles and prepositions, not name parts.
NAME_BOUNDARY = frozenset("的在和与及或到至于是为从由对向将把被让使了等据并且也都")
MAX_UNKNOWN_PREFIX = 6


@dataclass
class ZoneScan:
    counts: Counter = field(default_factory=Counter)  # zone -> mentions
    unknown: Counter = field(default_factory=Counter)  # unknown 高新区 name -> mentions


class ZoneIndex:
    """Every name and alias of every zone, ready for longest-match scanning."""

    def __init__(self, names: dict[str, object], places: set[str] = frozenset()):
        # name -> zone, or None for a generic phrase. Bucketed by first character,
        # longest first, so a scan tries few candidates per position.
        self.names = {**{p: None for p in GENERIC_PHRASES}, **names}
        self._buckets: dict[str, list[str]] = {}
        for name in sorted(self.names, key=len, reverse=True):
            self._buckets.setdefault(name[0], []).append(name)
        self._blocking_prefixes = blocking_prefixes(self.names, places)
        # Where a match can start: the first character of a name or of 高新区. The scan
        # jumps from one such place to the next in C instead of trying every character.
        self._starts = re.compile("[" + "".join(re.escape(c) for c in {*self._buckets, UNKNOWN_SUFFIX[0]}) + "]")

    @classmethod
    def from_zones(cls, zones) -> "ZoneIndex":
        names, places = {}, set()
        for zone in zones:
            for name in zone.names:
                names.setdefault(name, zone)
            places.add(place_name(zone.city))
        return cls(names, places)

    @classmethod
    def from_db(cls) -> "ZoneIndex":
        # Imported here, not at the top, so that the scanner's module imports without Django
        # settings: pure tests build it with from_zones() from zones made in memory.
        from zones.models import Zone

        return cls.from_zones(Zone.objects.all())

    def longest_match(self, text: str, i: int) -> str | None:
        for name in self._buckets.get(text[i], ()):
            if text.startswith(name, i) and not self._inside_longer_place(text, i, name):
                return name
        return None

    def _inside_longer_place(self, text: str, i: int, name: str) -> bool:
        """马鞍山高新区 is not 鞍山高新区: the match starts inside a longer place name."""
        return any(text.startswith(prefix, i - len(prefix)) for prefix in self._blocking_prefixes.get(name, ()) if i >= len(prefix))

    def national_variant(self, text: str, *, start: int, end: int):
        """The zone meant by `X国家高新区` (宁波国家高新区 is 宁波高新区), if X names one."""
        candidate = unknown_zone_name(text, start=start, end=end)
        return self.names.get(candidate) if candidate else None

    def scan(self, text: str) -> ZoneScan:
        result = ZoneScan()
        i, consumed_to = 0, 0
        while i < len(text):
            name = self.longest_match(text, i)
            if name is not None:
                zone = self.names[name]
                if zone is None and name in GENERIC_NATIONAL:
                    zone = self.national_variant(text, start=consumed_to, end=i)
                if zone is not None:
                    result.counts[zone] += 1
                i = consumed_to = i + len(name)
            elif text.startswith(UNKNOWN_SUFFIX, i):
                unknown = unknown_zone_name(text, start=consumed_to, end=i)
                if unknown:
                    result.unknown[unknown] += 1
                i = consumed_to = i + len(UNKNOWN_SUFFIX)
            else:
                found = self._starts.search(text, i + 1)
                i = found.start() if found else len(text)
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
    if len(prefix) < 2 or prefix in GENERIC_PREFIXES or prefix.endswith(("国家", *GENERIC_PREFIX_ENDINGS)):
        return None
    return prefix + UNKNOWN_SUFFIX


def place_name(city: str) -> str:
    """马鞍山市 -> 马鞍山."""
    for suffix in ("市", "地区", "自治州", "盟"):
        if city.endswith(suffix) and len(city) > len(suffix) + 1:
            return city[: -len(suffix)]
    return city


def blocking_prefixes(names: dict, places: set[str]) -> dict[str, list[str]]:
    """For each name, the characters that, right before it, make it part of a longer place.

    鞍山高新区 gets ["马"], because 马 + 鞍山 is 马鞍山.
    """
    blocking: dict[str, list[str]] = {}
    for place in places:
        for k in range(1, len(place)):
            head, tail = place[:k], place[k:]
            for name in names:
                if len(tail) >= 2 and name.startswith(tail) and not name.startswith(place):
                    blocking.setdefault(name, []).append(head)
    return blocking
