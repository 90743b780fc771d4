"""The referral report is plain Python over a database session: no Flask, no request."""

import ast
from pathlib import Path

import pytest

REPORTS = Path(__file__).resolve().parents[2] / "app" / "reports"


@pytest.mark.parametrize("path", sorted(REPORTS.glob("*.py")), ids=lambda p: p.name)
def test_report_modules_import_no_flask_or_services(path):
    tree = ast.parse(path.read_text())
    imported = [alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names]
    imported += [node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)]
    assert [name for name in imported if name.startswith(("flask", "app.services", "app.extensions"))] == []
