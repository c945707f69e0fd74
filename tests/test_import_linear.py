"""The importer's work grows linearly with the file: counted, not timed.

Every line of the importer's own code that runs is counted (sys.settrace) for inputs
of n, 2n and 4n paragraphs. Linear work adds exactly the same count for each further
n; a rescan per paragraph (as a quadratic parser did) adds more each time. The
timings are in bench/import_parse.py and docs/benchmarks.md.
"""
import sys

import pytest

from articles import body
from newsroom import textnorm
from newsroom.importing import loader, parser
from zones import mentions

PARSER_FILES = {parser.__file__, textnorm.__file__}
IMPORT_FILES = PARSER_FILES | {loader.__file__, body.__file__, mentions.__file__}
HEAD = "大型园区全年报道汇编\n\n► 记者 张三\n\n"
N = 150


def lines_run(work, files: set[str]) -> int:
    count = 0

    def local(frame, event, arg):
        nonlocal count
        if event == "line":
            count += 1
        return local

    def calls(frame, event, arg):
        return local if frame.f_code.co_filename in files else None

    sys.settrace(calls)
    try:
        work()
    finally:
        sys.settrace(None)
    return count


def assert_linear(make_text, work, files=PARSER_FILES) -> None:
    counts = [lines_run(lambda k=k: work(make_text(k * N).encode()), files) for k in (1, 2, 4)]
    assert counts[2] - counts[1] == 2 * (counts[1] - counts[0]), counts


SHAPES = {
    "one-line paragraphs": lambda n: HEAD + "\n\n".join("成都高新区新增企业。" for _ in range(n)) + "\n",
    "a paragraph cut by page breaks": lambda n: HEAD + "\n\n".join("成都高新区新增企业" for _ in range(n)) + "。\n",
    "a block of wrapped lines": lambda n: HEAD + "\n".join("成都高新区新增企业" for _ in range(n)) + "。\n",
    "many articles": lambda n: "\n\n".join(f"园区报道\n\n► 记者 张三\n\n第{'一' * 3}段。" for _ in range(n)) + "\n",
}


class TestParsingIsLinear:
    @pytest.mark.parametrize("shape", list(SHAPES))
    def test_parsing(self, shape):
        assert_linear(SHAPES[shape], parser.parse_issue)


@pytest.mark.django_db
class TestDryRunIsLinear:
    @pytest.mark.parametrize("shape", ["one-line paragraphs", "many articles"])
    def test_planning_an_import(self, shape):
        def plan(data):
            loader.import_issue(data=data, source_name="big.txt", dry_run=True)

        assert_linear(SHAPES[shape], plan, IMPORT_FILES)
