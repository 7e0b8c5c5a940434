"""Fill a migrated, empty PostgreSQL database with realistic returns at a chosen scale, for benchmarks.

    .venv/bin/python bench/generate.py --database-url postgres://postgres@127.0.0.1:5432/bench --returns 100000

The CLI migrates the database first if it needs it, then runs `generate`, and prints the rows per table and
the seconds. From code (the database of Django's default connection, migrated and empty):

    from generate import generate          # with bench/ on sys.path
    counts = generate(returns=100_000, seed=1)

What it makes: 10 clients (one much busier than the last), 3 sites, two policy versions per client, the
facility's staff (`bench_manager` in the managers group, customer service, an inspector, finance, one dock
user per site) and each client's API account; then per return its customer, imported order (1-3 lines),
1-2 units with skewed SKUs and reasons, and everything its state implies: one event per transition with
its actor and time, the RAN from authorization on, carrier and tracking number from in transit, the dock
scan from receipt, a grade per unit from inspection, a decision per unit (restocks with their stock
movement) from disposition, the refund (its approval and ledger rows) from refund, and the side exits
(rejected, cancelled, expired, closed) with theirs. Requests are spread over the last 90 days and each
walks the lifecycle at a realistic pace, so older returns are further along.

The bulk rows go in with COPY: foreign keys and plain indexes of the loaded tables are dropped first and
put back (validated) at the end, all in one transaction, which ends with ANALYZE. Columns come from the
models' _meta: a field the generator does not set gets its default, or generation stops naming it.
Refund amounts come from refunds.calculation, the app's own arithmetic.
"""

import argparse
import datetime as dt
import functools
import hashlib
import json
import os
import random
import sys
import time
import uuid
from bisect import bisect
from decimal import Decimal
from enum import Enum
from itertools import accumulate
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "returns_site.settings")


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True, help="postgres://... of a new (empty) database")
    parser.add_argument("--returns", type=int, required=True)
    parser.add_argument("--seed", type=int, default=1)
    return parser.parse_args()


if __name__ == "__main__":
    ARGUMENTS = _arguments()
    os.environ["DATABASE_URL"] = ARGUMENTS.database_url  # read by the settings, so before django.setup()

import django  # noqa: E402
from django.apps import apps  # noqa: E402

if not apps.ready:
    django.setup()

from django.contrib.auth.models import Group, User  # noqa: E402
from django.db import connection, models, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402
from psycopg import sql  # noqa: E402

from disposition.models import Disposition, StockMovement  # noqa: E402
from inspection.models import Inspection  # noqa: E402
from refunds.calculation import PolicyTerms, UnitFacts, compute_refund  # noqa: E402
from refunds.models import GiftCard, GiftCardEntry, Refund, RefundApproval, StoreCreditEntry  # noqa: E402
from rma.models import (  # noqa: E402
    Client,
    ClientAccount,
    Customer,
    Order,
    OrderLine,
    ReceivingScan,
    ReturnEvent,
    ReturnItem,
    ReturnPolicy,
    ReturnRequest,
    Warehouse,
    WarehouseAssignment,
)
from rma.ran import ALPHABET, check_symbol, format_ran  # noqa: E402

DAY = 86_400.0
HOUR = 3_600.0
SPAN_DAYS = 90
BATCH = 20_000  # rows buffered per table before one COPY

MANAGER = "bench_manager"
WAREHOUSES = [("lej1", "Leipzig Returns Center", "DE"), ("ewr2", "Edison Returns Center", "US"),
              ("lhr3", "Heathrow Returns Center", "GB")]
# code, name, currency, time zone, site, reviews requests by hand, catalogue kind
CLIENTS = [
    ("hafenwerk", "Hafenwerk Apparel", "EUR", "Europe/Berlin", "lej1", False, "apparel"),
    ("kestrel", "Kestrel Electronics", "USD", "America/New_York", "ewr2", True, "electronics"),
    ("nordlys", "Nordlys Outdoor", "EUR", "Europe/Oslo", "lej1", False, "apparel"),
    ("brightwell", "Brightwell Home", "GBP", "Europe/London", "lhr3", False, "home"),
    ("voltaic", "Voltaic Audio", "USD", "America/Chicago", "ewr2", True, "electronics"),
    ("maison-clair", "Maison Clair", "EUR", "Europe/Paris", "lej1", False, "apparel"),
    ("tinker", "Tinker Toys", "GBP", "Europe/London", "lhr3", False, "home"),
    ("pixelpeak", "Pixel Peak", "USD", "America/Los_Angeles", "ewr2", True, "electronics"),
    ("fjord-kids", "Fjord Kids", "EUR", "Europe/Copenhagen", "lej1", False, "apparel"),
    ("oakhouse", "Oakhouse Living", "GBP", "Europe/London", "lhr3", False, "home"),
]
CATALOGUES = {  # kind: (category, low price, high price, serialized)
    "apparel": [("tops", 15, 60, False), ("bottoms", 40, 120, False), ("outerwear", 90, 300, False),
                ("shoes", 50, 180, False), ("accessories", 12, 70, False)],
    "electronics": [("headphones", 60, 400, True), ("laptops", 600, 2200, True), ("accessories", 10, 80, False),
                    ("monitors", 180, 900, True), ("peripherals", 30, 200, True)],
    "home": [("kitchen", 15, 150, False), ("textiles", 20, 120, False), ("lighting", 30, 250, False),
             ("toys", 10, 90, False), ("furniture", 120, 900, False)],
}
SKUS_PER_CLIENT = 400
REASONS = ["size_fit", "changed_mind", "defective", "not_as_described", "damaged_in_transit", "wrong_item",
           "arrived_late", "other"]  # most common first: drawn Zipf-like
CHANNELS = [("portal", 45), ("api", 20), ("phone", 14), ("email", 13), ("chat", 8)]
PAYMENTS = [("card", 60), ("paypal", 25), ("gift_card", 5), ("bank_transfer", 7), ("other", 3)]
REFUND_METHODS = [("original_payment", 70), ("store_credit", 20), ("gift_card", 10)]
CARRIERS = [("DHL", "00340434{:012d}"), ("UPS", "1Z999AA1{:010d}"), ("USPS", "9400111899{:012d}"),
            ("Hermes", "H10062{:014d}"), ("Royal Mail", "RM{:09d}GB")]
# finding: weight, inspection (grade, accessories complete, original packaging, matches, missing, defect, notes)
FINDINGS = [
    (44, ("A", True, True, True, False, "", "Like new, tags and seals intact.")),
    (25, ("B", True, False, True, False, "", "Opened and tried; light handling marks, no original packaging.")),
    (14, ("C", True, False, True, False, "cosmetic", "Visible wear: marks and scuffs.")),
    (9, ("D", False, False, True, False, "functional", "Confirmed fault; not sellable as is.")),
    (4, ("F", False, False, True, False, "water_damage", "Water damage; beyond repair.")),
    (2, ("C", True, False, False, False, "other", "Not the unit sold: the serial number is not on the order.")),
    (2, ("", False, False, False, True, "", "Not in the parcel.")),
]
# grade: (action, share of the unit price recovered)
ACTIONS = {"A": [("restock", 1.0)], "B": [("restock", 0.9), ("refurbish", 0.7)],
           "C": [("refurbish", 0.5), ("liquidate", 0.2)], "D": [("repair", 0.4), ("return_to_vendor", 0.3)],
           "F": [("recycle", 0.02), ("discard", 0.0)]}
DESTINATIONS = {"restock": "Sellable stock", "repair": "Repair bench", "refurbish": "Refurbishment line",
                "return_to_vendor": "RTV cage", "liquidate": "Liquidation pallet", "recycle": "Recycling bin",
                "discard": "Disposal", "return_to_customer": "Outbound to customer"}
MISMATCH_ACTION = ("return_to_customer", "Not the unit we sold; it goes back to the customer.")
REJECTIONS = ["Outside the return window.", "Final-sale item: not returnable.", "Order bought for resale."]
CANCELLATIONS = ["The customer decided to keep it.", "Ordered the right size instead.", "Duplicate request."]
DENIALS = ["Worn and washed: not a return the client accepts.", "Already refunded by the client's support team."]
FIRST_NAMES = ["Lena", "Jonas", "Mia", "Felix", "Sophie", "Maya", "Daniel", "Olivia", "Marcus", "Emily", "Lukas",
               "Amara", "Noah", "Chloe", "Mateo", "Ingrid", "Omar", "Yuki", "Priya", "Sam"]
LAST_NAMES = ["Fischer", "Becker", "Hoffmann", "Wagner", "Schulz", "Patel", "Kim", "Brooks", "Johnson", "Nguyen",
              "Meyer", "Okafor", "Larsen", "Dubois", "Rossi", "Haddad", "Tanaka", "Silva", "Novak", "Moreau"]
CITIES = {"EUR": [("Berlin", "10435", "DE"), ("München", "80331", "DE"), ("Wien", "1070", "AT"),
                  ("Paris", "75011", "FR"), ("Oslo", "0182", "NO")],
          "USD": [("New York", "10025", "US"), ("Chicago", "60657", "US"), ("Austin", "78701", "US"),
                  ("Boston", "02135", "US")],
          "GBP": [("London", "E1 6AN", "GB"), ("Leeds", "LS1 4AP", "GB"), ("Bristol", "BS1 5TR", "GB")]}


class GeneratorError(Exception):
    """The database or the models are not what the generator can fill."""


# -- tables filled with COPY ----------------------------------------------------------------------------


def _db_value(field: models.Field, value):
    if isinstance(value, Enum):  # psycopg would write an enum's name
        value = value.value
    if isinstance(field, models.JSONField):
        return json.dumps(value)
    return value


def _filler(model: type[models.Model], field: models.Field, now: dt.datetime):
    """What an unset field gets: its default (a callable one per row), or refuse naming the field."""
    if field.has_default():
        if callable(field.default):
            return lambda: _db_value(field, field.default())
        return _db_value(field, field.default)
    if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
        return now
    if field.null:
        return None
    if field.blank and field.empty_strings_allowed:
        return ""
    raise GeneratorError(
        f"{model._meta.label}.{field.name} is NOT NULL and has no default: bench/generate.py must set it."
    )


class Table:
    """Rows of one model, COPYed in batches: the given columns (by attname) in order, then every other
    concrete field filled as `_filler` says."""

    def __init__(self, model: type[models.Model], columns: str, *, cursor, now: dt.datetime):
        self.model = model
        self.cursor = cursor
        given = columns.split()
        fields = {field.attname: field for field in model._meta.concrete_fields}
        unknown = [name for name in given if name not in fields]
        if unknown:
            raise GeneratorError(f"{model._meta.label} has no field {', '.join(unknown)}.")
        # An id not given is the database's to number.
        rest = [field for name, field in fields.items()
                if name not in given and not isinstance(field, models.AutoField | models.BigAutoField)]
        self.fillers = [_filler(model, field, now) for field in rest]
        self.constant = None if any(callable(filler) for filler in self.fillers) else tuple(self.fillers)
        names = [fields[name].column for name in given] + [field.column for field in rest]
        self.copy_sql = sql.SQL("COPY {} ({}) FROM STDIN").format(
            sql.Identifier(model._meta.db_table), sql.SQL(", ").join(map(sql.Identifier, names)),
        )
        self.rows: list[tuple] = []
        self.count = 0
        self.next_id = self._first_free_id()

    def _first_free_id(self) -> int:
        self.cursor.execute(
            sql.SQL("SELECT COALESCE(MAX(id), 0) + 1 FROM {}").format(sql.Identifier(self.model._meta.db_table))
        )
        return self.cursor.fetchone()[0]

    def new_id(self) -> int:
        self.next_id += 1
        return self.next_id - 1

    def add(self, *values) -> None:
        if self.constant is not None:
            self.rows.append(values + self.constant)
        else:
            self.rows.append(values + tuple(f() if callable(f) else f for f in self.fillers))
        if len(self.rows) >= BATCH:
            self.flush()

    def flush(self) -> None:
        if not self.rows:
            return
        with self.cursor.copy(self.copy_sql) as copy:
            for row in self.rows:
                copy.write_row(row)
        self.count += len(self.rows)
        self.rows = []


LOADED = [Customer, Order, OrderLine, ReturnRequest, ReturnItem, ReturnEvent, ReceivingScan, Inspection,
          Disposition, StockMovement, Refund, RefundApproval, StoreCreditEntry, GiftCard, GiftCardEntry]


def _drop_checks_for_bulk_load(cursor) -> list[sql.Composable]:
    """Drop the loaded tables' foreign keys and plain indexes (primary keys, unique indexes and checks stay);
    returns the statements that put them back. A row-by-row foreign-key check would cost more than the load."""
    tables = [model._meta.db_table for model in LOADED]
    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # a table with deferred checks pending cannot be altered
    cursor.execute(
        "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE contype = 'f' AND conrelid::regclass::text = ANY(%s)", [tables],
    )
    foreign_keys = cursor.fetchall()
    cursor.execute(
        "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i "
        "WHERE i.indrelid::regclass::text = ANY(%s) AND NOT i.indisunique AND NOT i.indisprimary "
        "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)", [tables],
    )
    indexes = cursor.fetchall()
    for table, name, _ in foreign_keys:
        cursor.execute(sql.SQL("ALTER TABLE {} DROP CONSTRAINT {}").format(sql.Identifier(table), sql.Identifier(name)))
    for name, _ in indexes:
        cursor.execute(sql.SQL("DROP INDEX {}").format(sql.Identifier(name)))
    # The definitions are the server's own text of what it had (pg_get_indexdef, pg_get_constraintdef).
    return [sql.SQL(definition) for _, definition in indexes] + [
        sql.SQL("ALTER TABLE {} ADD CONSTRAINT {} ").format(sql.Identifier(table), sql.Identifier(name))
        + sql.SQL(definition) for table, name, definition in foreign_keys
    ] + [sql.SQL("SET CONSTRAINTS ALL DEFERRED")]  # Django's foreign keys are initially deferred


def _restart_identities(cursor) -> None:
    for model in LOADED:
        table = model._meta.db_table
        cursor.execute(
            sql.SQL("SELECT setval(pg_get_serial_sequence({}, 'id'), COALESCE(MAX(id), 1), MAX(id) IS NOT NULL) "
                    "FROM {}").format(sql.Literal(table), sql.Identifier(table))
        )


# -- the fixed part: sites, clients, policies, people -----------------------------------------------------


def _zipf(count: int, exponent: float) -> list[float]:
    return list(accumulate(1 / (rank ** exponent) for rank in range(1, count + 1)))


def _weights(pairs) -> tuple[list, list[float]]:
    values, weights = zip(*pairs, strict=True)
    return list(values), list(accumulate(weights))


class Pick:
    """Draws from a fixed distribution fast (bisect on cumulative weights)."""

    def __init__(self, rng: random.Random, values, cumulative: list[float]):
        self.rng, self.values, self.cumulative, self.total = rng, list(values), cumulative, cumulative[-1]

    def __call__(self):
        return self.values[bisect(self.cumulative, self.rng.random() * self.total)]


def _user(username: str, group: str | None, *, is_staff: bool = True) -> User:
    user = User(username=username, is_staff=is_staff, email=f"{username}@bench.example")
    user.set_unusable_password()
    user.save()
    if group:
        user.groups.add(Group.objects.get(name=group))
    return user


def _people(warehouses: dict[str, Warehouse]) -> dict[str, User]:
    people = {role: _user(f"bench_{role}", role) for role in ("customer_service", "inspector", "finance")}
    people["manager"] = _user(MANAGER, "manager")
    for code, warehouse in warehouses.items():
        dock = _user(f"bench_dock_{code}", "dock")
        WarehouseAssignment.objects.create(user=dock, warehouse=warehouse)
        people[f"dock_{code}"] = dock
    return people


def _policy(client: Client, version: int, manual_review: bool, created_at: dt.datetime, manager: User):
    policy = ReturnPolicy.objects.create(
        client=client, version=version, created_by=manager, window_days=30 if version == 1 else 45,
        accepted_reasons=REASONS, restocking_fee_percent=Decimal("10") if not manual_review else Decimal("0"),
        restocking_fee_reasons=["changed_mind", "size_fit"], return_shipping_fee=Decimal("4.95"),
        customer_pays_shipping_reasons=["changed_mind", "size_fit"], auto_authorize=not manual_review,
        ran_validity_days=21 if version == 1 else 28, refund_methods=[m for m, _ in REFUND_METHODS],
        store_credit_bonus_percent=Decimal("10"),
    )
    ReturnPolicy.objects.filter(pk=policy.pk).update(created_at=created_at)
    policy.created_at = created_at
    return policy


class Merchant:
    """One client as the generator draws from it: its policies, catalogue, customers and API account."""

    def __init__(self, rng, row, *, warehouse, manager, now, api_user, policies_from):
        code, name, currency, zone, _, manual_review, kind = row
        self.client = Client.objects.create(
            code=code, name=name, time_zone=zone, default_warehouse=warehouse,
            contact_email=f"returns@{code}.example",
        )
        self.currency, self.manual_review, self.warehouse, self.api_user = currency, manual_review, warehouse, api_user
        ClientAccount.objects.create(user=api_user, client=self.client)
        self.policies = [
            _policy(self.client, 1, manual_review, now - dt.timedelta(days=SPAN_DAYS + 60), manager),
            _policy(self.client, 2, manual_review, policies_from, manager),
        ]
        self.terms = {policy.pk: PolicyTerms(
            restocking_fee_percent=policy.restocking_fee_percent,
            restocking_fee_reasons=frozenset(policy.restocking_fee_reasons),
            return_shipping_fee=policy.return_shipping_fee,
            customer_pays_shipping_reasons=frozenset(policy.customer_pays_shipping_reasons),
            store_credit_bonus_percent=policy.store_credit_bonus_percent,
        ) for policy in self.policies}
        self.catalogue = []
        for number in range(SKUS_PER_CLIENT):
            category, low, high, serialized = rng.choice(CATALOGUES[kind])
            price = Decimal(round(low + (high - low) * rng.random() ** 2)) - Decimal("0.01")
            self.catalogue.append((f"{code[:3].upper()}-{number:05d}", f"{category.title()} item {number}",
                                   category, max(price, Decimal("9.99")), serialized))
        self.skus = Pick(rng, range(SKUS_PER_CLIENT), _zipf(SKUS_PER_CLIENT, 1.07))
        self.customers: list[tuple] = []  # (id, email)
        self.orders = 0


# -- the returns ---------------------------------------------------------------------------------------


class Generator:
    def __init__(self, *, returns: int, seed: int):
        self.rng = random.Random(seed)
        self.returns = returns
        self.now = timezone.now().replace(microsecond=0)
        self.now_ts = self.now.timestamp()
        self.rans: set[str] = set()
        self.tracking = 0
        rng = self.rng
        self.reason = Pick(rng, REASONS, _zipf(len(REASONS), 1.2))
        self.channel = Pick(rng, *_weights(CHANNELS))
        self.payment = Pick(rng, *_weights(PAYMENTS))
        self.refund_method = Pick(rng, *_weights(REFUND_METHODS))
        self.finding = Pick(rng, [finding for _, finding in FINDINGS], list(accumulate(w for w, _ in FINDINGS)))
        self.carrier = Pick(rng, CARRIERS, list(accumulate([1] * len(CARRIERS))))
        # times are POSIX seconds while drawing, datetimes when written
        self.at = functools.partial(dt.datetime.fromtimestamp, tz=dt.UTC)


    def new_ran(self) -> str:
        while True:
            payload = "".join(self.rng.choices(ALPHABET, k=8))
            ran = format_ran(payload + check_symbol(payload))
            if ran not in self.rans:
                self.rans.add(ran)
                return ran

    def setup(self) -> None:
        warehouses = {}
        for code, name, country in WAREHOUSES:
            warehouses[code] = Warehouse.objects.create(code=code, name=name, country=country,
                                                        address_line1=f"{name} dock 1")
        self.warehouses = warehouses
        self.people = _people(warehouses)
        policies_from = self.now - dt.timedelta(days=45)
        self.policies_from_ts = policies_from.timestamp()
        self.merchants = [
            Merchant(self.rng, row, warehouse=warehouses[row[4]], manager=self.people["manager"], now=self.now,
                     api_user=_user(f"bench_api_{row[0]}", "client_api", is_staff=False),
                     policies_from=policies_from)
            for row in CLIENTS
        ]
        self.merchant = Pick(self.rng, self.merchants, _zipf(len(self.merchants), 0.8))

    def open_tables(self, cursor) -> None:
        now = self.now
        t = lambda model, columns: Table(model, columns, cursor=cursor, now=now)  # noqa: E731
        self.customers = t(Customer, "id client_id email name address_line1 postal_code city country phone "
                                     "created_at updated_at")
        self.orders = t(Order, "id client_id number customer_id ordered_at delivered_at payment_method "
                               "payment_reference currency address_line1 postal_code city country "
                               "outbound_shipping_paid created_at updated_at")
        self.lines = t(OrderLine, "id order_id line_number sku description category quantity unit_price "
                                  "serial_numbers")
        self.return_rows = t(ReturnRequest, "id client_id order_id customer_id policy_id channel state ran "
                                            "warehouse_id refund_method carrier tracking_number decision_reason "
                                            "created_by_id state_entered_at requested_at authorized_at "
                                            "authorization_expires_at in_transit_at received_at inspected_at "
                                            "dispositioned_at refunded_at rejected_at cancelled_at expired_at "
                                            "closed_at created_at updated_at")
        self.items = t(ReturnItem, "id return_request_id order_line_id unit_number reason comment serial_number")
        self.events = t(ReturnEvent, "return_request_id action from_state to_state actor_id customer_id "
                                     "system_job channel at note details")
        self.scans = t(ReceivingScan, "code normalized_code result return_request_id actor_id warehouse_id "
                                      "wrong_site scanned_at")
        self.inspections = t(Inspection, "item_id grade accessories_complete original_packaging matches_request "
                                         "missing serial_number_found defect_category notes inspector_id "
                                         "inspected_at seconds_taken")
        self.dispositions = t(Disposition, "id item_id recommended_action action rule_id expected_recovery_value "
                                           "destination decided_by_id decided_at override_reason")
        self.stock = t(StockMovement, "client_id warehouse_id sku quantity disposition_id at actor_id")
        self.refunds = t(Refund, "id return_request_id amount bonus_amount currency method status breakdown "
                                 "idempotency_key external_reference proposed_by_id proposed_at approved_at "
                                 "issued_by_id issued_at denied_by_id denied_at denial_reason")
        self.approvals = t(RefundApproval, "refund_id approver_id at")
        self.credit = t(StoreCreditEntry, "customer_id currency amount kind refund_id at note created_by_id")
        self.cards = t(GiftCard, "id client_id customer_id currency code_hash last_four refund_id created_at")
        self.card_entries = t(GiftCardEntry, "card_id amount kind reference at actor created_by_id note")
        self.tables = [self.customers, self.orders, self.lines, self.return_rows, self.items, self.events,
                       self.scans, self.inspections, self.dispositions, self.stock, self.refunds, self.approvals,
                       self.credit, self.cards, self.card_entries]

    def customer_for(self, merchant: Merchant, requested: float) -> tuple:
        """A new customer about 70 % of the time, else one who returned before (repeat returners)."""
        if merchant.customers and self.rng.random() < 0.3:
            return merchant.customers[int(len(merchant.customers) * self.rng.random() ** 2)]
        rng = self.rng
        customer_id = self.customers.new_id()
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        email = f"{first}.{last}.{customer_id}@{merchant.client.code}.example".lower()
        city, postal_code, country = rng.choice(CITIES[merchant.currency])
        since = self.at(self.now_ts - (SPAN_DAYS + 30) * DAY)
        self.customers.add(customer_id, merchant.client.id, email, f"{first} {last}",
                           f"{rng.randint(1, 200)} Main Street", postal_code, city, country,
                           f"+00 555 {customer_id:07d}", since, since)
        customer = (customer_id, email, city, postal_code, country)
        merchant.customers.append(customer)
        return customer

    def order_for(self, merchant: Merchant, customer: tuple, requested: float) -> list[tuple]:
        """The imported order a return comes from: its lines as (id, SKU row, quantity, serials)."""
        rng = self.rng
        delivered = requested - rng.uniform(0.5, 25) * DAY
        ordered = delivered - rng.uniform(1, 5) * DAY
        order_id = self.orders.new_id()
        merchant.orders += 1
        number = f"{merchant.client.code[:3].upper()}-{merchant.orders:08d}"
        payment = self.payment()
        customer_id, _, city, postal_code, country = customer
        self.orders.add(order_id, merchant.client.id, number, customer_id, self.at(ordered), self.at(delivered),
                        payment, f"{payment.upper()}-{number}", merchant.currency, "1 Main Street", postal_code,
                        city, country, Decimal("4.95"), self.at(ordered), self.at(ordered))
        lines, chosen = [], set()
        for line_number in range(1, rng.choice((1, 1, 2, 2, 3)) + 1):
            sku = merchant.skus()
            if sku in chosen:
                continue
            chosen.add(sku)
            row = merchant.catalogue[sku]
            quantity = rng.choice((1, 1, 1, 2, 3))
            serials = [f"SN{order_id:08d}{line_number}{unit:02d}" for unit in range(quantity)] if row[4] else []
            line_id = self.lines.new_id()
            self.lines.add(line_id, order_id, line_number, row[0], row[1], row[2], quantity, row[3],
                           json.dumps(serials))
            lines.append((line_id, row, quantity, serials))
        return order_id, lines

    def one_return(self) -> None:
        rng = self.rng
        merchant = self.merchant()
        requested = self.now_ts - rng.random() ** 1.15 * SPAN_DAYS * DAY  # a little busier lately
        customer = self.customer_for(merchant, requested)
        order_id, lines = self.order_for(merchant, customer, requested)
        policy = merchant.policies[1 if requested >= self.policies_from_ts else 0]
        rid = self.return_rows.new_id()
        units = []  # (item id, unit number, line, reason, serial)
        for line_id, row, quantity, serials in lines:
            for unit in range(quantity):
                if len(units) == 2 or (units and rng.random() < 0.55):
                    break
                reason = self.reason()
                item_id = self.items.new_id()
                serial = serials[unit] if serials else ""
                units.append((item_id, len(units) + 1, line_id, row, reason, serial))
                self.items.add(item_id, rid, line_id, len(units), reason, "", serial)
        Walk(self, merchant, policy, customer, order_id, rid, units, requested).run()

    def run(self) -> dict[str, int]:
        if connection.vendor != "postgresql":
            raise GeneratorError("The generator needs PostgreSQL (COPY).")
        if ReturnRequest.objects.exists():
            raise GeneratorError("The database already has returns: generate into an empty one.")
        with transaction.atomic():
            self.setup()
            with connection.cursor() as wrapper:
                cursor = wrapper.cursor  # psycopg's own, for COPY
                restore = _drop_checks_for_bulk_load(cursor)
                self.open_tables(cursor)
                for _ in range(self.returns):
                    self.one_return()
                for table in self.tables:
                    table.flush()
                for statement in restore:
                    cursor.execute(statement)
                _restart_identities(cursor)
                cursor.execute("ANALYZE")
        counts = {table.model._meta.db_table: table.count for table in self.tables}
        for model in (Warehouse, Client, ReturnPolicy, ClientAccount, WarehouseAssignment):
            counts[model._meta.db_table] = model.objects.count()
        counts["auth_user"] = User.objects.filter(username__startswith="bench_").count()
        return counts


class Walk:
    """One return walked through the lifecycle from its request, each step at a realistic delay, until the
    next step would lie in the future or the return ends; writes the rows each step implies."""

    def __init__(self, gen: Generator, merchant, policy, customer, order_id, rid, units, requested):
        self.gen, self.rng, self.merchant, self.policy = gen, gen.rng, merchant, policy
        self.customer_id = customer[0]
        self.order_id, self.rid, self.units = order_id, rid, units
        self.t = requested
        self.reached = "requested"  # the state the walk has brought the return to
        self.stamps = {"requested_at": requested}
        self.ran = self.warehouse = None
        self.carrier = self.tracking = self.decision = ""
        self.channel = gen.channel()
        self.refund_method = gen.refund_method()
        people = gen.people
        self.cs, self.inspector, self.finance = people["customer_service"], people["inspector"], people["finance"]
        self.dock = people[f"dock_{merchant.warehouse.code}"]

    # who acts: (actor id, customer id, system job, event channel)
    def requester(self) -> tuple:
        if self.channel == "portal":
            return None, self.customer_id, "", "portal"
        if self.channel == "api":
            return self.merchant.api_user.id, None, "", "api"
        return self.cs.id, None, "", "admin"

    def staff(self, user: User) -> tuple:
        return user.id, None, "", "admin"

    @staticmethod
    def system(job: str) -> tuple:
        return None, None, job, "system"

    def event(self, action: str, to_state: str, who: tuple, at: float, note: str = "", details: str = "{}"):
        self.gen.events.add(self.rid, action, self.reached if action != "request" else "", to_state, *who,
                            self.gen.at(at), note, details)
        self.reached = to_state

    def later(self, low_hours: float, high_hours: float) -> bool:
        """Move the clock on; False when that moment has not come yet (the return waits where it is)."""
        t = self.t + self.rng.uniform(low_hours, high_hours) * HOUR
        if t > self.gen.now_ts:
            return False
        self.t = t
        return True

    def enter(self, state: str, stamp: str) -> None:
        self.stamps[stamp] = self.t

    def run(self) -> None:
        self.event("request", "requested", self.requester(), self.t,
                   details=f'{{"units": {len(self.units)}, "channel": "{self.channel}"}}')
        self.requested()
        self.write()

    def requested(self) -> None:
        draw = self.rng.random()
        if draw < 0.03:
            if not self.merchant.manual_review:
                self.event("authorization_refused", "requested", self.system("auto_authorization"), self.t,
                           "Held for customer service: the return window ended.",
                           '{"failed_rules": [{"rule": "return_window", "message": "The return window ended."}]}')
            if self.later(2, 48):
                self.decision = self.rng.choice(REJECTIONS)
                self.event("reject", "rejected", self.staff(self.cs), self.t, self.decision)
                self.enter("rejected", "rejected_at")
            return
        if draw < 0.05:
            if self.later(0.5, 30):
                self.decision = self.rng.choice(CANCELLATIONS)
                self.event("cancel", "cancelled", self.requester(), self.t, self.decision)
                self.enter("cancelled", "cancelled_at")
            return
        if self.merchant.manual_review:
            if not self.later(2, 60):
                return
            who = self.staff(self.cs)
        else:
            who = self.system("auto_authorization")
        self.ran, self.warehouse = self.gen.new_ran(), self.merchant.warehouse
        self.stamps["authorization_expires_at"] = self.t + self.policy.ran_validity_days * DAY
        self.event("authorize", "authorized", who, self.t, details=(
            f'{{"routed_by": "client_default", "warehouse": {self.warehouse.id}, '
            f'"warehouse_code": "{self.warehouse.code}"}}'))
        self.enter("authorized", "authorized_at")
        self.authorized()

    def authorized(self) -> None:
        draw = self.rng.random()
        if draw < 0.04:
            if self.later(2, 96):
                self.decision = self.rng.choice(CANCELLATIONS)
                self.event("cancel", "cancelled", self.requester(), self.t, self.decision)
                self.enter("cancelled", "cancelled_at")
            return
        if draw < 0.10:
            expires = self.stamps["authorization_expires_at"]
            if expires <= self.gen.now_ts:
                self.t = expires
                self.event("expire", "expired", self.system("expire_authorizations"), self.t, "RAN validity ended.")
                self.enter("expired", "expired_at")
            return
        if draw < 0.80:
            if not self.later(6, 96):
                return
            (carrier, pattern), self.gen.tracking = self.gen.carrier(), self.gen.tracking + 1
            self.carrier, self.tracking = carrier, pattern.format(self.gen.tracking)
            who = self.requester() if self.channel == "api" else self.staff(self.cs)
            self.event("ship", "in_transit", who, self.t,
                       details=f'{{"carrier": "{self.carrier}", "tracking_number": "{self.tracking}"}}')
            self.enter("in_transit", "in_transit_at")
            if not self.later(24, 144):
                return
        elif not self.later(48, 192):
            return
        self.receive()

    def receive(self) -> None:
        gen, at = self.gen, self.gen.at(self.t)
        self.event("receive", "received", self.staff(self.dock), self.t, details=(
            f'{{"code": "{self.ran}", "warehouse": {self.warehouse.id}, "wrong_site": false, '
            f'"warehouse_code": "{self.warehouse.code}"}}'))
        self.enter("received", "received_at")
        gen.scans.add(self.ran, self.ran, "received", self.rid, self.dock.id, self.warehouse.id, False, at)
        if self.later(6, 72):
            self.inspect()

    def inspect(self) -> None:
        gen, inspector = self.gen, self.staff(self.inspector)
        self.findings = []
        for item_id, unit_number, _, _, _, serial in self.units:
            grade, accessories, packaging, matches, missing, defect, notes = gen.finding()
            seconds = self.rng.randint(90, 600)
            self.t = min(self.t + seconds, gen.now_ts)  # a unit inspected just now is not in the future
            gen.inspections.add(item_id, grade, accessories, packaging, matches, missing,
                                serial if matches and not missing else "", defect, notes, self.inspector.id,
                                gen.at(self.t), seconds)
            self.event("inspect_unit", "received", inspector, self.t, notes, (
                f'{{"unit": {unit_number}, "grade": "{grade}", "photos": 0, "missing": {str(missing).lower()}, '
                f'"matches_request": {str(matches).lower()}}}'))
            self.findings.append((grade, matches, missing))
        self.event("inspect", "inspected", inspector, self.t)
        self.enter("inspected", "inspected_at")
        if all(missing for _, _, missing in self.findings):
            # An empty parcel: nothing to disposition, nothing owed; the chain closes it at once.
            self.event("disposition", "dispositioned", self.system("nothing_to_disposition"), self.t)
            self.enter("dispositioned", "dispositioned_at")
            self.propose()
        elif self.later(4, 48):
            self.disposition()

    def disposition(self) -> None:
        gen, decider = self.gen, self.staff(self.inspector)
        for (item_id, unit_number, _, row, _, _), (grade, matches, missing) in zip(
            self.units, self.findings, strict=True
        ):
            if missing:
                continue
            recommended, share = self.rng.choice(ACTIONS[grade])
            action, override = (MISMATCH_ACTION if not matches else (recommended, ""))
            value = (row[3] * Decimal(str(share if matches else 0))).quantize(Decimal("0.01"))
            self.t = min(self.t + self.rng.randint(30, 300), gen.now_ts)
            disposition_id = gen.dispositions.new_id()
            gen.dispositions.add(disposition_id, item_id, recommended, action, None, value, DESTINATIONS[action],
                                 self.inspector.id, gen.at(self.t), override)
            if action == "restock":
                gen.stock.add(self.merchant.client.id, self.warehouse.id, row[0], 1, disposition_id,
                              gen.at(self.t), self.inspector.id)
            self.event("disposition_unit", "inspected", decider, self.t, details=(
                f'{{"unit": {unit_number}, "action": "{action}", "recommended": "{recommended}", '
                f'"expected_recovery_value": "{value}"}}'))
        self.event("disposition", "dispositioned", decider, self.t)
        self.enter("dispositioned", "dispositioned_at")
        self.propose()

    def propose(self) -> None:
        """The chain after the last disposition: propose the refund, or close when nothing is owed."""
        gen = self.gen
        facts = [
            UnitFacts(item_id=item_id, unit_number=unit_number, order_line_id=line_id, sku=row[0],
                      unit_price=row[3], reason=reason,
                      not_owed_because=("missing from the parcel" if missing else
                                        None if matches else "does not match the request"))
            for (item_id, unit_number, line_id, row, reason, _), (_, matches, missing) in zip(
                self.units, self.findings, strict=True
            )
        ]
        paid = sum(unit.unit_price for unit in facts)
        computation = compute_refund(
            units=facts, terms=self.merchant.terms[self.policy.id], currency=self.merchant.currency,
            order_items_paid=paid, earlier_refunds=Decimal("0"), store_credit=self.refund_method == "store_credit",
        )
        if computation.nothing_owed:
            not_owed = computation.breakdown["not_owed"]
            self.decision = "Nothing owed after fees and earlier refunds."
            if not_owed and not computation.breakdown["units"]:
                units = ", ".join(f"unit {row['unit']} {row['why']}" for row in not_owed)
                self.decision = f"Nothing owed: {units}."  # as refunds.services words it
            self.event("close_without_refund", "closed", self.system("refund_after_disposition"), self.t,
                       self.decision)
            self.enter("closed", "closed_at")
            return
        self.refund = {
            "id": gen.refunds.new_id(), "amount": computation.amount, "bonus": computation.bonus_amount,
            "breakdown": json.dumps(computation.breakdown), "proposed_at": self.t,
            "key": uuid.UUID(int=self.rng.getrandbits(128), version=4),
            "status": "pending_approval", "approved_at": None, "issued_at": None, "denied_at": None,
            "reference": "", "denial": "",
        }
        self.event("refund_proposed", "dispositioned", self.system("refund_after_disposition"), self.t, details=(
            f'{{"amount": "{computation.amount}", "method": "{self.refund_method}", "refund": {self.refund["id"]}, '
            f'"currency": "{self.merchant.currency}"}}'))
        if self.later(4, 72):
            self.decide_refund()

    def decide_refund(self) -> None:
        refund, finance = self.refund, self.staff(self.finance)
        if self.rng.random() < 0.05:
            refund.update(status="denied", denied_at=self.t, denial=self.rng.choice(DENIALS))
            self.decision = f"Refund denied: {refund['denial']}"
            self.event("close_without_refund", "closed", finance, self.t, self.decision)
            self.enter("closed", "closed_at")
            return
        refund.update(status="approved", approved_at=self.t)
        self.gen.approvals.add(refund["id"], self.finance.id, self.gen.at(self.t))
        self.event("refund_approved", "dispositioned", finance, self.t, details=(
            f'{{"amount": "{refund["amount"]:.3f}", "refund": {refund["id"]}, "status": "approved"}}'))
        if self.refund_method in ("store_credit", "gift_card"):
            self.issue_to_ledger()  # paid in the same transaction as the approval
        elif self.later(2, 72):
            refund["reference"] = f"PSP-{self.merchant.client.code[:3].upper()}-{refund['id']:08d}"
            self.issued()

    def issue_to_ledger(self) -> None:
        gen, refund, at = self.gen, self.refund, self.gen.at(self.t)
        note = f"Refund for return {self.ran}"
        if self.refund_method == "store_credit":
            refund["reference"] = f"store-credit:{refund['key']}"
            gen.credit.add(self.customer_id, self.merchant.currency, refund["amount"], "refund", refund["id"], at,
                           note, self.finance.id)
            if refund["bonus"]:
                gen.credit.add(self.customer_id, self.merchant.currency, refund["bonus"], "bonus", refund["id"], at,
                               f"Store-credit bonus for return {self.ran}", self.finance.id)
        else:
            code = "".join(self.rng.choices(ALPHABET, k=16))
            card_id = gen.cards.new_id()
            gen.cards.add(card_id, self.merchant.client.id, self.customer_id, self.merchant.currency,
                          hashlib.sha256(code.encode()).hexdigest(), code[-4:], refund["id"], at)
            gen.card_entries.add(card_id, refund["amount"], "issue", f"refund:{refund['key']}", at,
                                 self.finance.username, self.finance.id, note)
            refund["reference"] = f"gift-card:{card_id}"
        self.issued()

    def issued(self) -> None:
        refund = self.refund
        refund.update(status="issued", issued_at=self.t)
        self.event("refund", "refunded", self.staff(self.finance), self.t, details=(
            f'{{"amount": "{refund["amount"]:.3f}", "method": "{self.refund_method}", "refund": {refund["id"]}, '
            f'"currency": "{self.merchant.currency}", "reference": "{refund["reference"]}"}}'))
        self.enter("refunded", "refunded_at")

    def write(self) -> None:
        gen, at, stamps = self.gen, self.gen.at, self.stamps
        times = [at(stamps[name]) if name in stamps else None for name in (
            "requested_at", "authorized_at", "authorization_expires_at", "in_transit_at", "received_at",
            "inspected_at", "dispositioned_at", "refunded_at", "rejected_at", "cancelled_at", "expired_at",
            "closed_at")]
        entered = at(max(value for key, value in stamps.items() if key != "authorization_expires_at"))
        requester = self.requester()[0] if self.channel != "portal" else None
        gen.return_rows.add(
            self.rid, self.merchant.client.id, self.order_id, self.customer_id, self.policy.id, self.channel,
            self.reached, self.ran, self.warehouse.id if self.warehouse else None, self.refund_method, self.carrier,
            self.tracking, self.decision, requester, entered, *times, times[0], at(self.t),
        )
        refund = getattr(self, "refund", None)
        if refund is None:
            return
        finance = self.finance.id
        gen.refunds.add(
            refund["id"], self.rid, refund["amount"], refund["bonus"], self.merchant.currency, self.refund_method,
            refund["status"], refund["breakdown"], refund["key"], refund["reference"], None, at(refund["proposed_at"]),
            refund["approved_at"] and at(refund["approved_at"]), finance if refund["issued_at"] else None,
            refund["issued_at"] and at(refund["issued_at"]), finance if refund["denied_at"] else None,
            refund["denied_at"] and at(refund["denied_at"]), refund["denial"],
        )


def generate(*, returns: int, seed: int = 1) -> dict:
    """Fill the default connection's migrated, empty database with `returns` returns; the rows per table."""
    return Generator(returns=returns, seed=seed).run()


def _migrate_if_needed() -> None:
    from django.core.management import call_command
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    if executor.migration_plan(executor.loader.graph.leaf_nodes()):
        call_command("migrate", verbosity=0)


def _server_cpu_seconds(pid: int) -> float | None:
    """CPU seconds of the database server's process for our connection, when it runs on this machine."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def main(arguments: argparse.Namespace) -> None:
    _migrate_if_needed()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        backend = cursor.fetchone()[0]
    server_before = _server_cpu_seconds(backend)
    started, cpu_started = time.perf_counter(), time.process_time()
    counts = generate(returns=arguments.returns, seed=arguments.seed)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    for name, number in counts.items():
        print(f"{name:32} {number:>12,}")
    for state, number in ReturnRequest.objects.values_list("state").annotate(n=models.Count("id")).order_by("state"):
        print(f"{'returns ' + state:32} {number:>12,}")
    # On a shared machine the wall clock says little: the CPU seconds say what the work itself costs.
    server = _server_cpu_seconds(backend)
    server_cpu = "" if server is None else f", the database server {server - server_before:.1f} s"
    print(f"{arguments.returns:,} returns in {seconds:.1f} s (CPU: this process {cpu:.1f} s{server_cpu}; "
          f"load average {os.getloadavg()[0]:.1f})")


if __name__ == "__main__":
    main(ARGUMENTS)
