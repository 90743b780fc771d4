"""The FHIR builders and the CSV line writer are plain functions: data in, data out."""

import ast
from pathlib import Path

import pytest

from tests.test_layering import FORBIDDEN

APP = Path(__file__).resolve().parents[2] / "app"
PURE = sorted([*(APP / "fhir").glob("*.py"), *(APP / "exports").glob("*.py")])


@pytest.mark.parametrize("path", PURE, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_module_imports_no_web_or_database_code(path):
    tree = ast.parse(path.read_text())
    imported = [alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names]
    imported += [node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)]
    assert [name for name in imported if name.startswith(FORBIDDEN)] == []
