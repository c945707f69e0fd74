"""Pure parser for the issue text format: bytes in, dataclasses out. No Django here.

The format is described in DESIGN.md ("The issue text format"). In short: blocks of
non-blank lines separated by blank lines; an article starts with a short headline
followed by a `►` byline or a 本报讯 paragraph; page breaks split sentences across
blocks and are rejoined; short lines inside an article are section headings.
"""
import codecs
import re
import unicodedata
from dataclasses import dataclass, field


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
MSG_NO_HEADLINE = gettext_noop("文件应以标题开头，但这里是：“{text}”。")
MSG_NO_BODY = gettext_noop("标题“{headline}”后面没有正文。")
MSG_NO_BYLINE = gettext_noop("“{headline}”没有署名。")
MSG_STRAY_BYLINE = gettext_noop("正文中间出现署名行，已并入“{headline}”的作者。")

SENTENCE_ENDS = "。！？!?…；;：:"
CLOSERS = "”’）)》」』\"'"
SHORT_LINE_MAX = 40
CLAUSE_HEADING_MAX = 16
HEADLINE_MAX = 100
CLAUSE_ENDS = ("。", "；", ";", "：", ":", "，", ",")
CLAUSE_MARKS = "，,、；;"
BYLINE_MARKS = ("►", "▶")
INDENT = " \t\u3000\u00a0"
ROLE_AUTHOR, ROLE_REPORTER, ROLE_CORRESPONDENT = "作者", "记者", "通讯员"
HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"

ROLE_RE = re.compile(r"^(?:本报|特约|实习)*(记者|通讯员)")
NAME_SEPARATORS = re.compile(r"[\s\u3000、，,]+")
NAME = rf"[{HAN}·]{{2,6}}"
CREDIT = rf"(?:(?:本报|特约|实习)*(?:记者|通讯员)[ \u3000]*)?{NAME}"
CREDITS = rf"{CREDIT}(?:[ \u3000\u00a0、，,]+{CREDIT})*"
DATELINE_RE = re.compile(
    rf"^(?P<dateline>(?:本报|新华社|中新社)[{HAN}0-9０-９]{{0,12}}?[讯电])"
    rf"[ \u3000]*(?:[（(](?P<credit>{CREDITS})[）)])?[ \u3000：:]*"
)
TRAILING_CREDIT_RE = re.compile(
    rf"^(?P<body>.*[{re.escape(SENTENCE_ENDS)}][{re.escape(CLOSERS)}]*)"
    rf"(?:[ \u3000\u00a0]+(?P<names>{CREDITS})"
    rf"|[ \u3000\u00a0]*[（(](?P<paren>(?:本报|特约|实习)*(?:记者|通讯员)[^（()）]*)[）)])$",
    re.S,
)
ASCII_TO_FULLWIDTH = {",": "，", ";": "；", ":": "：", "?": "？", "!": "！", "(": "（", ")": "）"}


class ParseError(ValueError):
    """Bad input, with the 1-based line where one applies."""

    def __init__(self, template: str, line: int | None = None, **params):
        self.template, self.line, self.params = template, line, params
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
    type: str  # "paragraph" or "heading"
    text: str
    subtitle: str = ""

    def as_dict(self) -> dict:
        if self.type == "heading":
            return {"type": "heading", "text": self.text, "subtitle": self.subtitle}
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
        return _decode_strict(data, "utf-8-sig"), "utf-8-sig"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return _decode_strict(data, "utf-16"), "utf-16"
    if b"\x00" in data:
        raise ParseError(MSG_BINARY, line=_line_of(data, data.index(b"\x00")))
    try:
        return _check_text(data.decode("utf-8"), data), "utf-8"
    except UnicodeDecodeError as utf8_error:
        try:
            return _check_text(data.decode("gb18030"), data), "gb18030"
        except UnicodeDecodeError as gb_error:
            # Blame the line where the encoding that read furthest gave up.
            offset = max(utf8_error.start, gb_error.start)
            raise ParseError(MSG_UNDECODABLE, line=_line_of(data, offset)) from None


def _decode_strict(data: bytes, encoding: str) -> str:
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as e:
        raise ParseError(MSG_UNDECODABLE, line=_line_of(data, e.start)) from None
    return _check_text(text, data)


def _check_text(text: str, data: bytes) -> str:
    """Refuse control characters and code points no real text has.

    GB18030 maps almost every byte sequence to some code point, so a successful decode
    alone does not prove the file is text: binary data shows up as controls, private-use
    or unassigned characters.
    """
    for lineno, line in enumerate(text.splitlines(), start=1):
        for ch in line:
            category = unicodedata.category(ch)
            if category == "Cc" and ch not in "\t\f\v\x1c\x1d\x1e\x85":
                raise ParseError(MSG_BINARY, line=lineno)
            if category in {"Co", "Cn", "Cs"}:
                raise ParseError(MSG_UNDECODABLE, line=lineno)
    return text


def _line_of(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


# --- lines and blocks -----------------------------------------------------------------


def split_blocks(text: str) -> list[RawBlock]:
    """Runs of non-blank lines; indentation and trailing spaces are stripped."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\ufeff", "")
    blocks: list[RawBlock] = []
    current: RawBlock | None = None
    # Form feeds and other page separators count as blank lines.
    for lineno, raw in enumerate(re.split(r"\n", text), start=1):
        line = raw.strip(INDENT + "\f\v\u2028\u2029")
        if not line:
            current = None
            continue
        if current is None:
            current = RawBlock(line=lineno, lines=[])
            blocks.append(current)
        current.lines.append(line)
    return blocks


# --- small predicates -----------------------------------------------------------------


def ends_sentence(text: str) -> bool:
    stripped = text.rstrip(CLOSERS)
    return bool(stripped) and (stripped[-1] in SENTENCE_ENDS or TRAILING_CREDIT_RE.match(text) is not None)


def is_short_line(line: str) -> bool:
    """A line that can be a heading: short, no sentence end, not a byline.

    A longer line with a comma inside is the start of a sentence cut by a page break,
    not a heading: headings are phrases.
    """
    if len(line) > SHORT_LINE_MAX or ends_sentence(line) or line.startswith(BYLINE_MARKS):
        return False
    return len(line) <= CLAUSE_HEADING_MAX or not any(mark in line for mark in CLAUSE_MARKS)


def is_title_block(block: RawBlock, max_lines: int = 3) -> bool:
    return len(block.lines) <= max_lines and all(is_short_line(line) for line in block.lines)


def is_headline_block(block: RawBlock) -> bool:
    """A headline before a byline or a dateline: up to three lines that end no clause.

    It may end in ？ or ！ (高新区如何破局？) and may be longer than a section heading,
    since the byline or dateline after it already marks the article start.
    """
    return len(block.lines) <= 3 and all(
        len(line) <= HEADLINE_MAX
        and not line.startswith(BYLINE_MARKS)
        and not line.rstrip(CLOSERS).endswith(CLAUSE_ENDS)
        for line in block.lines
    )


def is_byline_block(block: RawBlock) -> bool:
    return block.lines[0].startswith(BYLINE_MARKS)


def opens_with_dateline(block: RawBlock) -> bool:
    return DATELINE_RE.match(block.lines[0]) is not None


def join_fragments(left: str, right: str) -> str:
    """Rejoin text split by a line or page break: no separator, except between Latin words."""
    if left and right and _is_latin(left[-1]) and _is_latin(right[0]):
        return f"{left} {right}"
    return left + right


def _is_latin(ch: str) -> bool:
    return ch.isascii() and ch.isalpha()


def _is_cjk(ch: str) -> bool:
    """Han, CJK punctuation, full-width forms and the curly quotes Chinese text uses."""
    return bool(ch) and (
        re.match(rf"[{HAN}]", ch) is not None
        or "\u3000" <= ch <= "\u303f"
        or "\uff00" <= ch <= "\uffef"
        or ch in "“”‘’…—·"
    )


def normalize_punctuation(text: str) -> str:
    """ASCII , ; : ? ! ( ) next to Chinese text become full-width; Latin text keeps its own."""
    out = []
    for i, ch in enumerate(text):
        full = ASCII_TO_FULLWIDTH.get(ch)
        if full and (_is_cjk(text[i - 1] if i else "") or _is_cjk(text[i + 1] if i + 1 < len(text) else "")):
            out.append(full)
        else:
            out.append(ch)
    return "".join(out)


# --- credits --------------------------------------------------------------------------


def parse_credits(text: str) -> list[Credit]:
    """`记者 张三 李四 通讯员 王五` -> credits with roles; a role applies to the names after it."""
    credits: list[Credit] = []
    role = ROLE_AUTHOR
    for token in NAME_SEPARATORS.split(text.strip()):
        match = ROLE_RE.match(token)
        if match:
            role = match.group(1)
            token = token[match.end() :]
        if token and all(c.name != token for c in credits):
            credits.append(Credit(name=token, role=role))
    return credits


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


# --- structure ------------------------------------------------------------------------


class _IssueBuilder:
    """Walks the blocks once, deciding for each what it is from its neighbours."""

    def __init__(self, blocks: list[RawBlock]):
        self.blocks = blocks
        self.articles: list[ParsedArticle] = []
        self.warnings: list[tuple[int, str, dict]] = []
        self.open_paragraph = False  # last paragraph did not end a sentence (page break)

    @property
    def article(self) -> ParsedArticle:
        return self.articles[-1]

    def build(self) -> list[ParsedArticle]:
        first = self.blocks[0]
        if not is_headline_block(first):
            raise ParseError(MSG_NO_HEADLINE, line=first.line, text=first.lines[0][:40])
        self.start_article(first)
        for i in range(1, len(self.blocks)):
            self.take(i)
        return self.articles

    def take(self, i: int) -> None:
        block = self.blocks[i]
        if is_byline_block(block):
            self.take_byline(block)
        elif self.starts_article(i):
            self.start_article(block)
        elif is_title_block(block) and not (self.open_paragraph and len(block.lines) == 1):
            self.take_title(i)
        else:
            self.take_paragraph(block)

    def starts_article(self, i: int) -> bool:
        """A headline: short lines after a finished sentence, then a byline or a dateline."""
        block, nxt = self.blocks[i], self._block(i + 1)
        if nxt is None or not self.article.blocks or not is_headline_block(block):
            return False
        if is_byline_block(nxt):
            return True  # a ► byline is unambiguous, even after an unfinished sentence
        if self.open_paragraph:
            return False
        if opens_with_dateline(nxt):
            return True
        # A 副题 on its own line, right under a one-line headline.
        after = self._block(i + 2)
        return (
            len(block.lines) == 1
            and len(nxt.lines) == 1
            and is_title_block(nxt)
            and after is not None
            and (is_byline_block(after) or opens_with_dateline(after))
        )

    def take_title(self, i: int) -> None:
        block = self.blocks[i]
        article = self.article
        if not article.blocks and not article.credits and not article.subheadline and len(block.lines) == 1:
            article.subheadline = block.lines[0]  # the 副题 on a line of its own
            return
        credits = self._credit_only(block)
        if credits and (self._block(i + 1) is None or self.starts_article(i + 1)):
            self.add_credits(credits)  # a trailing byline on a line of its own
            return
        heading, subtitle = block.lines[0], " ".join(block.lines[1:])
        article.blocks.append(Block("heading", heading, subtitle))
        self.open_paragraph = False

    def take_byline(self, block: RawBlock) -> None:
        if self.article.blocks:
            self.warnings.append((block.line, MSG_STRAY_BYLINE, {"headline": self.article.headline}))
        self.add_credits(parse_byline_block(block))

    def take_paragraph(self, block: RawBlock) -> None:
        text = self._joined(block.lines)
        if self.open_paragraph:
            last = self.article.blocks[-1]
            last.text = join_fragments(last.text, text)
        else:
            if not self.article.blocks and not self.article.dateline:
                dateline, credits, text = split_dateline(text)
                self.article.dateline = dateline
                self.add_credits(credits)
            self.article.blocks.append(Block("paragraph", text))
        self.open_paragraph = not ends_sentence(self.article.blocks[-1].text)

    def start_article(self, block: RawBlock) -> None:
        lines = block.lines
        kicker = lines[0] if len(lines) >= 3 else ""
        headline = lines[1] if len(lines) >= 3 else lines[0]
        subheadline = " ".join(lines[2:] if len(lines) >= 3 else lines[1:])
        self.articles.append(ParsedArticle(headline=headline, line=block.line, kicker=kicker, subheadline=subheadline))
        self.open_paragraph = False

    def add_credits(self, credits: list[Credit]) -> None:
        known = {c.name for c in self.article.credits}
        self.article.credits.extend(c for c in credits if c.name not in known)

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
        text = lines[0]
        for line in lines[1:]:
            text = join_fragments(text, line)
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
    blocks = split_blocks(text)
    if not blocks:
        raise ParseError(MSG_BLANK)
    builder = _IssueBuilder(blocks)
    articles = builder.build()
    warnings = builder.warnings
    for article in articles:
        finish_article(article)
        if not article.paragraphs:
            raise ParseError(MSG_NO_BODY, line=article.line, headline=article.headline)
        if not article.credits:
            warnings.append((article.line, MSG_NO_BYLINE, {"headline": article.headline}))
    return ParsedIssue(articles=articles, text=text, encoding=encoding, warnings=warnings)
