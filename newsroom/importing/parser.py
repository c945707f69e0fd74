"""Pure parser for the issue text format: bytes in, dataclasses out. No Django here.

The format is described in docs/issue-format.md. In short: blocks of
non-blank lines separated by blank lines; an article starts with a short headline
followed by a `►` byline or a 本报讯 paragraph; page breaks split sentences across
blocks and are rejoined; short lines inside an article are section headings; an image
line ([图：file.jpg 说明文字（摄影 张三）]) is a figure naming a file the importer resolves.
"""
import codecs
import re
import unicodedata
from dataclasses import dataclass, field

from newsroom.text.han import HAN, HAN_RE
from newsroom.text.names import IGNORABLE_RANGES, clean_name, code_points, has_visible_text


def gettext_noop(message: str) -> str:
    """Marks a message for translation; the loader translates it when reporting."""
    return message


MSG_EMPTY = gettext_noop("文件是空的。")
MSG_BLANK = gettext_noop("文件只有空白，没有内容。")
MSG_TOO_LARGE = gettext_noop("文件过大（{size} 字节），上限为 {limit} 字节。")
MSG_BINARY = gettext_noop("这不是文本文件：含有二进制内容。")
MSG_UNDECODABLE = gettext_noop(
    "无法识别文件编码：只支持 UTF-8（可带 BOM）、带 BOM 的 UTF-16 和 GB18030/GBK。"
)
MSG_CONTROL = gettext_noop("含有控制字符 {code}，正常的文本里没有这种字符。")
MSG_PRIVATE_USE = gettext_noop("含有私用区字符 {code}，读者的设备无法显示。")
MSG_NONCHARACTER = gettext_noop("含有非字符 {code}，它不能用在文本里。")
MSG_INVISIBLE_TEXT = gettext_noop("{part}只由看不见的字符组成（{codes}），读者看到的是空白。")
MSG_INVISIBLE_NAME = gettext_noop("署名中有一个名字只由看不见的字符组成（{codes}）。")
MSG_NO_HEADLINE = gettext_noop("文件应以标题开头，但这里是：“{text}”。")
MSG_NO_BODY = gettext_noop("标题“{headline}”后面没有正文。")
MSG_NO_BYLINE = gettext_noop("“{headline}”没有署名。")
MSG_STRAY_BYLINE = gettext_noop("正文中间出现署名行，已并入“{headline}”的作者。")
MSG_BIDI_REMOVED = gettext_noop("删除了 {count} 个双向文字控制符（{codes}），它们会让文字倒着显示。")
MSG_FIGURE_UNCLOSED = gettext_noop("图片行没有结尾的“]”：应写成 [图：文件名 说明文字（摄影 姓名）]。")
MSG_FIGURE_NO_FILE = gettext_noop("图片行没有文件名：应写成 [图：文件名 说明文字（摄影 姓名）]。")
MSG_FIGURE_PATH = gettext_noop("图片文件名“{name}”不能含路径：只写图片目录里的文件名，不能有 /、\\ 或 ..。")
MSG_FIGURE_NO_CAPTION = gettext_noop("图片 {name} 没有说明文字；说明文字也是图片的替代文字，不能省略。")
MSG_FIGURE_OUTSIDE = gettext_noop("图片行必须放在文章的标题和署名之后。")

SENTENCE_ENDS = "。！？!?…；;：:"
CLOSERS = "”’）)》」』\"'"
SHORT_LINE_MAX = 40
CLAUSE_HEADING_MAX = 16
HEADLINE_MAX = 100
CLAUSE_ENDS = ("。", "；", ";", "：", ":", "，", ",")
CLAUSE_MARKS = "，,、；;"
BYLINE_MARKS = ("►", "▶")
INDENT = " \t\u3000\u00a0"
TAIL_CHARS = 120
PAGE_SEPARATORS = re.compile("[\f\v\u2028\u2029]")
# Embedding, override and isolate controls reorder the text shown around them (see
# newsroom/text/names.py); Chinese text has no use for them.
BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")
ROLE_AUTHOR, ROLE_REPORTER, ROLE_CORRESPONDENT = "作者", "记者", "通讯员"
PART_KICKER, PART_HEADLINE, PART_SUBHEADLINE = "引题", "标题", "副题"
PART_HEADING, PART_HEADING_SUBTITLE = "小标题", "小标题的副题"
PART_CAPTION, PART_CREDIT = "图片说明", "摄影者"
# Zero-width and other format characters that may sit inside a name (张\u200b三丰).
ZERO_WIDTH = "\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff" + "".join(
    f"{chr(low)}-{chr(high)}" for low, high in IGNORABLE_RANGES
)

ROLE_RE = re.compile(r"^(?:(?:本报|特约|实习|见习)*(记者|通讯员)|(作者|实习生))")
NAME_SEPARATORS = re.compile(r"[\s\u3000、，,]+")
NAME = rf"(?:[{HAN}·][{ZERO_WIDTH}]*){{2,6}}"
ROLE_WORD = r"(?:(?:本报|特约|实习|见习)*(?:记者|通讯员)|作者|实习生)"
CREDIT = rf"(?:{ROLE_WORD}[ \u3000]*)?{NAME}"
# Atomic: 记者张三 reads as a role and a name or as one four-character name, and without
# the atomic group a failed match would retry every split of every credit (2**n tries;
# 20 credits took 0.4 s). The greedy reading always ends furthest, and a credit list is
# always followed by something that no credit can start with, so nothing is lost.
CREDITS = rf"(?>{CREDIT}(?:[ \u3000\u00a0、，,]+{CREDIT})*)"
DATELINE_RE = re.compile(
    rf"^(?P<dateline>(?:本报|新华社|中新社)(?:[{HAN}]{{2,4}}?)?(?:[0-9０-９]{{1,2}}月[0-9０-９]{{1,2}}日)?[讯电])"
    rf"[ \u3000]*(?:[（(](?P<credit>{CREDITS})[）)])?[ \u3000：:]*"
)
TRAILING_CREDIT_RE = re.compile(
    rf"^(?P<body>.*[{re.escape(SENTENCE_ENDS)}][{re.escape(CLOSERS)}]*)"
    rf"(?:[ \u3000\u00a0]+(?P<names>{CREDITS})"
    rf"|[ \u3000\u00a0]*[（(](?P<paren>{ROLE_WORD}[^（()）]*)[）)])$",
    re.S,
)
# An image line: [图：file.jpg 说明文字（摄影 张三）]. Half-width brackets and colon are
# accepted as everywhere else in the format (the dateline's credit takes both too), and so
# are the 【】 brackets a Chinese keyboard types. A line that opens like one but does not
# close is refused rather than read as text: it is a figure with a typo, not a paragraph.
FIGURE_OPEN_RE = re.compile(r"^[\[【]图[：:]")
FIGURE_RE = re.compile(r"^[\[【]图[：:][ \u3000]*(?P<name>[^ \u3000]*)[ \u3000]*(?P<rest>.*?)[ \u3000]*[\]】]$")
FIGURE_CREDIT_RE = re.compile(
    r"^(?P<caption>.*?)[ \u3000]*[（(][ \u3000]*"
    r"(?:摄影[ \u3000：:]*(?P<after>[^（()）]*?)|(?P<before>[^（()）]*?)[ \u3000]*摄)[ \u3000]*[）)]$"
)
ASCII_TO_FULLWIDTH = {",": "，", ";": "；", ":": "：", "?": "？", "!": "！", "(": "（", ")": "）"}


class ParseError(ValueError):
    """Bad input, with the 1-based line (and column) where one applies."""

    def __init__(self, template: str, line: int | None = None, column: int | None = None, **params):
        self.template, self.line, self.column, self.params = template, line, column, params
        super().__init__(self.message)

    @property
    def message(self) -> str:
        return self.template.format(**self.params)


@dataclass(frozen=True)
class Credit:
    name: str
    role: str = ROLE_AUTHOR


@dataclass
class Block:
    type: str  # "paragraph", "heading" or "figure"
    text: str  # a figure's caption
    subtitle: str = ""
    file: str = ""  # a figure's file name, inside the directory given to the importer
    credit: str = ""  # a figure's 摄影
    line: int = 0  # a figure's line, for the importer's errors about its file

    def as_dict(self) -> dict:
        if self.type == "heading":
            return {"type": "heading", "text": self.text, "subtitle": self.subtitle}
        if self.type == "figure":
            return {"type": "figure", "file": self.file, "caption": self.text, "credit": self.credit}
        return {"type": "paragraph", "text": self.text}


@dataclass
class ParsedArticle:
    headline: str
    line: int
    kicker: str = ""
    subheadline: str = ""
    dateline: str = ""
    credits: list[Credit] = field(default_factory=list)
    blocks: list[Block] = field(default_factory=list)

    @property
    def paragraphs(self) -> list[Block]:
        return [b for b in self.blocks if b.type == "paragraph"]

    @property
    def figures(self) -> list[Block]:
        return [b for b in self.blocks if b.type == "figure"]


@dataclass
class ParsedIssue:
    articles: list[ParsedArticle]
    text: str
    encoding: str
    warnings: list[tuple[int, str, dict]] = field(default_factory=list)


@dataclass
class RawBlock:
    line: int  # line number of the block's first line
    lines: list[str]


# --- decoding -------------------------------------------------------------------------


def decode(data: bytes) -> tuple[str, str]:
    """Strict decoding of the supported encodings; returns (text, encoding)."""
    if data.startswith(codecs.BOM_UTF8):
        # Decoded without its BOM, so that error offsets and lines stay in step.
        return _check_characters(_decode_strict(data[len(codecs.BOM_UTF8) :], "utf-8")), "utf-8-sig"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return _check_characters(_decode_strict(data, "utf-16")), "utf-16"
    if b"\x00" in data:
        raise ParseError(MSG_BINARY, line=_line_of(data, data.index(b"\x00"), "latin-1"))
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as utf8_error:
        try:
            return _check_gb18030_text(data.decode("gb18030")), "gb18030"
        except UnicodeDecodeError as gb_error:
            # Blame the line where the encoding that read furthest gave up.
            offset = max(utf8_error.start, gb_error.start)
            raise ParseError(MSG_UNDECODABLE, line=_line_of(data, offset, "latin-1")) from None
    return _check_characters(text), "utf-8"


def _decode_strict(data: bytes, encoding: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as e:
        raise ParseError(MSG_UNDECODABLE, line=_line_of(data, e.start, encoding)) from None


def _noncharacters() -> str:
    # U+FDD0..U+FDEF and the last two code points of every plane are never characters.
    return "\ufdd0-\ufdef" + "".join(f"{chr(p * 0x10000 + 0xFFFE)}{chr(p * 0x10000 + 0xFFFF)}" for p in range(17))


# What valid UTF-8 or UTF-16 text may still not hold: C0 and C1 controls other than tab,
# form feed, vertical tab and the line ends; private-use characters; noncharacters.
# Characters unassigned in Python's Unicode tables are let through: in text that decoded
# cleanly they are most likely newer than the tables (a recent emoji), not junk.
CONTROL_RE = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x9f]")
PRIVATE_USE_RE = re.compile("[\ue000-\uf8ff\U000f0000-\U000ffffd\U00100000-\U0010fffd]")
NONCHARACTER_RE = re.compile(f"[{_noncharacters()}]")
BAD_CHARACTER_RE = re.compile(f"{CONTROL_RE.pattern}|{PRIVATE_USE_RE.pattern}|{NONCHARACTER_RE.pattern}")


def _check_characters(text: str) -> str:
    """Refuse the first character that has no place in a text, naming it and where it is."""
    match = BAD_CHARACTER_RE.search(text)
    if match is None:
        return text
    ch = match.group()
    if CONTROL_RE.match(ch):
        template = MSG_CONTROL
    elif PRIVATE_USE_RE.match(ch):
        template = MSG_PRIVATE_USE
    else:
        template = MSG_NONCHARACTER
    line, column = _position(text, match.start())
    raise ParseError(template, line=line, column=column, code=f"U+{ord(ch):04X}")


def _position(text: str, offset: int) -> tuple[int, int]:
    """1-based line and column (in characters) of an offset, with LF, CRLF and CR as line ends."""
    lines = _lines(text[:offset])
    return len(lines), len(lines[-1]) + 1


def _check_gb18030_text(text: str) -> str:
    """Refuse controls and code points no real text has.

    GB18030 maps almost every byte sequence to some code point, so a successful decode
    alone does not prove the file is text: binary data shows up as controls, private-use
    or unassigned characters.
    """
    for lineno, line in enumerate(_lines(text), start=1):
        for ch in line:
            category = unicodedata.category(ch)
            if category == "Cc" and ch not in "\t\f\v":
                raise ParseError(MSG_BINARY, line=lineno)
            if category in {"Co", "Cn", "Cs"}:
                raise ParseError(MSG_UNDECODABLE, line=lineno)
    return text


def normalize_newlines(text: str) -> str:
    """LF, CRLF and CR all become LF; nothing else ends a line."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _lines(text: str) -> list[str]:
    """Lines as the file numbers them: LF, CRLF and CR end a line, nothing else does."""
    return normalize_newlines(text).split("\n")


def _line_of(data: bytes, offset: int, encoding: str) -> int:
    """The line of a byte offset, counted in the file's own encoding (UTF-16 has 0x0A inside characters)."""
    if encoding.startswith("utf-16"):
        return len(_lines(data[:offset].decode("utf-16", errors="replace")))
    return len(_lines(data[:offset].decode("latin-1")))


# --- lines and blocks -----------------------------------------------------------------


def split_blocks(text: str, warnings: list | None = None) -> list[RawBlock]:
    """Runs of non-blank lines; indentation and trailing spaces are stripped.

    Form feeds and other page separators count as blank lines. Bidi controls next to
    visible text are removed (with a warning); a line of nothing else is left for the
    invisible-text checks to refuse.
    """
    blocks: list[RawBlock] = []
    current: RawBlock | None = None
    for lineno, raw in enumerate(_lines(text.replace("\ufeff", "")), start=1):
        for k, piece in enumerate(PAGE_SEPARATORS.split(raw)):
            line = piece.strip(INDENT)
            if k > 0 or not line:
                current = None  # a page separator inside a line breaks the block too
            if not line:
                continue
            line = _without_bidi_controls(line, lineno, warnings)
            if FIGURE_OPEN_RE.match(line):
                # An image line is a block of its own, even without blank lines around it.
                blocks.append(RawBlock(line=lineno, lines=[line]))
                current = None
                continue
            if current is None:
                current = RawBlock(line=lineno, lines=[])
                blocks.append(current)
            current.lines.append(line)
    return blocks


def _without_bidi_controls(line: str, lineno: int, warnings: list | None) -> str:
    found = BIDI_CONTROLS.findall(line)
    rest = BIDI_CONTROLS.sub("", line) if found else line
    if not found or not has_visible_text(rest):
        return line
    if warnings is not None:
        warnings.append((lineno, MSG_BIDI_REMOVED, {"count": len(found), "codes": code_points("".join(found))}))
    return rest


# --- small predicates -----------------------------------------------------------------


def ends_sentence(text: str) -> bool:
    """Ends in 。！？… (maybe inside quotes), or in trailing names after such an end."""
    stripped = text.rstrip(CLOSERS)
    if not stripped:
        return False
    # Only the tail can hold trailing names; matching just the tail keeps joins linear.
    return stripped[-1] in SENTENCE_ENDS or TRAILING_CREDIT_RE.match(text[-TAIL_CHARS:]) is not None


def is_short_line(line: str) -> bool:
    """A line that can be a heading: short, no sentence end, not a byline.

    A line ending in a comma is a clause cut by a page break, and so is a longer line
    with a comma inside: headings are phrases.
    """
    if len(line) > SHORT_LINE_MAX or ends_sentence(line) or line.startswith(BYLINE_MARKS):
        return False
    if line.rstrip(CLOSERS).endswith(tuple(CLAUSE_MARKS)):
        return False
    return len(line) <= CLAUSE_HEADING_MAX or not any(mark in line for mark in CLAUSE_MARKS)


def is_title_block(block: RawBlock, max_lines: int = 3) -> bool:
    return not is_figure_block(block) and len(block.lines) <= max_lines and all(is_short_line(line) for line in block.lines)


def is_headline_block(block: RawBlock, *, allow_question: bool) -> bool:
    """A headline before a byline or a dateline: up to three lines that end no sentence.

    The byline or dateline after it already marks the article start, so a headline may
    be longer than a section heading; before a ► byline it may even end in ？ or ！
    (高新区如何破局？).
    """
    return (
        not is_figure_block(block)
        and len(block.lines) <= 3
        and all(_is_headline_line(line, allow_question=allow_question) for line in block.lines)
    )


def _is_headline_line(line: str, *, allow_question: bool) -> bool:
    if len(line) > HEADLINE_MAX or line.startswith(BYLINE_MARKS):
        return False
    stripped = line.rstrip(CLOSERS)
    if stripped.endswith(tuple(CLAUSE_MARKS)):
        return False
    if not ends_sentence(line):
        return True
    return allow_question and stripped[-1] in "？！?!" and TRAILING_CREDIT_RE.match(line) is None


def is_byline_block(block: RawBlock) -> bool:
    return block.lines[0].startswith(BYLINE_MARKS)


def is_figure_block(block: RawBlock) -> bool:
    return FIGURE_OPEN_RE.match(block.lines[0]) is not None


def opens_with_dateline(block: RawBlock) -> bool:
    return DATELINE_RE.match(block.lines[0]) is not None


def is_dateline_only(block: RawBlock) -> bool:
    """`本报讯（记者 张三）` on a line of its own, before the first paragraph."""
    match = DATELINE_RE.match(block.lines[0])
    return len(block.lines) == 1 and match is not None and match.end() == len(block.lines[0])


def separator(left: str, right: str) -> str:
    """What rejoins text cut by a line or page break: nothing, or a space between Latin words."""
    return " " if left and right and _is_latin(left[-1]) and _is_latin(right[0]) else ""


def join_fragments(left: str, right: str) -> str:
    return left + separator(left, right) + right


def _is_latin(ch: str) -> bool:
    return ch.isascii() and ch.isalpha()


def _cuts_a_word(left: str, right: str) -> bool:
    """A number or Latin word split across blocks: 超过12 | 0亿元, mass | spectrometer."""
    return bool(left and right) and left[-1].isascii() and left[-1].isalnum() and right[0].isascii() and right[0].isalnum()


def _is_cjk(ch: str) -> bool:
    """Han, CJK punctuation, full-width forms and the curly quotes Chinese text uses."""
    return bool(ch) and (
        HAN_RE.match(ch) is not None
        or "\u3000" <= ch <= "\u303f"
        or "\uff00" <= ch <= "\uffef"
        or ch in "“”‘’…—·"
    )


def normalize_punctuation(text: str) -> str:
    """ASCII , ; : ? ! ( ) next to Chinese text become full-width; Latin text keeps its own.

    Brackets change as a pair, so (CDE) never becomes (CDE）; spaces typed after a
    converted mark before more Chinese text are dropped.
    """
    if not any(mark in text for mark in ASCII_TO_FULLWIDTH):
        return text  # nothing to convert: most paragraphs of Chinese text, checked in C
    chars = list(text)
    convert = [_touches_cjk(text, i) for i in range(len(text))]
    for open_i, close_i in _bracket_pairs(text):
        convert[open_i] = convert[close_i] = convert[open_i] or convert[close_i]
    out, i = [], 0
    while i < len(chars):
        ch = chars[i]
        if ch in ASCII_TO_FULLWIDTH and convert[i]:
            out.append(ASCII_TO_FULLWIDTH[ch])
            j = i + 1
            while j < len(chars) and chars[j] == " ":
                j += 1
            if j > i + 1 and j < len(chars) and _is_cjk(chars[j]):
                i = j
                continue
        else:
            out.append(ch)
        i += 1
    return "".join(out)


def _touches_cjk(text: str, i: int) -> bool:
    if text[i] not in ASCII_TO_FULLWIDTH:
        return False
    before = text[i - 1] if i else ""
    after = text[i + 1] if i + 1 < len(text) else ""
    return _is_cjk(before) or _is_cjk(after)


def _bracket_pairs(text: str) -> list[tuple[int, int]]:
    stack, pairs = [], []
    for i, ch in enumerate(text):
        if ch == "(":
            stack.append(i)
        elif ch == ")" and stack:
            pairs.append((stack.pop(), i))
    return pairs


# --- credits --------------------------------------------------------------------------


def parse_credits(text: str) -> list[Credit]:
    """`记者 张三 李四 通讯员 王五` -> credits with roles; a role applies to the names after it."""
    credits: list[Credit] = []
    seen: set[str] = set()
    role = ROLE_AUTHOR
    for raw in _name_tokens(text):
        token = clean_name(raw)
        if not token:
            raise ParseError(MSG_INVISIBLE_NAME, codes=code_points(raw))
        match = ROLE_RE.match(token)
        if match:
            # 作者 switches back to no role; 实习生 has no role of its own either.
            role = match.group(1) or ROLE_AUTHOR
            token = token[match.end() :]
        if token and token not in seen:
            seen.add(token)
            credits.append(Credit(name=token, role=role))
    return credits


def _name_tokens(text: str) -> list[str]:
    """Split on separators, rejoining a two-character name padded to three (王　芳)."""
    tokens: list[str] = []
    for token in NAME_SEPARATORS.split(text.strip()):
        if len(token) == 1 and HAN_RE.match(token) and tokens and len(tokens[-1]) == 1 and HAN_RE.match(tokens[-1]):
            tokens[-1] += token
        elif token:
            tokens.append(token)
    return tokens


def parse_byline_block(block: RawBlock) -> list[Credit]:
    return parse_credits(" ".join(line.lstrip("►▶ \u3000") for line in block.lines))


def split_trailing_credit(text: str) -> tuple[str, list[Credit]]:
    """`…走在前列。 韩霄鹏` -> (`…走在前列。`, [韩霄鹏])."""
    match = TRAILING_CREDIT_RE.match(text)
    if not match:
        return text, []
    return match.group("body"), parse_credits(match.group("names") or match.group("paren"))


def split_dateline(text: str) -> tuple[str, list[Credit], str]:
    """`本报讯（记者 X 通讯员 Y）正文` -> (`本报讯`, credits, `正文`)."""
    match = DATELINE_RE.match(text)
    if not match:
        return "", [], text
    credits = parse_credits(match.group("credit")) if match.group("credit") else []
    return match.group("dateline"), credits, text[match.end() :]


def parse_figure(line: str, lineno: int) -> Block:
    """`[图：file.jpg 说明文字（摄影 张三）]` -> a figure block; the caption is required."""
    match = FIGURE_RE.match(line)
    if match is None:
        raise ParseError(MSG_FIGURE_UNCLOSED, line=lineno)
    name, rest = match.group("name"), match.group("rest")
    if not name:
        raise ParseError(MSG_FIGURE_NO_FILE, line=lineno)
    if "/" in name or "\\" in name or ".." in name or name == ".":
        raise ParseError(MSG_FIGURE_PATH, line=lineno, name=name)
    caption, credit = rest, ""
    if credited := FIGURE_CREDIT_RE.match(rest):
        caption = credited.group("caption")
        credit = (credited.group("after") if credited.group("after") is not None else credited.group("before")).strip(" \u3000")
    if not has_visible_text(caption):
        raise ParseError(MSG_FIGURE_NO_CAPTION, line=lineno, name=name)
    credit = _visible(credit, PART_CREDIT, lineno)
    return Block("figure", caption, file=name, credit=credit, line=lineno)


# --- structure ------------------------------------------------------------------------


class _IssueBuilder:
    """Walks the blocks once, deciding for each what it is from its neighbours."""

    def __init__(self, blocks: list[RawBlock]):
        self.blocks = blocks
        self.articles: list[ParsedArticle] = []
        self.warnings: list[tuple[int, str, dict]] = []
        self.open_paragraph = False  # the last paragraph did not end a sentence (page break)
        # Fragments of the paragraph being rejoined, joined once when it closes: joining
        # as they come would copy the growing paragraph at every page break.
        self._paragraph: Block | None = None
        self._parts: list[str] = []
        self._tail = ""
        self._names: set[str] = set()  # the current article's credited names
        self._text_seen = False  # the current article has a paragraph or heading (figures aside)

    @property
    def article(self) -> ParsedArticle:
        return self.articles[-1]

    def build(self) -> list[ParsedArticle]:
        first = self.blocks[0]
        if is_figure_block(first):
            raise ParseError(MSG_FIGURE_OUTSIDE, line=first.line)
        if not is_headline_block(first, allow_question=True):
            raise ParseError(MSG_NO_HEADLINE, line=first.line, text=first.lines[0][:40])
        self.start_article(first)
        for i in range(1, len(self.blocks)):
            try:
                self.take(i)
            except ParseError as error:
                if error.line is None:  # raised by a helper that sees text, not lines
                    error.line = self.blocks[i].line
                raise
        self._close_paragraph()
        return self.articles

    def take(self, i: int) -> None:
        kind = self.classify(i)
        if not (kind == "paragraph" and self.open_paragraph):
            self._close_paragraph()
        block = self.blocks[i]
        if kind == "byline":
            self.take_byline(block)
        elif kind == "dateline":
            self.take_dateline(block)
        elif kind == "headline":
            self.start_article(block)
        elif kind == "title":
            self.take_title(i)
        elif kind == "figure":
            self.take_figure(block)
        else:
            self.take_paragraph(block)

    def classify(self, i: int) -> str:
        block = self.blocks[i]
        if is_figure_block(block):
            return "figure"
        if is_byline_block(block):
            return "byline"
        if not self._text_seen and is_dateline_only(block):
            return "dateline"
        if self.starts_article(i):
            return "headline"
        if self.is_heading(i):
            return "title"
        return "paragraph"

    def starts_article(self, i: int) -> bool:
        """A headline: short lines after a finished sentence, then a byline or a dateline."""
        block, nxt = self.blocks[i], self._block(i + 1)
        if nxt is None:
            return False
        byline_next, dateline_next = is_byline_block(nxt), opens_with_dateline(nxt)
        if not self.article.blocks:
            if self.article.credits and (byline_next or dateline_next) and is_headline_block(block, allow_question=byline_next):
                # A second headline and byline right after the first: the first has no body.
                raise ParseError(MSG_NO_BODY, line=self.article.line, headline=self.article.headline)
            return False
        if byline_next:
            return is_headline_block(block, allow_question=True)  # ► is unambiguous, even after a break
        if self.open_paragraph:
            return False
        if dateline_next:
            return is_headline_block(block, allow_question=False)
        # A 副题 on its own line, right under a one-line headline.
        after = self._block(i + 2)
        return (
            len(block.lines) == 1
            and is_headline_block(block, allow_question=False)
            and len(nxt.lines) == 1
            and is_title_block(nxt)
            and after is not None
            and (is_byline_block(after) or opens_with_dateline(after))
        )

    def is_heading(self, i: int) -> bool:
        block, nxt = self.blocks[i], self._block(i + 1)
        if not is_title_block(block):
            return False
        if len(block.lines) == 1 and self.open_paragraph:
            return False  # the rest of a sentence cut by a page break
        if len(block.lines) == 1 and nxt is not None and not is_byline_block(nxt):
            return not _cuts_a_word(block.lines[0], nxt.lines[0])
        return True

    def take_title(self, i: int) -> None:
        block = self.blocks[i]
        article = self.article
        if not article.blocks and not article.credits and not article.subheadline and len(block.lines) == 1:
            article.subheadline = _visible(block.lines[0], PART_SUBHEADLINE, block.line)  # the 副题 on a line of its own
            return
        credits = self._credit_only(block)
        if credits and (self._block(i + 1) is None or self.starts_article(i + 1)):
            self.add_credits(credits)  # a trailing byline on a line of its own
            return
        heading = _visible(block.lines[0], PART_HEADING, block.line)
        subtitle = _visible(" ".join(block.lines[1:]), PART_HEADING_SUBTITLE, block.line + 1)
        article.blocks.append(Block("heading", heading, subtitle))
        self._text_seen = True

    def take_byline(self, block: RawBlock) -> None:
        if self.article.blocks:
            self.warnings.append((block.line, MSG_STRAY_BYLINE, {"headline": self.article.headline}))
        self.add_credits(parse_byline_block(block))

    def take_dateline(self, block: RawBlock) -> None:
        dateline, credits, _rest = split_dateline(block.lines[0])
        self.article.dateline = dateline
        self.add_credits(credits)

    def take_figure(self, block: RawBlock) -> None:
        article = self.article
        if not (article.blocks or article.credits or article.dateline):
            raise ParseError(MSG_FIGURE_OUTSIDE, line=block.line)  # it would pass for the body's first block
        article.blocks.append(parse_figure(block.lines[0], block.line))

    def take_paragraph(self, block: RawBlock) -> None:
        text = self._joined(block.lines)
        if self.open_paragraph:
            sep = separator(self._tail, text)
            self._parts.extend([sep, text])
            self._tail = (self._tail + sep + text)[-TAIL_CHARS:]
        else:
            if not self._text_seen and not self.article.dateline:  # figures may come first
                dateline, credits, text = split_dateline(text)
                self.article.dateline = dateline
                self.add_credits(credits)
            self._paragraph = Block("paragraph", text)
            self.article.blocks.append(self._paragraph)
            self._text_seen = True
            self._parts, self._tail = [text], text[-TAIL_CHARS:]
        self.open_paragraph = not ends_sentence(self._tail)

    def _close_paragraph(self) -> None:
        if self._parts:
            self._paragraph.text = "".join(self._parts)
        self._paragraph, self._parts, self._tail, self.open_paragraph = None, [], "", False

    def start_article(self, block: RawBlock) -> None:
        lines, line = block.lines, block.line
        if len(lines) >= 3:
            kicker = _visible(lines[0], PART_KICKER, line)
            headline = _visible(lines[1], PART_HEADLINE, line + 1)
            subheadline = _visible(" ".join(lines[2:]), PART_SUBHEADLINE, line + 2)
        else:
            kicker, headline = "", _visible(lines[0], PART_HEADLINE, line)
            subheadline = _visible(" ".join(lines[1:]), PART_SUBHEADLINE, line + 1)
        self.articles.append(ParsedArticle(headline=headline, line=line, kicker=kicker, subheadline=subheadline))
        self._names = set()
        self._text_seen = False

    def add_credits(self, credits: list[Credit]) -> None:
        for credit in credits:
            if credit.name not in self._names:
                self._names.add(credit.name)
                self.article.credits.append(credit)

    def _credit_only(self, block: RawBlock) -> list[Credit]:
        """A line holding only names, e.g. a trailing byline put on a line of its own."""
        if len(block.lines) != 1:
            return []
        line = block.lines[0].strip("（）()")
        if not re.fullmatch(CREDITS, line):
            return []
        return parse_credits(line)

    def _block(self, i: int) -> RawBlock | None:
        return self.blocks[i] if i < len(self.blocks) else None

    @staticmethod
    def _joined(lines: list[str]) -> str:
        """One block's wrapped lines as one text; names on the last line stay a trailing byline.

        Only the tail of the text so far decides how the next line joins, so a block of
        many lines is joined once at the end instead of copied at every line.
        """
        parts, tail = [lines[0]], lines[0][-TAIL_CHARS:]
        for k, line in enumerate(lines[1:], start=1):
            last = k == len(lines) - 1
            if last and ends_sentence(tail) and re.fullmatch(CREDITS, line):
                sep = " "
            else:
                sep = separator(tail, line)
            parts += [sep, line]
            tail = (tail + sep + line)[-TAIL_CHARS:]
        return "".join(parts)


def _visible(text: str, part: str, line: int) -> str:
    """Headlines and headings must show something: text only of invisible characters is refused."""
    if text and not has_visible_text(text):
        raise ParseError(MSG_INVISIBLE_TEXT, line=line, part=part, codes=code_points(text))
    return text


def finish_article(article: ParsedArticle) -> None:
    """Trailing credits out of the last paragraph, then punctuation everywhere."""
    paragraphs = article.paragraphs
    if paragraphs:
        last = paragraphs[-1]
        last.text, credits = split_trailing_credit(last.text)
        known = {c.name for c in article.credits}
        article.credits.extend(c for c in credits if c.name not in known)
    article.kicker = normalize_punctuation(article.kicker)
    article.headline = normalize_punctuation(article.headline)
    article.subheadline = normalize_punctuation(article.subheadline)
    for block in article.blocks:
        block.text = normalize_punctuation(block.text.strip())
        block.subtitle = normalize_punctuation(block.subtitle)


def parse_issue(data: bytes, *, max_bytes: int | None = None) -> ParsedIssue:
    """Parse one issue file completely, or raise ParseError naming the line."""
    if not data:
        raise ParseError(MSG_EMPTY)
    if max_bytes is not None and len(data) > max_bytes:
        raise ParseError(MSG_TOO_LARGE, size=len(data), limit=max_bytes)
    text, encoding = decode(data)
    warnings: list[tuple[int, str, dict]] = []
    blocks = split_blocks(text, warnings)
    if not blocks:
        raise ParseError(MSG_BLANK)
    builder = _IssueBuilder(blocks)
    articles = builder.build()
    warnings += builder.warnings
    for article in articles:
        finish_article(article)
        if not article.paragraphs:
            raise ParseError(MSG_NO_BODY, line=article.line, headline=article.headline)
        if not article.credits:
            warnings.append((article.line, MSG_NO_BYLINE, {"headline": article.headline}))
    return ParsedIssue(articles=articles, text=text, encoding=encoding, warnings=warnings)
