"""The project has no module import circle (deploy.module_circles)."""

from __future__ import annotations

from pathlib import Path

from deploy.module_circles import ROOT, circles, module_circles, project_modules


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


def test_kpi_and_staff_wire_their_domains_in_one_composition_module() -> None:
    modules = project_modules(ROOT)
    for service in ("kpi", "staff"):
        assert f"services.{service}.dependencies" in modules
        domain_wiring = [
            name
            for name in modules
            if name.startswith(f"services.{service}.") and name.endswith(".dependencies")
        ]
        assert domain_wiring == [f"services.{service}.dependencies"]
