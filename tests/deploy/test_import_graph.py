"""The project has no module import circle (deploy.import_graph)."""

from __future__ import annotations

from pathlib import Path

from deploy.import_graph import circles, module_circles


def test_the_project_has_no_module_import_circle() -> None:
    assert module_circles() == []


def test_a_circle_through_a_late_import_is_found(tmp_path: Path) -> None:
    package = tmp_path / "shared"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "errors.py").write_text("def f():\n    from shared.policy import g\n")
    (package / "policy.py").write_text("from .errors import f\n")
    (package / "leaf.py").write_text("import shared.errors\n")
    assert module_circles(tmp_path) == [["shared.errors", "shared.policy"]]


def test_circles_are_the_components_of_more_than_one_module() -> None:
    edges = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": {"e"} - {"e"}}
    assert circles(edges) == [["a", "b", "c"]]
