"""The examples in docs/issue-format.md, run through the parser: the document cannot drift.

Convention (described at the top of the document): every ```text block is an example
input and is immediately followed (blank lines aside) by a ```json block holding the
example's "id", optional "input" options and the expected result. Only the fields an
expectation names are compared, but those exactly. See `run_example` for the keys.
"""
import codecs
import json
import re
from pathlib import Path

import pytest

from newsroom.importing.parser import ParseError, parse_issue

DOC = Path(__file__).resolve().parent.parent / "docs" / "issue-format.md"
FENCE = re.compile(r"^```(\w*)\n(.*?)^```$", re.M | re.S)
ESCAPE = re.compile(r"\\(u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|x[0-9a-fA-F]{2}|f|v|t|r|\\)")
SIMPLE_ESCAPES = {"f": "\f", "v": "\v", "t": "\t", "r": "\r", "\\": "\\"}
BOMS = {
    "utf-8": codecs.BOM_UTF8,
    "utf-16-le": codecs.BOM_UTF16_LE,
    "utf-16-be": codecs.BOM_UTF16_BE,
}
INPUT_KEYS = {"encoding", "bom", "newline", "escapes", "max_bytes"}
RESULT_KEYS = {"id", "input", "encoding", "articles", "warnings", "error"}
ARTICLE_KEYS = {"kicker", "headline", "subheadline", "dateline", "credits", "paragraphs", "blocks"}
ERROR_KEYS = {"message", "line", "column"}
MIN_EXAMPLES = 60


def doc_text() -> str:
    return DOC.read_text(encoding="utf-8")


def fences(text: str) -> list[tuple[str, str, int]]:
    """(language, content, end offset) of every fenced block, in order."""
    return [(m.group(1), m.group(2), m.end()) for m in FENCE.finditer(text)]


def extract_examples(text: str) -> list[tuple[str, str, dict]]:
    """(id, input text, expectation) for each ```text block and the ```json block after it."""
    blocks = fences(text)
    examples = []
    for k, (language, content, end) in enumerate(blocks):
        if language != "text":
            continue
        following = blocks[k + 1] if k + 1 < len(blocks) else None
        start_of_next = text.find("```json\n", end)
        if following is None or following[0] != "json" or text[end:start_of_next].strip():
            raise AssertionError(f"the ```text block ending at offset {end} is not followed by a ```json block")
        expected = json.loads(following[1])
        examples.append((expected["id"], content, expected))
    return examples


def example_bytes(content: str, options: dict) -> bytes:
    """The file an example stands for: its text, with the options the json block names."""
    text = content
    if options.get("escapes"):
        text = ESCAPE.sub(_unescape, text)
    if "newline" in options:
        text = text.replace("\n", options["newline"])
    encoding = options.get("encoding", "utf-8")
    data = text.encode(encoding)
    if options.get("bom"):
        data = BOMS[encoding] + data
    return data


def _unescape(match: re.Match) -> str:
    code = match.group(1)
    return SIMPLE_ESCAPES.get(code) or chr(int(code[1:], 16))


def article_result(article, keys) -> dict:
    """The parsed article in the document's notation, for the keys the example names."""
    full = {
        "kicker": article.kicker,
        "headline": article.headline,
        "subheadline": article.subheadline,
        "dateline": article.dateline,
        "credits": [[c.name, c.role] for c in article.credits],
        "paragraphs": [p.text for p in article.paragraphs],
        "blocks": [block_result(b) for b in article.blocks],
    }
    return {key: full[key] for key in keys}


def block_result(block):
    """A paragraph is its text; a heading and a figure are objects."""
    if block.type == "paragraph":
        return block.text
    if block.type == "figure":
        return {"figure": block.file, "caption": block.text, "credit": block.credit}
    return {"heading": block.text, "subtitle": block.subtitle}


def run_example(content: str, expected: dict) -> dict:
    """What the parser makes of an example, in the shape of its expectation.

    "encoding": the encoding the parser reports; "articles": one object per article with
    any of ARTICLE_KEYS; "warnings": [line, message] pairs; "error": the ParseError's
    message, line and column.
    """
    data = example_bytes(content, expected.get("input", {}))
    max_bytes = expected.get("input", {}).get("max_bytes")
    actual: dict = {}
    try:
        issue = parse_issue(data, max_bytes=max_bytes)
    except ParseError as error:
        if "error" not in expected:
            raise
        full = {"message": error.message, "line": error.line, "column": error.column}
        actual["error"] = {key: full[key] for key in expected["error"]}
        return actual
    if "encoding" in expected:
        actual["encoding"] = issue.encoding
    if "articles" in expected:
        # Not strict: a different number of articles shows up as the note appended below.
        pairs = zip(issue.articles, expected["articles"], strict=False)
        actual["articles"] = [article_result(article, want.keys()) for article, want in pairs]
        if len(issue.articles) != len(expected["articles"]):
            actual["articles"].append(f"{len(issue.articles)} articles in all")
    if "warnings" in expected:
        actual["warnings"] = [[line, template.format(**params)] for line, template, params in issue.warnings]
    return actual


def expected_result(expected: dict) -> dict:
    return {key: value for key, value in expected.items() if key not in ("id", "input")}


EXAMPLES = extract_examples(doc_text())


class TestDocument:
    def test_has_the_examples(self):
        assert len(EXAMPLES) >= MIN_EXAMPLES

    def test_example_ids_are_unique(self):
        ids = [example_id for example_id, _content, _expected in EXAMPLES]
        assert len(ids) == len(set(ids))

    @pytest.mark.parametrize("example_id, content, expected", EXAMPLES, ids=[e[0] for e in EXAMPLES])
    def test_expectation_uses_known_keys(self, example_id, content, expected):
        assert set(expected) <= RESULT_KEYS
        assert set(expected.get("input", {})) <= INPUT_KEYS
        assert set(expected.get("error", {})) <= ERROR_KEYS
        assert ("error" in expected) != ("articles" in expected or "encoding" in expected)
        for article in expected.get("articles", []):
            assert article and set(article) <= ARTICLE_KEYS

    def test_refers_to_nothing_outside_the_repository(self):
        assert "../" not in doc_text()

    def test_the_files_it_names_exist(self):
        root = DOC.parent.parent
        named = re.findall(r"`((?:newsroom|tests|seeds|docs|articles|zones)/[\w./-]*)`", doc_text())
        assert named and [path for path in named if not (root / path).exists()] == []

    def test_links_stay_inside_the_document(self):
        assert [target for target in re.findall(r"\]\(([^)]+)\)", doc_text()) if not target.startswith("#")] == []

    def test_every_json_block_belongs_to_an_example(self):
        blocks = fences(doc_text())
        for k, (language, _content, _end) in enumerate(blocks):
            if language == "json":
                assert k > 0 and blocks[k - 1][0] == "text"


class TestExtraction:
    """The harness itself: a wrong expectation must fail."""

    def test_a_text_block_without_expectation_is_refused(self):
        with pytest.raises(AssertionError):
            extract_examples("```text\n标题\n```\n\nprose\n")

    def test_a_changed_expectation_fails(self):
        _id, content, expected = next(e for e in EXAMPLES if e[0] == "minimal-article")
        wrong = json.loads(json.dumps(expected))
        wrong["articles"][0]["headline"] += "x"
        assert run_example(content, wrong) != expected_result(wrong)

    def test_a_missing_article_fails(self):
        _id, content, expected = next(e for e in EXAMPLES if e[0] == "complete-issue")
        fewer = json.loads(json.dumps(expected))
        del fewer["articles"][-1]
        assert run_example(content, fewer) != expected_result(fewer)

    def test_escapes_and_options_make_the_bytes(self):
        options = {"escapes": True, "encoding": "utf-16-le", "bom": True, "newline": "\r\n"}
        assert example_bytes("a\\u3000\\f\n", options) == codecs.BOM_UTF16_LE + "a\u3000\f\r\n".encode("utf-16-le")


class TestExamples:
    @pytest.mark.parametrize("example_id, content, expected", EXAMPLES, ids=[e[0] for e in EXAMPLES])
    def test_parser_gives_the_documented_result(self, example_id, content, expected):
        assert run_example(content, expected) == expected_result(expected)
