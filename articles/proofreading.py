"""Proofreading (校对): pure checks on an article's text, each finding with its exact place.

Nothing here touches the database: the editors' word list arrives as a `WordList` and the
zone reference as a `ZoneIndex`, so every check is tested on inline text. Offsets are
positions in the field's plain text (for the body, its blocks one per line, as
`articles.body.body_text` gives it), end exclusive, in code points.

Only the editors' own list marks anything 禁用 (blocked); every built-in check is a 提示
(warning), because punctuation and characters have legitimate exceptions (quotations,
names, Latin text) that only a person can judge.
"""
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache

import ahocorasick
import opencc
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from newsroom.text.han import HAN, is_han
from zones.mentions import ZoneIndex

BLOCK = "block"
WARN = "warn"
SEVERITY_LABELS = {BLOCK: gettext_lazy("禁用"), WARN: gettext_lazy("提示")}

# The fields proofread, in the order the form shows them.
FIELDS = (
    ("kicker", gettext_lazy("引题")),
    ("headline", gettext_lazy("标题")),
    ("subheadline", gettext_lazy("副题")),
    ("standfirst", gettext_lazy("导语")),
    ("body", gettext_lazy("正文")),
)

# Half-width marks that, set in Chinese text, have a full-width form.
FULL_WIDTH = {",": "，", ";": "；", ":": "：", "!": "！", "?": "？", ".": "。", "(": "（", ")": "）"}
# Openers and their closers. Straight quotes are left out: they open and close alike.
PAIRS = {"“": "”", "‘": "’", "《": "》", "〈": "〉", "（": "）", "(": ")", "【": "】", "「": "」", "『": "』", "〔": "〕", "[": "]"}
CLOSERS = {closer: opener for opener, closer in PAIRS.items()}
# Pauses and stops that are never written twice in a row (…… and —— are single marks).
STOPS = "，。、；：？！"
CJK_PUNCTUATION = "，。、；：？！“”‘’《》〈〉（）【】「」『』〔〕…—·"
SPACES = " \u3000\u00a0\t"
CONTEXT = 12  # characters of context each side of a finding

HALF_WIDTH_RE = re.compile(r"[,;:!?.()]")
SPACE_RUN_RE = re.compile(f"[{SPACES}]+")
STOP_RUN_RE = re.compile(f"[{STOPS}]{{2,}}")


# Not frozen: an article can have thousands of findings, and frozen init costs twice as much.
@dataclass(slots=True)
class Finding:
    field: str
    start: int
    end: int
    text: str  # what was found, text[start:end]
    kind: str
    severity: str
    message: str
    suggestion: str | None = None

    @property
    def blocks(self) -> bool:
        return self.severity == BLOCK

    @property
    def severity_label(self) -> str:
        return str(SEVERITY_LABELS[self.severity])


@dataclass(frozen=True)
class Word:
    word: str
    severity: str
    replacement: str = ""
    note: str = ""


class WordList:
    """The editors' list in one Aho-Corasick automaton: one pass over the text finds every word."""

    def __init__(self, words: Iterable[Word]):
        self.automaton = ahocorasick.Automaton()
        for word in words:
            if word.word:
                self.automaton.add_word(word.word, word)
        self.empty = len(self.automaton) == 0
        if not self.empty:
            self.automaton.make_automaton()

    def matches(self, text: str) -> Iterator[tuple[int, Word]]:
        """(start, word) for the longest word at each place, never overlapping."""
        if self.empty:
            return
        for end, word in self.automaton.iter_long(text):
            yield end - len(word.word) + 1, word


EMPTY_WORDS = WordList(())


@dataclass(frozen=True)
class Report:
    findings: list[Finding]
    char_count: int  # 字数 of the whole article (all proofread fields)
    body_char_count: int

    @property
    def blocking(self) -> list[Finding]:
        return [f for f in self.findings if f.blocks]


# --- the checks, each over one field's text


def word_findings(field: str, text: str, words: WordList) -> list[Finding]:
    findings, messages = [], {}
    for start, word in words.matches(text):
        if word.word not in messages:  # a word found a hundred times is described once
            messages[word.word] = word_message(word)
        findings.append(Finding(
            field, start, start + len(word.word), word.word, "word", word.severity,
            messages[word.word], word.replacement or None,
        ))
    return findings


def word_message(word: Word) -> str:
    if word.replacement:
        message = _("“%(word)s”应改为“%(replacement)s”") % {"word": word.word, "replacement": word.replacement}
    else:
        message = _("“%(word)s”在用词表中") % {"word": word.word}
    if word.note:
        message += _("（%(note)s）") % {"note": word.note}
    return message


def half_width_findings(field: str, text: str) -> list[Finding]:
    """A half-width mark touching Han text: 发展,创新 or 蛋白(ATTR) -> 发展，创新, 蛋白（ATTR）."""
    findings = []
    for match in HALF_WIDTH_RE.finditer(text):
        i, mark = match.start(), match.group()
        if not _in_han_text(text, i, mark):
            continue
        end = i + 1
        if mark not in "()":
            end = i + 1 + _space_run_length(text, i + 1)  # 发展, 创新: the space goes too
        findings.append(Finding(
            field, i, end, text[i:end], "half_width", WARN,
            _("中文里的半角“%(mark)s”应为全角“%(full)s”") % {"mark": mark, "full": FULL_WIDTH[mark]},
            FULL_WIDTH[mark],
        ))
    return findings


def _in_han_text(text: str, i: int, mark: str) -> bool:
    before = text[i - 1] if i > 0 else ""
    after_i = i + 1 + (0 if mark in "()" else _space_run_length(text, i + 1))
    after = text[after_i] if after_i < len(text) else ""
    if mark == "(":
        return is_han(before)
    if mark == ")":
        return is_han(after) or (is_han(before) and _opened_after_han(text, i))
    if mark == ".":
        # 3.5 and U.S. stay; only a full stop between two Han characters is a finding.
        return is_han(before) and is_han(after) and after_i == i + 1
    return is_han(before) and is_han(after)


def _opened_after_han(text: str, i: int) -> bool:
    opening = text.rfind("(", 0, i)
    return opening > 0 and is_han(text[opening - 1])


def _space_run_length(text: str, i: int) -> int:
    match = SPACE_RUN_RE.match(text, i)
    return len(match.group()) if match else 0


def pairing_findings(field: str, text: str) -> list[Finding]:
    """Quotation marks and brackets that open without closing or close without opening.

    Checked paragraph by paragraph. A quotation running over several paragraphs opens
    each of them and closes only in the last, so an opener left open at the end of a
    paragraph whose next paragraph starts with the same opener is correct.
    """
    findings, offset = [], 0
    lines = text.split("\n")
    for n, line in enumerate(lines):
        following = lines[n + 1] if n + 1 < len(lines) else ""
        findings.extend(_line_pairing(field, line, offset, following))
        offset += len(line) + 1
    return findings


def _line_pairing(field: str, line: str, offset: int, following: str) -> list[Finding]:
    findings, stack = [], []
    for i, ch in enumerate(line):
        if ch in PAIRS:
            stack.append((i, ch))
        elif ch in CLOSERS:
            if stack and stack[-1][1] == CLOSERS[ch]:
                stack.pop()
            elif any(opener == CLOSERS[ch] for _i, opener in stack):
                # 《A“B》: the inner opener was never closed; the closer itself is fine.
                while stack[-1][1] != CLOSERS[ch]:
                    findings.append(_unclosed(field, offset, *stack.pop()))
                stack.pop()
            else:
                findings.append(Finding(
                    field, offset + i, offset + i + 1, ch, "pairing", WARN,
                    _("%(mark)s 前面缺少与之配对的 %(opener)s") % {"mark": ch, "opener": CLOSERS[ch]},
                ))
    continued = bool(stack) and all(opener in "“‘" for _i, opener in stack) and following.startswith(stack[0][1])
    if not continued:
        findings.extend(_unclosed(field, offset, i, opener) for i, opener in stack)
    return sorted(findings, key=lambda f: f.start)


def _unclosed(field: str, offset: int, i: int, opener: str) -> Finding:
    return Finding(
        field, offset + i, offset + i + 1, opener, "pairing", WARN,
        _("%(mark)s 后面缺少与之配对的 %(closer)s") % {"mark": opener, "closer": PAIRS[opener]},
    )


def doubled_findings(field: str, text: str) -> list[Finding]:
    """，， or 。。 or ，。: two stops in a row, where one is meant."""
    findings = []
    for match in STOP_RUN_RE.finditer(text):
        run = match.group()
        same = len(set(run)) == 1
        findings.append(Finding(
            field, match.start(), match.end(), run, "doubled", WARN,
            _("标点“%(run)s”重复") % {"run": run},
            run[0] if same else None,
        ))
    return findings


def spacing_findings(field: str, text: str) -> list[Finding]:
    """Spaces between two Han characters, or between Han text and Chinese punctuation."""
    findings = []
    for match in SPACE_RUN_RE.finditer(text):
        start, end = match.span()
        if start == 0 or end == len(text):
            continue
        before, after = text[start - 1], text[end]
        if _chinese(before) and _chinese(after) and (is_han(before) or is_han(after)):
            findings.append(Finding(
                field, start, end, match.group(), "spacing", WARN, _("汉字之间多了空格"), "",
            ))
    return findings


def _chinese(ch: str) -> bool:
    return is_han(ch) or ch in CJK_PUNCTUATION


@lru_cache(maxsize=1)
def _t2s() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


def traditional_findings(field: str, text: str) -> list[Finding]:
    """Traditional characters in simplified text, each with its simplified form (OpenCC).

    The whole text is converted at once, so OpenCC's phrase tables decide: 乾坤 stays,
    乾燥 becomes 干燥. Its conversions keep one character for one, so positions line up.
    """
    converted = _t2s().convert(text)
    if len(converted) != len(text):
        converted = "".join(_t2s().convert(ch)[:1] or ch for ch in text)
    findings = []
    for i, (ch, target) in enumerate(zip(text, converted, strict=True)):
        if ch != target and is_han(ch):
            findings.append(Finding(
                field, i, i + 1, ch, "traditional", WARN,
                _("繁体字“%(char)s”，简体为“%(simplified)s”") % {"char": ch, "simplified": target}, target,
            ))
    return findings


def zone_findings(field: str, text: str, zones: ZoneIndex | None) -> list[Finding]:
    """`…高新区` names the detector cannot match to the reference list."""
    if zones is None:
        return []
    findings = []
    for name in zones.scan(text).unknown:
        for start in _occurrences(text, name):
            findings.append(Finding(
                field, start, start + len(name), name, "zone", WARN,
                _("“%(name)s”不在国家高新区名录中，请核对名称") % {"name": name},
            ))
    return findings


def _occurrences(text: str, needle: str) -> Iterator[int]:
    start = text.find(needle)
    while start != -1:
        yield start
        start = text.find(needle, start + len(needle))


# --- counting and the whole article

LATIN_WORD_RE = re.compile(r"[^\s\u3000" + "".join(map(re.escape, CJK_PUNCTUATION)) + HAN + "]+")


def char_count(text: str) -> int:
    """字数 as Chinese word processors count it: each Han character and Chinese mark is one,
    each run of Latin letters or digits is one (BPR-30221616 is one), spaces are none."""
    chinese = sum(1 for ch in text if _chinese(ch))
    return chinese + len(LATIN_WORD_RE.findall(text))


def field_findings(field: str, text: str, *, words: WordList, zones: ZoneIndex | None) -> list[Finding]:
    findings = [
        *word_findings(field, text, words),
        *half_width_findings(field, text),
        *pairing_findings(field, text),
        *doubled_findings(field, text),
        *spacing_findings(field, text),
        *traditional_findings(field, text),
        *zone_findings(field, text, zones),
    ]
    return sorted(findings, key=lambda f: (f.start, f.end, f.kind))


def proofread(texts: dict[str, str], *, words: WordList = EMPTY_WORDS, zones: ZoneIndex | None = None) -> Report:
    """Every finding in `texts` (field name -> plain text), in form order, then place order."""
    findings = []
    for field, _label in FIELDS:
        findings.extend(field_findings(field, texts.get(field) or "", words=words, zones=zones))
    total = sum(char_count(texts.get(field) or "") for field, _label in FIELDS)
    return Report(findings=findings, char_count=total, body_char_count=char_count(texts.get("body") or ""))


def blocked_findings(texts: dict[str, str], words: WordList) -> list[Finding]:
    """Only the findings that refuse publication: the 禁用 words of the editors' list."""
    return [
        f for field, _label in FIELDS for f in word_findings(field, texts.get(field) or "", words) if f.blocks
    ]


def excerpt(text: str, finding: Finding) -> tuple[str, str, str]:
    """(before, found, after): the finding in its context, for highlighting in place."""
    line_start = text.rfind("\n", 0, finding.start) + 1
    line_end = text.find("\n", finding.end)
    line_end = len(text) if line_end == -1 else line_end
    start = max(line_start, finding.start - CONTEXT)
    end = min(line_end, finding.end + CONTEXT)
    before = ("…" if start > line_start else "") + text[start:finding.start]
    after = text[finding.end:end] + ("…" if end < line_end else "")
    return before, text[finding.start:finding.end], after
