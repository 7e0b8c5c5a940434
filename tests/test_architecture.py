"""The shape the code keeps: which module may import which, read from the source itself."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
APPS = [
    "core", "idempotency", "rma", "inspection", "disposition", "refunds", "reports", "backoffice", "api", "portal",
    "console", "returns_site",
]
# The lifecycle's order: a stage may import an earlier one, never a later one.
STAGES = ["rma", "inspection", "disposition", "refunds"]


def imports_of(path: Path, *, at_runtime: bool = False) -> set[str]:
    """The modules `path` imports; `at_runtime` leaves out those imported only for type checkers."""
    tree = ast.parse(path.read_text(), filename=str(path))
    if at_runtime:
        tree.body = [node for node in tree.body if not is_type_checking_block(node)]
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def is_type_checking_block(node: ast.stmt) -> bool:
    return isinstance(node, ast.If) and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING"


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
    later = [*STAGES[STAGES.index(stage) + 1:], "reports", "backoffice", "portal"]
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


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph() -> dict[str, set[str]]:
    """Which of our modules each of our modules imports (`from reports import exports` names reports.exports)."""
    modules = {module_name(path): path for path in sources(*APPS)}
    return {name: {found for found in imports_of(path, at_runtime=True) if found in modules and found != name}
            for name, path in modules.items()}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every import cycle, each found once from where the depth-first walk first closes it."""
    found, done = [], set()

    def walk(module: str, trail: list[str]) -> None:
        if module in trail:
            found.append([*trail[trail.index(module):], module])
            return
        if module in done:
            return
        for imported in sorted(graph[module]):
            walk(imported, [*trail, module])
        done.add(module)

    for module in sorted(graph):
        walk(module, [])
    return found


def test_no_two_modules_import_each_other_even_by_way_of_others():
    assert cycles(import_graph()) == []


def test_the_workers_entry_point_is_imported_by_nobody():
    """Work is queued through the task objects beside it, so reports.tasks only ever imports (reports.services, too)."""
    assert not importers_of("reports.tasks")


def test_lists_are_not_rebuilt_through_a_fake_request_nor_admins_registered_twice():
    offending = {
        str(path.relative_to(ROOT)) for path in sources(*APPS)
        if "RequestFactory" in path.read_text() or "site.unregister" in path.read_text()
    }
    assert not offending
