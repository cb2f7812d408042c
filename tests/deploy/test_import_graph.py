"""The clients domains import each other in one direction only (deploy/import_graph.py)."""

from __future__ import annotations

from pathlib import Path

from deploy.import_graph import analyse

ROOT = Path(__file__).resolve().parents[2]


def test_clients_domains_form_no_loop_and_wire_only_through_the_composition_module() -> None:
    report = analyse(ROOT)
    assert report.domain_loops == []
    assert report.imports_in_loops == 0
    assert report.foreign_dependencies == []
    assert report.root_imports == []


def test_no_import_circle_anywhere_in_services_shared_and_gateway() -> None:
    # The shared/ circle (errors → auth/policy → … → errors) is gone, so the whole graph
    # this analysis reads (services, shared, gateway) must stay free of circles, not only
    # clients. tests/deploy/test_module_circles.py checks the same with late imports too.
    assert analyse(ROOT).module_circles == []


def _tree(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def test_the_analysis_sees_a_loop_a_foreign_dependencies_import_and_a_root_import(
    tmp_path: Path,
) -> None:
    root = _tree(
        tmp_path,
        {
            "services/__init__.py": "",
            "services/clients/__init__.py": "",
            "services/clients/app.py": "",
            "services/clients/dependencies.py": "from services.clients.a import service\n",
            "services/clients/a/__init__.py": "",
            "services/clients/a/service.py": "from services.clients.b.rules import x\n",
            "services/clients/a/dependencies.py": "",
            "services/clients/b/__init__.py": "",
            "services/clients/b/rules.py": "x = 1\n",
            "services/clients/b/router.py": (
                "from services.clients.a.dependencies import y\n"
                "from services.clients.dependencies import z\n"
                "from services.clients.app import create_app\n"
            ),
        },
    )
    report = analyse(root)
    assert report.domain_loops == [["a", "b"]]
    assert report.imports_in_loops == 2
    assert report.foreign_dependencies == [
        ("services.clients.b.router", "services.clients.a.dependencies")
    ]
    assert report.root_imports == [("services.clients.b.router", "services.clients.app")]
    assert report.module_circles == []
