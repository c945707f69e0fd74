"""The import contracts of pyproject.toml hold, and each one fails when broken (docs/architecture.md)."""
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")
PACKAGES = ("newsroom", "articles", "zones")


def lint_imports(cwd: Path) -> subprocess.CompletedProcess:
    # lint-imports puts its working directory first on the path, so a copy is analysed, not the installed tree.
    return subprocess.run(
        [LINT_IMPORTS, "--no-cache"], cwd=cwd, capture_output=True, text=True, timeout=120, check=False
    )


@pytest.fixture
def tree(tmp_path) -> Path:
    """A copy of the code and its contracts, to break on purpose."""
    for package in PACKAGES:
        shutil.copytree(ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    return tmp_path


def append(path: Path, code: str) -> None:
    path.write_text(path.read_text(encoding="utf-8") + code, encoding="utf-8")


class TestImportContracts:
    def test_the_code_keeps_every_contract(self):
        result = lint_imports(ROOT)
        assert result.returncode == 0, result.stdout
        assert "Contracts: 3 kept, 0 broken." in result.stdout

    @pytest.mark.parametrize(
        ("module", "code", "message"),
        [
            pytest.param(
                "zones/models.py",
                "\n\ndef _late():\n    from articles.models import Article\n    return Article\n",
                "zones is not allowed to import articles:",
                id="upward-import-inside-a-function",
            ),
            pytest.param(
                "articles/workflow.py",
                "\nfrom newsroom.publishing import issue_publish  # noqa\n",
                "articles is not allowed to import newsroom.publishing:",
                id="domain-imports-an-edge",
            ),
            pytest.param(
                "articles/models.py",
                "\n\ndef _late():\n    from articles import workflow\n    return workflow\n",
                "No cycles are allowed in articles.",
                id="circle-inside-a-package",
            ),
            pytest.param(
                "newsroom/text/han.py",
                "\nfrom django.utils.text import slugify  # noqa\n",
                "newsroom.text is not allowed to import django:",
                id="django-in-the-text-rules",
            ),
        ],
    )
    def test_breaking_a_contract_fails_the_check(self, tree, module, code, message):
        append(tree / module, code)
        result = lint_imports(tree)
        assert result.returncode == 1
        assert "Contracts: 2 kept, 1 broken." in result.stdout
        assert message in result.stdout


class TestArchitectureDocument:
    def test_the_documented_layers_are_the_contract(self):
        """docs/architecture.md's first text block lists the layers of pyproject.toml, in order."""
        document = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
        block = re.search(r"```text\n(.*?)```", document, re.S).group(1)
        documented = [line.split("─")[0].strip() for line in block.splitlines() if line.strip()]
        config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
        layers = next(c for c in config["tool"]["importlinter"]["contracts"] if c["id"] == "layers")["layers"]
        assert documented == layers

    def test_nothing_in_the_repository_points_outside_it(self):
        """The team's shared folder is not part of a clone: no file may send a reader there."""
        sources = [ROOT / name for name in ("README.md", "Makefile", "pyproject.toml")]
        for folder in (*PACKAGES, "templates", "tests", "docs", "bench", "static", ".ci", "seeds"):
            sources += [path for path in (ROOT / folder).rglob("*") if path.is_file() and "__pycache__" not in path.parts]
        pointing = [
            str(path.relative_to(ROOT)) for path in sources
            if path.suffix in {".py", ".md", ".html", ".toml", ".txt", ".css", ".js", ""}
            and re.search(r"\.\./shared|DESIGN\.md", path.read_text(encoding="utf-8", errors="replace"))
        ]
        assert pointing == []
