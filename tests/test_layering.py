"""Scoring and instrument loading stay plain Python: no Flask, no database. Security holds
primitives only: it imports no service and no view."""

import ast
from pathlib import Path

import pytest

APP = Path(__file__).resolve().parent.parent / "app"
FORBIDDEN = ("flask", "sqlalchemy", "app.models", "app.services", "app.extensions", "app.db")


@pytest.mark.parametrize("path", sorted((APP / "instruments").glob("*.py")), ids=lambda p: p.name)
def test_instrument_modules_import_no_web_or_database_code(path):
    tree = ast.parse(path.read_text())
    imported = [alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names]
    imported += [node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)]
    offending = [name for name in imported if name.startswith(FORBIDDEN)]
    assert offending == []


def _imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text())
    imported = [alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names]
    return imported + [node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)]


# Every package that serves pages or the API, and the service layer they call.
ABOVE_SECURITY = ("app.services", "app.staff_auth", "app.models") + tuple(
    f"app.{path.parent.name}" for path in APP.glob("*/views.py")
)


@pytest.mark.parametrize("path", sorted((APP / "security").glob("*.py")), ids=lambda p: p.name)
def test_security_modules_import_no_service_or_view(path):
    assert len(ABOVE_SECURITY) > 5
    offending = [name for name in _imports(path) if name.startswith(ABOVE_SECURITY)]
    assert offending == []


def test_instrument_code_never_names_an_instrument():
    """Rules are general types the YAML selects; comments may cite an example, code may not."""
    instrument_ids = {path.stem for path in (APP.parent / "questionnaires").glob("*.yaml")}
    for path in (APP / "instruments").glob("*.py"):
        tree = ast.parse(path.read_text())
        strings = [
            node.value.lower()
            for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str)
        ]
        names = [node.id.lower() for node in ast.walk(tree) if isinstance(node, ast.Name)]
        named = {
            word
            for word in instrument_ids
            if any(word == s or f"{word}" in s.split() for s in strings) or word in names
        }
        assert named == set(), f"{path.name} names {named}"


def test_every_service_error_has_the_one_base():
    """A view may catch `ServiceError` and show its words; only a broken invariant is left out."""
    import importlib
    import inspect

    from app.services.errors import ServiceError

    not_input = {"ReferralIntegrityError"}
    found = []
    for path in sorted((APP / "services").glob("*.py")):
        module = importlib.import_module(f"app.services.{path.stem}")
        for name, value in vars(module).items():
            if inspect.isclass(value) and issubclass(value, Exception) and value.__module__ == module.__name__:
                found.append(name)
                assert issubclass(value, ServiceError) != (name in not_input), name
    assert len(found) >= 10
