"""The kinds of import a worker can run, each registered once by the app that owns its rules.

A kind's `run` receives the file's sheet, the job's requester as the actor, a progress callback and,
as keyword arguments, the options its upload page stored on the job (e.g. the client a settlement file
is of; none for orders), and returns what happened: its problems (nothing applied) or a summary of
what it applied. The rules stay in the owning app's service; this app only carries the file, the
progress and the outcome.

A kind must be safe to run again on the same file, because a job whose worker died is run again from
the first row (core.leases, importjobs.stuck_imports):
- apply in one transaction, after every row is checked: a worker that dies before the commit applied
  nothing, and the database rolls it back;
- a worker may die after the commit but before the job is marked done; the rerun then meets its own
  writes, and must find them unchanged and write nothing again. Orders do (rma.services.import_orders
  compares every order and line cell by cell: a second run reports them "unchanged"). A kind whose rows
  add up (stock counts, payments, ledger entries) must key each row so that a second run skips it;
- let `on_progress` raise: it raises core.leases.LeaseLost when the job was taken back from this
  worker, which must then stop before applying. Call it while checking, every thousand rows or so:
  each call renews the job's lease (core.leases.LEASE), and the apply step must end well within it.
"""

from collections.abc import Callable
from dataclasses import dataclass

from core.imports import ImportProblem

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Outcome:
    problems: list[ImportProblem]
    summary: str = ""


@dataclass(frozen=True)
class ImportKind:
    name: str
    label: str  # what the job's page calls it, e.g. "Client orders"
    permission: str  # what a user needs to import it, e.g. "reports.import_orders"
    import_url_name: str  # the admin's import page of this kind, to upload a corrected file
    list_url_name: str  # the admin list showing what it imported
    run: Callable[..., Outcome]  # run(*, sheet: Sheet, actor: User, on_progress: Progress, **options) -> Outcome
    formulas_as_text: bool = True


_KINDS: dict[str, ImportKind] = {}


def register(kind: ImportKind) -> None:
    _KINDS[kind.name] = kind


def kind_of(name: str) -> ImportKind:
    return _KINDS[name]


def may_import_any(user) -> bool:
    """Whether the user may run some kind of import, and so see import jobs (their own)."""
    return user.is_active and any(user.has_perm(kind.permission) for kind in _KINDS.values())

