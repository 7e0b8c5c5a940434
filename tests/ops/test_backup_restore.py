"""A backup restored into a fresh database holds every return, event and ledger balance, and the photos:
scripts/backup.sh (pg_dump, custom format) and scripts/restore.sh (pg_restore) run as docs/backups.md says."""

import io
import os
import subprocess
import uuid
from decimal import Decimal
from pathlib import Path

import psycopg
import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from psycopg import sql

from inspection.models import InspectionPhoto
from inspection.services import record_inspection
from refunds.gift_cards import redeem_gift_card
from refunds.models import GiftCardEntry, Refund, StoreCreditEntry
from refunds.services import approve_refund
from rma.models import ReturnEvent, ReturnRequest, ReturnState
from tests.factories import Staff, return_in_state
from tests.refunds.gift_card_data import issued_gift_card
from tests.reports.test_export_worker import database_url_of_the_tests
from tests.tools import require_tool

ROOT = Path(__file__).resolve().parents[2]


def table(model) -> sql.Identifier:
    return sql.Identifier(model._meta.db_table)


QUERIES = {
    "returns": ("SELECT id, client_id, ran, state FROM {} ORDER BY id", ReturnRequest),
    "events": ("SELECT id, return_request_id, action, from_state, to_state, at FROM {} ORDER BY id", ReturnEvent),
    "refunds": ("SELECT id, return_request_id, status, amount, currency FROM {} ORDER BY id", Refund),
    "states per client": ("SELECT client_id, state, count(*) FROM {} GROUP BY 1, 2 ORDER BY 1, 2", ReturnRequest),
    "store credit balances": (
        "SELECT customer_id, currency, sum(amount) FROM {} GROUP BY 1, 2 ORDER BY 1, 2", StoreCreditEntry
    ),
    "gift card balances": ("SELECT card_id, sum(amount) FROM {} GROUP BY 1 ORDER BY 1", GiftCardEntry),
    "photos": ("SELECT id, image FROM {} ORDER BY id", InspectionPhoto),
}


def fingerprint(url: str) -> dict:
    """What a restore must keep, read with plain SQL so the same questions go to either database."""
    with psycopg.connect(url) as conn:
        found = {
            name: conn.execute(sql.SQL(query).format(table(model))).fetchall()
            for name, (query, model) in QUERIES.items()
        }
        # New rows after a restore must not collide with restored ones.
        found["sequences"] = conn.execute("SELECT sequencename, last_value FROM pg_sequences ORDER BY 1").fetchall()
        found["rows per table"] = {
            model._meta.db_table: conn.execute(sql.SQL("SELECT count(*) FROM {}").format(table(model))).fetchone()[0]
            for model in apps.get_models() if model._meta.managed and not model._meta.proxy
        }
    return found


def png_upload(name: str) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (16, 12), "teal").save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def the_floors_week(staff: Staff) -> None:
    """Returns of several clients through the lifecycle, refunded by every method, with ledger entries."""
    return_in_state(ReturnState.REFUNDED, staff=staff)  # to the original payment, settled with a reference
    credited = return_in_state(ReturnState.DISPOSITIONED, staff=staff, refund_method="store_credit",
                               store_credit_bonus_percent=Decimal("10"))
    approve_refund(refund=credited.refunds.get(), actor=staff.finance)  # issued as store credit with its bonus
    code = issued_gift_card(staff)
    redeem_gift_card(code=code, amount=Decimal("30.00"), actor=staff.finance, reference="TILL-1")
    return_in_state(ReturnState.CLOSED, staff=staff)  # every unit missing
    return_in_state(ReturnState.CANCELLED, staff=staff)
    received = return_in_state(ReturnState.RECEIVED, staff=staff, units=1)
    record_inspection(item=received.items.get(), actor=staff.inspector, grade="B", accessories_complete=True,
                      original_packaging=False, matches_request=True, photos=[png_upload("scuff.png")])


def run(script: str, directory: Path, *, database_url: str, media_root: Path) -> None:
    env = {**os.environ, "DATABASE_URL": database_url, "MEDIA_ROOT": str(media_root)}
    result = subprocess.run([str(ROOT / "scripts" / script), str(directory)], env=env, capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 0, f"{script} failed:\n{result.stdout}\n{result.stderr}"


@pytest.fixture
def fresh_database():
    """An empty database of a unique name on the test server, dropped after the test."""
    name = f"restore_{uuid.uuid4().hex[:12]}"
    base = database_url_of_the_tests()
    admin_url = base.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield base.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


# Committed data (transaction=True), or pg_dump's own session would see none of it.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_restored_backup_holds_every_return_event_ledger_balance_and_photo(
    postgres_only, fresh_database, settings, tmp_path
):
    require_tool("pg_dump", package="postgresql-client-15")
    require_tool("pg_restore", package="postgresql-client-15")
    the_floors_week(Staff())
    original = fingerprint(database_url_of_the_tests())
    backup, restored_media = tmp_path / "backup", tmp_path / "restored-media"

    run("backup.sh", backup, database_url=database_url_of_the_tests(), media_root=settings.MEDIA_ROOT)
    run("restore.sh", backup, database_url=fresh_database, media_root=restored_media)

    restored = fingerprint(fresh_database)
    # The data is what the week made (so the comparison below is not between two empty databases) ...
    assert sorted(state for _, _, _, state in original["returns"]) == sorted(
        ["refunded", "refunded", "refunded", "closed", "cancelled", "inspected"]
    )
    assert [balance for _, _, balance in original["store credit balances"]] == [Decimal("110.00")]
    assert [balance for _, balance in original["gift card balances"]] == [Decimal("70.00")]
    assert len(original["events"]) > 30 and len(original["photos"]) == 1
    # ... and the restored database holds all of it, to the last row and sequence value.
    for part, rows in original.items():
        assert restored[part] == rows, part
    for _, name in original["photos"]:
        assert (restored_media / name).read_bytes() == (Path(settings.MEDIA_ROOT) / name).read_bytes()
