"""The problem catalogue (shared/problem_types.py, docs/problems.md) against the code: every
type the code can answer is catalogued, every catalogued type is answered somewhere, the
statuses agree, the document is the rendering of the table, and no 409 is a bare conflict."""

from __future__ import annotations

import ast
import importlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from shared.errors import _SLUG_BY_STATUS, Conflict, DomainError
from shared.problem_types import CATALOGUE_PATH, PROBLEM_TYPES, problem_type, render_catalogue

ROOT = Path(__file__).resolve().parents[2]
CODE = ("shared", "services", "gateway")


def python_files() -> Iterator[tuple[Path, ast.Module]]:
    for top in CODE:
        for path in sorted((ROOT / top).rglob("*.py")):
            if "migrations" not in path.parts:
                yield path, ast.parse(path.read_text(encoding="utf-8"))


def domain_errors() -> Iterator[type[DomainError]]:
    for service in ("clients", "staff", "kpi"):
        importlib.import_module(f"services.{service}.app").create_app()
    importlib.import_module("gateway.app")
    stack: list[type[DomainError]] = [DomainError]
    while stack:
        cls = stack.pop()
        yield cls
        stack.extend(cls.__subclasses__())


def literal_slugs() -> Iterator[tuple[str, str]]:
    """``slug="..."`` passed to a problem response anywhere in the code, with where."""
    for path, tree in python_files():
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                for keyword in node.keywords:
                    if keyword.arg == "slug" and isinstance(keyword.value, ast.Constant):
                        yield str(keyword.value.value), f"{path.relative_to(ROOT)}:{node.lineno}"


def produced_slugs() -> dict[str, int | None]:
    produced: dict[str, int | None] = {}
    for cls in domain_errors():
        if cls is not DomainError:
            produced[cls.slug] = cls.status
    for slug, _where in literal_slugs():
        produced.setdefault(slug, None)
    for status, slug in _SLUG_BY_STATUS.items():
        produced.setdefault(slug, status)
    return produced


def test_every_problem_the_code_answers_is_catalogued_and_vice_versa() -> None:
    produced = produced_slugs()
    catalogued = {problem.slug for problem in PROBLEM_TYPES}
    assert sorted(set(produced) - catalogued) == [], "answered but not in the catalogue"
    assert sorted(catalogued - set(produced)) == [], "catalogued but never answered"


def test_the_catalogue_gives_each_type_its_status() -> None:
    for slug, status in produced_slugs().items():
        entry = problem_type(slug)
        assert entry is not None
        if status is not None:
            assert entry.status == status, slug


def test_each_type_has_both_titles_a_meaning_and_a_remedy() -> None:
    assert len({p.slug for p in PROBLEM_TYPES}) == len(PROBLEM_TYPES)
    for problem in PROBLEM_TYPES:
        assert problem.title_en and problem.meaning and problem.remedy, problem.slug
        assert any("\u4e00" <= ch <= "\u9fff" for ch in problem.title_zh), problem.slug


def test_the_document_is_the_catalogue() -> None:
    assert CATALOGUE_PATH.read_text(encoding="utf-8") == render_catalogue(), (
        "docs/problems.md is stale: run python -m shared.problem_types write"
    )


@pytest.mark.parametrize("name", ["Conflict"])
def test_no_code_raises_a_bare_conflict(name: str) -> None:
    """A 409 names its cause (duplicate, invalid-transition, …), never the generic type."""
    assert Conflict.slug == "conflict"
    bare = [
        f"{path.relative_to(ROOT)}:{node.lineno}"
        for path, tree in python_files()
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == name
    ]
    assert bare == []


def test_every_409_problem_response_names_its_cause() -> None:
    unnamed = [
        f"{path.relative_to(ROOT)}:{node.lineno}"
        for path, tree in python_files()
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and getattr(node.func, "id", getattr(node.func, "attr", None)) == "problem_response"
        and node.args
        and isinstance(node.args[0], ast.Constant)
        and node.args[0].value == 409
        and not any(keyword.arg == "slug" for keyword in node.keywords)
    ]
    assert unnamed == []
