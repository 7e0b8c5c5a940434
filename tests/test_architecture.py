"""The shape the code keeps: which module may import which, read from the source itself."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
APPS = ["core", "rma", "inspection", "disposition", "refunds", "reports", "backoffice", "returns_site"]
# The lifecycle's order: a stage may import an earlier one, never a later one.
STAGES = ["rma", "inspection", "disposition", "refunds"]


def imports_of(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def sources(*apps: str) -> list[Path]:
    return [path for app in apps for path in (ROOT / app).rglob("*.py") if "migrations" not in path.parts]


def importers_of(module: str) -> set[str]:
    return {
        str(path.relative_to(ROOT)) for path in sources(*APPS)
        if any(name == module or name.startswith(f"{module}.") for name in imports_of(path))
    }


def test_only_the_later_stages_reach_the_unchecked_moves_of_a_return():
    assert {path.split("/")[0] for path in importers_of("rma.later_stages")} <= {"inspection", "disposition", "refunds"}


def test_the_event_writer_is_rmas_own():
    assert {path.split("/")[0] for path in importers_of("rma.trail")} == {"rma"}


@pytest.mark.parametrize("stage", STAGES)
def test_no_stage_imports_a_later_one(stage):
    later = [*STAGES[STAGES.index(stage) + 1:], "reports", "backoffice"]
    offending = {
        str(path.relative_to(ROOT)) for path in sources(stage)
        for name in imports_of(path) if name.split(".")[0] in later
    }
    assert not offending


def test_reports_does_not_reach_up_into_the_back_office():
    assert not {path for path in importers_of("backoffice") if path.startswith("reports/")}


def test_services_are_told_who_acts_by_an_actor_never_a_bare_permission_check():
    assert not importers_of("core.permissions")


def test_migrations_run_in_a_straight_line_per_app():
    for app in APPS:
        folder = ROOT / app / "migrations"
        numbers = [path.name[:4] for path in folder.glob("0*.py")] if folder.exists() else []
        assert len(numbers) == len(set(numbers)), f"{app} has two migrations with one number"
        assert not list(folder.glob("*merge*.py"))
