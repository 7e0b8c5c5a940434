"""Demo data to try the back office with: two clients, two sites, their orders, and returns in every state.

Every return is walked to its state through the services, so its RAN, events, timestamps, scans,
carrier events, inspections, dispositions, stock movements and refunds are the real ones. Running
the command again creates nothing new: demo objects are found by their natural keys (warehouse and
client code, route's client and country, customer email, order number, username, rule name, parcel
code), a demo order gets its
return only if it has none, a received demo return its extra unit only if it has none, and the
carrier events are recorded again as the same events.

    python manage.py seed_demo          # password demo-pass-2026, or $DEMO_PASSWORD

It refuses to run under production settings (DJANGO_ENV=production).
"""

import contextlib
import dataclasses
import datetime as dt
import io
import os
import random
from dataclasses import dataclass
from decimal import Decimal

import time_machine
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from PIL import Image

from api.services import issue_api_key
from backoffice import services as backoffice_services
from console import services as console_services
from core import two_factor
from core.actors import Actor, CustomerActor
from core.words import counted
from disposition import services as disposition_services
from disposition.models import DispositionRule
from inspection import services as inspection_services
from refunds import services as refund_services
from reports import services as reports_services
from rma import selectors as rma_selectors
from rma import services as rma_services
from rma.models import (
    Client,
    ClientAccount,
    Customer,
    ExtraUnitStatus,
    Order,
    OrderLine,
    ParcelStatus,
    Reason,
    ReturnItem,
    ReturnPolicy,
    ReturnRequest,
    ReturnState,
    ScanResult,
    UnexpectedParcel,
    Warehouse,
    WarehouseAssignment,
    WarehouseRoute,
    WindowStart,
)

User = get_user_model()

DEFAULT_PASSWORD = "demo-pass-2026"

# -- the data ------------------------------------------------------------------------------------

# username (also the group name), first name, last name, what they do
STAFF = [
    ("customer_service", "Chris", "Avery", "enters requests from phone, email and chat; authorizes, rejects, cancels"),
    ("dock", "Dana", "Kowalski", "scans parcels in at the Leipzig dock"),
    ("inspector", "Ines", "Moreau", "grades each unit, confirms dispositions"),
    ("finance", "Farid", "Haddad", "approves, denies and issues refunds"),
    ("manager", "Morgan", "Lindqvist", "everything above, plus clients, policies, rules and overrides"),
]
API_ACCOUNT = ("hafenwerk-api", "hafenwerk")  # username, client code
CONSOLE_USER = ("hafenwerk-team", "hafenwerk")  # the client's own staff on /console/
# The second site's dock: username, first name, last name, what they do (group dock).
EDISON_DOCK = ("dock-edison", "Eli", "Navarro", "scans parcels in at the Edison dock")
# A dock operator who has left (deactivated): username, first name, last name.
FORMER_OPERATOR = ("dock-former", "Sam", "Okafor")
# Who works at which site (warehouse code); everyone else works for the whole facility.
SITES_OF_STAFF = {"dock": "lej1", "dock-edison": "ewr2"}

WAREHOUSES = [
    {"code": "lej1", "name": "Leipzig Returns Center", "address_line1": "Radefelder Allee 20",
     "postal_code": "04435", "city": "Schkeuditz", "region": "Saxony", "country": "DE", "phone": "+49 341 2240 100"},
    {"code": "ewr2", "name": "Edison Returns Center", "address_line1": "300 Raritan Center Pkwy",
     "address_line2": "Dock 14", "postal_code": "08837", "city": "Edison", "region": "NJ", "country": "US",
     "phone": "+1 732 555 0142"},
]

# Kestrel's customers in Germany send their parcels to Leipzig, not across the Atlantic.
ROUTES = [("kestrel", "DE", "lej1")]  # client code, country, warehouse code

CLIENTS = [
    {
        "code": "hafenwerk", "name": "Hafenwerk Apparel", "contact_name": "Jana Krüger",
        "contact_email": "returns@hafenwerk.example", "contact_phone": "+49 40 3070 5500",
        "time_zone": "Europe/Berlin", "warehouse": "lej1", "currency": "EUR",
        "dock_instructions": "Lane 2: apparel intake",
        "policy": {
            "window_days": 30, "window_starts_from": WindowStart.DELIVERY_DATE,
            "accepted_reasons": list(Reason.values),
            "restocking_fee_percent": Decimal("10"), "restocking_fee_reasons": ["changed_mind", "size_fit"],
            "return_shipping_fee": Decimal("4.95"), "customer_pays_shipping_reasons": ["changed_mind", "size_fit"],
            "auto_authorize": True, "ran_validity_days": 21,
            "refund_methods": ["original_payment", "store_credit", "gift_card"],
            "store_credit_bonus_percent": Decimal("10"),
            "max_returns_per_customer": 10,
            "packing_instructions": "Fold the items, keep the tags on, and reuse the original bag if you can.",
        },
    },
    {
        "code": "kestrel", "name": "Kestrel Electronics", "contact_name": "Ryan Castillo",
        "contact_email": "rma@kestrel.example", "contact_phone": "+1 646 555 0187",
        "time_zone": "America/New_York", "warehouse": "ewr2", "currency": "USD",
        "dock_instructions": "Cage E: electronics, serial check first",
        "policy": {
            "window_days": 14, "window_starts_from": WindowStart.ORDER_DATE,
            "accepted_reasons": [r for r in Reason.values if r != Reason.ARRIVED_LATE],
            "final_sale_categories": ["software"],
            "auto_authorize": False,
            # The shortest RAN validity of the demo: the expired demo return relies on it.
            "ran_validity_days": 10,
            "refund_methods": ["original_payment", "store_credit"],
            "receipt_required_above": Decimal("500.00"),
            "packing_instructions": "Pack the device with every accessory; wipe your data first.",
        },
    },
]

# Tried in order; the first rule that matches a unit decides.
DISPOSITION_RULES = {
    "hafenwerk": [
        {"name": "Defective shoes go back to the maker", "categories": ["shoes"], "reasons": ["defective"],
         "forced_action": "return_to_vendor"},
        {"name": "Unusable garments are recycled", "grades": ["F"], "forced_action": "recycle"},
        {"name": "Worn garments go to the outlet or a liquidator", "grades": ["C", "D"],
         "allowed_actions": ["refurbish", "liquidate"]},
    ],
    "kestrel": [
        {"name": "Defective devices go back to the vendor under warranty", "reasons": ["defective"],
         "grades": ["C", "D", "F"], "forced_action": "return_to_vendor"},
        {"name": "Cheap accessories are not refurbished", "categories": ["accessories"],
         "max_unit_value": Decimal("40.00"), "grades": ["C", "D", "F"], "allowed_actions": ["liquidate", "recycle"]},
        {"name": "Opened devices in good shape are sold refurbished", "grades": ["B"],
         "categories": ["laptops", "headphones"], "forced_action": "refurbish"},
    ],
}

# SKU: description, category, unit price paid
CATALOG = {
    "hafenwerk": {
        "HW-TEE-ORG-M": ("Organic cotton tee, navy, M", "tops", "24.95"),
        "HW-JKT-RAIN-L": ("Rain jacket Elbe, olive, L", "outerwear", "149.00"),
        "HW-JEANS-3232": ("Slim jeans, rinse wash, 32/32", "bottoms", "89.95"),
        "HW-KNIT-MER-S": ("Merino crew knit, oat, S", "knitwear", "79.00"),
        "HW-SNK-CNV-42": ("Canvas sneaker, white, EU 42", "shoes", "69.95"),
        "HW-SCARF-WOOL": ("Wool scarf, grey melange", "accessories", "34.50"),
    },
    "kestrel": {
        "KE-LAP-14-512": ("Aero 14 laptop, 16 GB / 512 GB", "laptops", "1299.00"),
        "KE-HP-ANC-BLK": ("Quiet One ANC headphones, black", "headphones", "249.99"),
        "KE-EB-PRO": ("Pulse Pro wireless earbuds", "headphones", "149.99"),
        "KE-CBL-USBC-2M": ("USB-C cable, 2 m", "accessories", "19.99"),
        "KE-CHG-65W": ("65 W GaN charger", "accessories", "49.99"),
        "KE-KB-MECH": ("Mechanical keyboard, tactile switches", "peripherals", "129.00"),
        "KE-SW-OFFICE": ("Office suite, 1-year licence key", "software", "99.99"),
        "KE-MON-27-4K": ("27-inch 4K monitor", "monitors", "429.00"),
    },
}
SERIALIZED_CATEGORIES = {"laptops", "headphones", "monitors", "peripherals"}

# client code: email, name, street, postal code, city, region, country, phone
CUSTOMERS = {
    "hafenwerk": [
        ("lena.fischer@example.com", "Lena Fischer", "Kastanienallee 12", "10435", "Berlin", "", "DE",
         "+49 30 5557 2231"),
        ("jonas.becker@example.com", "Jonas Becker", "Sendlinger Straße 41", "80331", "München", "Bavaria", "DE",
         "+49 89 5552 9140"),
        ("mia.hoffmann@example.com", "Mia Hoffmann", "Schanzenstraße 7", "20357", "Hamburg", "", "DE",
         "+49 40 5550 8812"),
        ("felix.wagner@example.com", "Felix Wagner", "Mariahilfer Straße 88", "1070", "Wien", "", "AT",
         "+43 1 5550 4471"),
        ("sophie.schulz@example.com", "Sophie Schulz", "Venloer Straße 150", "50823", "Köln", "", "DE",
         "+49 221 5553 0067"),
    ],
    "kestrel": [
        ("maya.patel@example.com", "Maya Patel", "245 W 107th St, Apt 4B", "10025", "New York", "NY", "US",
         "+1 212 555 0134"),
        ("daniel.kim@example.com", "Daniel Kim", "88 Park Ave", "07030", "Hoboken", "NJ", "US", "+1 201 555 0176"),
        ("olivia.brooks@example.com", "Olivia Brooks", "1420 Commonwealth Ave", "02135", "Boston", "MA", "US",
         "+1 617 555 0112"),
        ("marcus.johnson@example.com", "Marcus Johnson", "3100 N Lake Shore Dr", "60657", "Chicago", "IL", "US",
         "+1 312 555 0158"),
        ("emily.nguyen@example.com", "Emily Nguyen", "612 Congress Ave", "78701", "Austin", "TX", "US",
         "+1 512 555 0190"),
        ("lukas.meyer@example.com", "Lukas Meyer", "Bergmannstraße 5", "10961", "Berlin", "", "DE",
         "+49 30 5558 4410"),
    ],
}


@dataclass(frozen=True)
class DemoOrder:
    client: str
    number: str
    customer: str  # email
    ordered_days_ago: int
    delivered_days_ago: int | None  # None: not delivered yet
    payment_method: str
    lines: tuple[tuple[str, int], ...]  # (SKU, quantity)
    outbound_shipping: str = "4.95"


ORDERS = [
    DemoOrder("hafenwerk", "HW-10231", "lena.fischer@example.com", 9, 6, "card",
              (("HW-TEE-ORG-M", 2), ("HW-JEANS-3232", 1))),
    DemoOrder("hafenwerk", "HW-10244", "jonas.becker@example.com", 8, 5, "paypal", (("HW-JKT-RAIN-L", 1),)),
    DemoOrder("hafenwerk", "HW-10260", "felix.wagner@example.com", 14, 11, "card", (("HW-SNK-CNV-42", 1),)),
    DemoOrder("hafenwerk", "HW-10266", "sophie.schulz@example.com", 15, 12, "paypal", (("HW-JEANS-3232", 2),)),
    DemoOrder("hafenwerk", "HW-10271", "lena.fischer@example.com", 18, 15, "card",
              (("HW-KNIT-MER-S", 1), ("HW-TEE-ORG-M", 1))),
    DemoOrder("hafenwerk", "HW-10279", "jonas.becker@example.com", 20, 17, "card",
              (("HW-JKT-RAIN-L", 1), ("HW-SCARF-WOOL", 1))),
    DemoOrder("hafenwerk", "HW-10285", "mia.hoffmann@example.com", 22, 19, "card", (("HW-SNK-CNV-42", 1),)),
    DemoOrder("hafenwerk", "HW-10290", "felix.wagner@example.com", 24, 21, "paypal", (("HW-SNK-CNV-42", 1),)),
    DemoOrder("hafenwerk", "HW-10296", "sophie.schulz@example.com", 10, 7, "card", (("HW-TEE-ORG-M", 1),)),
    DemoOrder("hafenwerk", "HW-10301", "lena.fischer@example.com", 26, 23, "card",
              (("HW-JEANS-3232", 1), ("HW-TEE-ORG-M", 1))),
    DemoOrder("hafenwerk", "HW-10118", "jonas.becker@example.com", 44, 41, "card", (("HW-KNIT-MER-S", 1),)),
    DemoOrder("hafenwerk", "HW-10320", "mia.hoffmann@example.com", 3, 1, "gift_card",
              (("HW-TEE-ORG-M", 3), ("HW-SCARF-WOOL", 1))),
    DemoOrder("kestrel", "KE-58810", "maya.patel@example.com", 6, 3, "card", (("KE-HP-ANC-BLK", 1),), "0.00"),
    DemoOrder("kestrel", "KE-58817", "daniel.kim@example.com", 5, 2, "card",
              (("KE-LAP-14-512", 1), ("KE-CBL-USBC-2M", 1)), "0.00"),
    DemoOrder("kestrel", "KE-58821", "olivia.brooks@example.com", 7, 4, "paypal", (("KE-EB-PRO", 1),), "5.99"),
    DemoOrder("kestrel", "KE-58826", "marcus.johnson@example.com", 8, 5, "card", (("KE-LAP-14-512", 1),), "0.00"),
    DemoOrder("kestrel", "KE-58830", "emily.nguyen@example.com", 6, 3, "card",
              (("KE-SW-OFFICE", 1), ("KE-KB-MECH", 1)), "5.99"),
    DemoOrder("kestrel", "KE-58834", "maya.patel@example.com", 9, 6, "card", (("KE-MON-27-4K", 1),), "0.00"),
    DemoOrder("kestrel", "KE-58839", "daniel.kim@example.com", 10, 7, "gift_card", (("KE-CHG-65W", 1),), "5.99"),
    DemoOrder("kestrel", "KE-58842", "olivia.brooks@example.com", 11, 8, "card", (("KE-HP-ANC-BLK", 1),), "0.00"),
    DemoOrder("kestrel", "KE-58847", "marcus.johnson@example.com", 12, 9, "card",
              (("KE-KB-MECH", 1), ("KE-CBL-USBC-2M", 2)), "5.99"),
    DemoOrder("kestrel", "KE-58851", "emily.nguyen@example.com", 12, 10, "card", (("KE-EB-PRO", 2),), "0.00"),
    DemoOrder("kestrel", "KE-58856", "maya.patel@example.com", 13, 10, "card", (("KE-CHG-65W", 1),), "5.99"),
    DemoOrder("kestrel", "KE-58860", "daniel.kim@example.com", 2, None, "card",
              (("KE-LAP-14-512", 1), ("KE-CHG-65W", 1)), "0.00"),
    DemoOrder("kestrel", "KE-58870", "lukas.meyer@example.com", 6, 3, "card", (("KE-EB-PRO", 1),), "0.00"),
    DemoOrder("kestrel", "KE-58874", "lukas.meyer@example.com", 9, 6, "paypal", (("KE-HP-ANC-BLK", 1),), "0.00"),
]


@dataclass(frozen=True)
class DemoReturn:
    order: str  # order number
    state: str  # where the walk through the services ends
    channel: str
    units: tuple[tuple[str, int, str], ...]  # (SKU, quantity, reason)
    refund_method: str | None = None  # None: the policy's default
    tracking: tuple[str, str] | None = None  # (carrier, tracking number); None: no carrier update came
    carrier_scan: str = ""  # the carrier's scan that put it in transit; empty: marked in transit by hand
    findings: tuple[str, ...] = ()  # per unit: a grade, "missing" or "mismatch"; unlisted units are grade A
    decision: str = ""  # why it was rejected, cancelled, or its refund denied
    override: str = ""  # a manager authorizes it despite a failed policy rule, saying why
    reference: str = ""  # the payout reference; empty: paid through the refund method's own channel
    comment: str = ""
    arrives_at: str = ""  # the site (warehouse code) the parcel reaches; empty: the one it was routed to
    # When the request and each step happened ("request", "authorize", ...: a moment); none: now.
    schedule: tuple[tuple[str, dt.datetime], ...] = ()


RETURNS = [
    # First, with the demo's shortest RAN validity: expiring it must sweep no other return along.
    DemoReturn("KE-58810", "expired", "phone", (("KE-HP-ANC-BLK", 1, "changed_mind"),),
               comment="Bought a second pair by mistake."),
    DemoReturn("HW-10231", "authorized", "portal", (("HW-TEE-ORG-M", 1, "size_fit"),), comment="Runs small."),
    DemoReturn("HW-10244", "authorized", "api", (("HW-JKT-RAIN-L", 1, "changed_mind"),)),
    DemoReturn("KE-58821", "authorized", "chat", (("KE-EB-PRO", 1, "not_as_described"),),
               comment="Battery lasts four hours, not eight as advertised."),
    DemoReturn("KE-58826", "authorized", "phone", (("KE-LAP-14-512", 1, "defective"),),
               comment="Screen flickers on battery power.",
               override="Receipt checked against the order confirmation the customer forwarded by email."),
    DemoReturn("HW-10118", "requested", "portal", (("HW-KNIT-MER-S", 1, "changed_mind"),)),
    DemoReturn("KE-58817", "requested", "email", (("KE-LAP-14-512", 1, "defective"),),
               comment="Will not power on after the latest update."),
    DemoReturn("KE-58830", "rejected", "email", (("KE-SW-OFFICE", 1, "changed_mind"),),
               decision="Software licence keys are final sale and cannot be returned once delivered."),
    DemoReturn("HW-10296", "cancelled", "portal", (("HW-TEE-ORG-M", 1, "changed_mind"),),
               decision="The customer decided to keep the tee."),
    DemoReturn("HW-10260", "in_transit", "portal", (("HW-SNK-CNV-42", 1, "size_fit"),),
               tracking=("DHL", "00340434292135100183"), carrier_scan="picked_up"),
    DemoReturn("KE-58834", "in_transit", "phone", (("KE-MON-27-4K", 1, "damaged_in_transit"),),
               tracking=("UPS", "1Z999AA10123456784"), comment="Cracked corner; the box was crushed."),
    DemoReturn("HW-10266", "received", "email", (("HW-JEANS-3232", 1, "changed_mind"),)),
    # Routed to Leipzig by Kestrel's route for Germany: its label ships there.
    DemoReturn("KE-58870", "authorized", "email", (("KE-EB-PRO", 1, "defective"),),
               comment="The left earbud does not charge."),
    # Routed to Leipzig too, but posted to Kestrel's US address from its website: received at Edison, to forward.
    DemoReturn("KE-58874", "received", "phone", (("KE-HP-ANC-BLK", 1, "changed_mind"),),
               tracking=("DHL", "00340434292135100290"), arrives_at="ewr2"),
    DemoReturn("KE-58839", "received", "email", (("KE-CHG-65W", 1, "defective"),),
               tracking=("USPS", "9400111899223817756420"), comment="Gets hot and stops charging."),
    DemoReturn("HW-10271", "inspected", "chat", (("HW-KNIT-MER-S", 1, "defective"), ("HW-TEE-ORG-M", 1, "size_fit")),
               tracking=("DHL", "00340434292135100214"), findings=("C", "A"), comment="Seam came open."),
    DemoReturn("KE-58842", "inspected", "phone", (("KE-HP-ANC-BLK", 1, "defective"),),
               tracking=("UPS", "1Z999AA10123456791"), findings=("D",), comment="Left channel is silent."),
    DemoReturn("HW-10279", "dispositioned", "portal",
               (("HW-JKT-RAIN-L", 1, "not_as_described"), ("HW-SCARF-WOOL", 1, "changed_mind")),
               tracking=("Hermes", "H1006270000123456789"), findings=("A", "B")),
    DemoReturn("KE-58847", "dispositioned", "phone",
               (("KE-KB-MECH", 1, "not_as_described"), ("KE-CBL-USBC-2M", 2, "changed_mind")),
               tracking=("UPS", "1Z999AA10123456802"), findings=("B", "C", "A")),
    DemoReturn("HW-10285", "refunded", "portal", (("HW-SNK-CNV-42", 1, "size_fit"),), refund_method="store_credit",
               tracking=("DHL", "00340434292135100238")),
    DemoReturn("HW-10290", "refunded", "phone", (("HW-SNK-CNV-42", 1, "defective"),),
               tracking=("DHL", "00340434292135100245"), findings=("D",), reference="PAYPAL-5TY41823KD0093112",
               comment="Sole is coming off after two weeks."),
    DemoReturn("KE-58851", "refunded", "chat", (("KE-EB-PRO", 2, "changed_mind"),),
               tracking=("USPS", "9400111899223817756437"), findings=("A", "mismatch"),
               reference="STRIPE-re_3QKv8L2eZvKYlo2C1x9T4mRb"),
    DemoReturn("HW-10301", "closed", "portal", (("HW-JEANS-3232", 1, "size_fit"), ("HW-TEE-ORG-M", 1, "size_fit")),
               tracking=("DHL", "00340434292135100252"), findings=("missing", "missing")),
    DemoReturn("KE-58856", "closed", "email", (("KE-CHG-65W", 1, "wrong_item"),),
               tracking=("USPS", "9400111899223817756444"),
               decision="Kestrel's support team already refunded this order as a goodwill credit (ticket 48211)."),
]

# Parcels nobody announced: the dock scans, notes and photographs each; customer service resolves them.
# (code, the dock's note, why customer service refused it; empty: still open)
# The carrier's feed also reports delivering the first of these to us.
UNEXPECTED_PARCEL = "JJD014600006837452911"
UNEXPECTED_PARCELS = [
    (UNEXPECTED_PARCEL, "DHL parcel from M. Weber, Leipzig. No RAN label inside; two knit sweaters.", ""),
    ("1Z999AA10123456999", "UPS box, no sender address; a phone case of a brand we do not serve.",
     "Not a client's product; sent back to UPS as undeliverable."),
]

# Units found in a received demo parcel that the return does not list.
# (order number, what was found, SKU, the note, why it was sent back; empty: still open)
EXTRA_UNITS = [
    ("HW-10266", "Slim jeans, rinse wash, 32/32: a second pair", "HW-JEANS-3232",
     "Folded in with the returned pair.", ""),
    ("KE-58839", "Phone case, not a Kestrel product", "", "Loose in the box.",
     "Not bought from Kestrel; posted back to the customer."),
]

# Customer service marked this return in transit when the customer phoned; the carrier's own scan
# came later with its tracking feed, and is recorded on the return.
SCANNED_AFTER_MARKING = "KE-58834"

# What the inspector records for each finding.
FINDINGS = {
    "A": {"grade": "A", "accessories_complete": True, "original_packaging": True, "matches_request": True,
          "notes": "Like new, tags and seals intact."},
    "B": {"grade": "B", "accessories_complete": True, "original_packaging": False, "matches_request": True,
          "notes": "Opened and tried; light handling marks, no original packaging."},
    "C": {"grade": "C", "accessories_complete": True, "original_packaging": False, "matches_request": True,
          "defect_category": "cosmetic", "notes": "Visible wear: marks and scuffs."},
    "D": {"grade": "D", "accessories_complete": False, "original_packaging": False, "matches_request": True,
          "defect_category": "functional", "notes": "Confirmed fault; not sellable as is."},
    "F": {"grade": "F", "accessories_complete": False, "original_packaging": False, "matches_request": True,
          "defect_category": "water_damage", "notes": "Water damage; beyond repair."},
    "missing": {"grade": "", "accessories_complete": False, "original_packaging": False,
                "matches_request": False, "missing": True, "notes": "Not in the parcel."},
    "mismatch": {"grade": "C", "accessories_complete": True, "original_packaging": False, "matches_request": False,
                 "defect_category": "other", "notes": "An older model; the serial number is not on the order."},
}
# A unit that is not the one sold is not the client's to resell: the inspector overrides, saying why.
MISMATCH_DISPOSITION = ("return_to_customer", "Not the unit we sold; it goes back to the customer.")

DESTINATIONS = {
    "restock": "Sellable stock", "repair": "Repair bench", "refurbish": "Refurbishment line",
    "return_to_vendor": "RTV cage", "liquidate": "Liquidation pallet", "recycle": "Recycling bin",
    "discard": "Disposal", "return_to_customer": "Outbound to customer",
}

# The services each state is reached through, in order.
PATHS = {
    "requested": (),
    "rejected": ("reject",),
    "authorized": ("authorize",),
    "cancelled": ("authorize", "cancel"),
    "expired": ("authorize", "expire"),
    "in_transit": ("authorize", "ship"),
    "received": ("authorize", "ship", "receive"),
    "inspected": ("authorize", "ship", "receive", "inspect"),
    "dispositioned": ("authorize", "ship", "receive", "inspect", "disposition"),
    "refunded": ("authorize", "ship", "receive", "inspect", "disposition", "approve", "issue"),
    "closed": ("authorize", "ship", "receive", "inspect", "disposition", "deny"),
}


# -- the people ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Floor:
    """The demo users who act on the returns."""

    customer_service: User
    dock: User  # at lej1
    inspector: User
    finance: User
    manager: User
    api: User
    docks: dict[str, User]  # warehouse code: the dock user working there

    def dock_at(self, warehouse_code: str) -> User:
        return self.docks[warehouse_code]

    def requester(self, channel: str, customer: Customer) -> Actor:
        """Who acts for the customer: the customer on the portal, the client's systems on the API, else customer
        service."""
        if channel == "portal":
            return CustomerActor(customer=customer)
        return self.api if channel == "api" else self.customer_service

    def tracker(self, channel: str) -> User:
        """Who records the parcel's tracking: the client's systems on the API, else customer service."""
        return self.api if channel == "api" else self.customer_service


def demo_password() -> str:
    return os.environ.get("DEMO_PASSWORD") or DEFAULT_PASSWORD


def ensure_user(username: str, *, password: str, group: str | None, is_staff: bool, **fields) -> User:
    """The demo user, made on the first run; its password is reset so the one printed always works."""
    user, created = User.objects.get_or_create(username=username, defaults={"is_staff": is_staff, **fields})
    if created or not user.check_password(password):
        user.set_password(password)
        user.save(update_fields=["password"])
    if group:
        user.groups.add(Group.objects.get(name=group))
    return User.objects.get(pk=user.pk)  # fresh: no cached permissions


def seed_staff(password: str) -> dict[str, User]:
    users = {
        username: ensure_user(
            username, password=password, group=username, is_staff=True,
            first_name=first, last_name=last, email=f"{username.replace('_', '.')}@returns.example",
        )
        for username, first, last, _ in STAFF
    }
    ensure_user("admin", password=password, group=None, is_staff=True, is_superuser=True, email="admin@returns.example")
    username, first, last, _ = EDISON_DOCK
    ensure_user(username, password=password, group="dock", is_staff=True, first_name=first, last_name=last,
                email=f"{username.replace('-', '.')}@returns.example")
    return users


def seed_former_operator(manager: User) -> None:
    """An operator the manager took on and who has left: their account deactivated, both on Access changes."""
    username, first, last = FORMER_OPERATOR
    if User.objects.filter(username=username).exists():
        return
    account = backoffice_services.create_operator_account(
        username=username, email=f"{username.replace('-', '.')}@returns.example", groups=["dock"],
        first_name=first, last_name=last, actor=manager,
    )
    backoffice_services.deactivate_operator_account(account=account, actor=manager)


def seed_sites_of_staff() -> dict[str, User]:
    """Each site's dock user at their site; their dock user per warehouse code."""
    docks = {}
    for username, code in SITES_OF_STAFF.items():
        user = User.objects.get(username=username)
        WarehouseAssignment.objects.get_or_create(user=user, defaults={"warehouse": Warehouse.objects.get(code=code)})
        docks[code] = user
    return docks


def seed_console_user(password: str, clients: dict[str, Client], manager: User) -> None:
    """A person of the demo's German client on the merchant console, with an authenticator already set up
    (its code is asked for under production settings only)."""
    username, client_code = CONSOLE_USER
    if User.objects.filter(username=username).exists():
        return
    account = console_services.create_console_user(
        client=clients[client_code], username=username, email=f"{username}@hafenwerk.example", password=password,
        actor=manager,
    )
    device = two_factor.new_device(account.user)
    device.confirmed = True
    device.save(update_fields=["confirmed"])


def seed_api_account(password: str, clients: dict[str, Client], manager: User) -> tuple[User, str]:
    """The client API account, and its first key (shown once: empty when the account had one already)."""
    username, client_code = API_ACCOUNT
    user = ensure_user(username, password=password, group="client_api", is_staff=False)
    account, _ = ClientAccount.objects.get_or_create(user=user, defaults={"client": clients[client_code]})
    if account.api_keys.exists():
        return user, ""
    return user, issue_api_key(account=account, actor=manager, name="demo shop").key


# -- clients, customers and orders ---------------------------------------------------------------


def seed_clients(manager: User) -> dict[str, Client]:
    warehouses = {
        row["code"]: Warehouse.objects.get_or_create(code=row["code"], defaults=row)[0] for row in WAREHOUSES
    }
    clients = {}
    for row in CLIENTS:
        fields = {key: value for key, value in row.items() if key not in {"warehouse", "currency", "policy"}}
        client, _ = Client.objects.get_or_create(
            code=row["code"], defaults={**fields, "default_warehouse": warehouses[row["warehouse"]]}
        )
        if not client.policies.exists():
            ReturnPolicy.objects.create(client=client, version=1, created_by=manager, **row["policy"])
        for position, rule in enumerate(DISPOSITION_RULES[client.code], start=1):
            DispositionRule.objects.get_or_create(
                client=client, name=rule["name"], defaults={**rule, "position": position * 10}
            )
        clients[client.code] = client
    for client_code, country, warehouse_code in ROUTES:
        WarehouseRoute.objects.get_or_create(
            client=clients[client_code], country=country, defaults={"warehouse": warehouses[warehouse_code]}
        )
    return clients


def seed_customers(clients: dict[str, Client]) -> None:
    for code, rows in CUSTOMERS.items():
        for email, name, street, postal_code, city, region, country, phone in rows:
            Customer.objects.get_or_create(
                client=clients[code], email=email,
                defaults={"name": name, "address_line1": street, "postal_code": postal_code, "city": city,
                          "region": region, "country": country, "phone": phone},
            )


def _days_ago(days: int | None) -> dt.datetime | None:
    return None if days is None else timezone.now() - dt.timedelta(days=days)


def seed_orders(clients: dict[str, Client]) -> dict[str, Order]:
    currency = {row["code"]: row["currency"] for row in CLIENTS}
    orders = {}
    for row in ORDERS:
        client = clients[row.client]
        customer = Customer.objects.get(client=client, email=row.customer)
        order, created = Order.objects.get_or_create(
            client=client, number=row.number,
            defaults={
                "customer": customer, "ordered_at": _days_ago(row.ordered_days_ago),
                "delivered_at": _days_ago(row.delivered_days_ago), "payment_method": row.payment_method,
                "payment_reference": f"{row.payment_method.upper()}-{row.number}", "currency": currency[row.client],
                "outbound_shipping_paid": Decimal(row.outbound_shipping),
                "address_line1": customer.address_line1, "postal_code": customer.postal_code,
                "city": customer.city, "region": customer.region, "country": customer.country,
            },
        )
        if created:
            _add_lines(order, row)
        orders[row.number] = order
    return orders


def _add_lines(order: Order, row: DemoOrder) -> None:
    for line_number, (sku, quantity) in enumerate(row.lines, start=1):
        description, category, price = CATALOG[row.client][sku]
        serials = []
        if category in SERIALIZED_CATEGORIES:
            serials = [f"SN{order.number[-5:]}{line_number}{unit:02d}" for unit in range(1, quantity + 1)]
        OrderLine.objects.create(
            order=order, line_number=line_number, sku=sku, description=description, category=category,
            quantity=quantity, unit_price=Decimal(price), serial_numbers=serials,
        )


# -- returns, walked through the services --------------------------------------------------------


def open_return(spec: DemoReturn, order: Order, floor: Floor) -> ReturnRequest:
    lines = {line.sku: line for line in order.lines.all()}
    items = []
    for sku, quantity, reason in spec.units:
        line = lines[sku]
        for unit in range(quantity):
            serial = line.serial_numbers[unit] if line.serial_numbers else ""
            items.append({"order_line": line, "quantity": 1, "reason": reason, "comment": spec.comment,
                          "serial_number": serial})
    return rma_services.create_return_request(
        order=order, items=items, channel=spec.channel, actor=floor.requester(spec.channel, order.customer),
        refund_method=spec.refund_method,
    )


def _authorize(rma: ReturnRequest, spec: DemoReturn, floor: Floor) -> None:
    if rma.state == ReturnState.AUTHORIZED:
        return  # the policy authorized it on arrival
    if spec.override:
        rma_services.authorize_return(rma=rma, actor=floor.manager, override_reason=spec.override)
    else:
        rma_services.authorize_return(rma=rma, actor=floor.customer_service)


def _reject(rma: ReturnRequest, spec: DemoReturn, floor: Floor) -> None:
    rma_services.reject_return(rma=rma, actor=floor.customer_service, reason=spec.decision)


def _cancel(rma: ReturnRequest, spec: DemoReturn, floor: Floor) -> None:
    rma_services.cancel_return(rma=rma, actor=floor.requester(spec.channel, rma.customer), reason=spec.decision)


def _expire(rma: ReturnRequest, spec: DemoReturn, floor: Floor) -> None:
    # expire_authorizations expires every return due by `now`; just past this one's expiry, no
    # return that is not already overdue may be among them.
    just_after = rma.authorization_expires_at + dt.timedelta(microseconds=1)
    swept = (
        rma_selectors.expirable_returns(now=just_after)
        .exclude(pk=rma.pk)
        .filter(authorization_expires_at__gt=timezone.now())
    )
    if swept.exists():
        raise CommandError(
            f"Expiring demo return {rma} would also expire {counted(swept.count(), 'other authorized return')} early; "
            "seed an empty database."
        )
    rma_services.expire_authorizations(now=just_after)


def _ship(rma: ReturnRequest, spec: DemoReturn, floor: Floor) -> None:
    if spec.tracking is None:
        return  # the parcel reaches the dock before any carrier update
    carrier, tracking_number = spec.tracking
    if spec.carrier_scan:
        # A prepaid label: its tracking number is known first, and the carrier's scan moves the return.
        rma_services.set_tracking(
            rma=rma, actor=floor.customer_service, carrier=carrier, tracking_number=tracking_number
        )
        rma_services.record_carrier_event(
            tracking_number=tracking_number, event=spec.carrier_scan, carrier=carrier,
            occurred_at=timezone.now() - dt.timedelta(hours=2), actor=floor.customer_service,
        )
        return
    rma_services.mark_in_transit(
        rma=rma, actor=floor.tracker(spec.channel), carrier=carrier, tracking_number=tracking_number
    )


def _receive(rma: ReturnRequest, spec: DemoReturn, floor: Floor) -> None:
    scan = rma_services.receive_scan(code=rma.ran, actor=floor.dock_at(spec.arrives_at or rma.warehouse.code))
    if scan.result != ScanResult.RECEIVED:
        raise CommandError(f"Scanning {rma.ran} gave {scan.result}, not received.")


def _finding(spec: DemoReturn, item: ReturnItem) -> str:
    return spec.findings[item.unit_number - 1] if item.unit_number <= len(spec.findings) else "A"


def _inspect(rma: ReturnRequest, spec: DemoReturn, floor: Floor) -> None:
    for item in rma.items.order_by("unit_number"):
        inspection_services.record_inspection(
            item=item, actor=floor.inspector, seconds_taken=150 + 30 * item.unit_number,
            **FINDINGS[_finding(spec, item)],
        )


def _disposition(rma: ReturnRequest, spec: DemoReturn, floor: Floor) -> None:
    for item in rma.items.filter(inspection__missing=False).order_by("unit_number"):
        recommendation = disposition_services.recommend_disposition(item=item)
        action, reason = recommendation.action, ""
        if _finding(spec, item) == "mismatch" and MISMATCH_DISPOSITION[0] in recommendation.permitted_actions:
            action, reason = MISMATCH_DISPOSITION
        disposition_services.confirm_disposition(
            item=item, actor=floor.inspector, action=action, reason=reason, destination=DESTINATIONS[action]
        )


def _approve(rma: ReturnRequest, spec: DemoReturn, floor: Floor) -> None:
    refund_services.approve_refund(refund=rma.refunds.get(), actor=floor.finance)


def _issue(rma: ReturnRequest, spec: DemoReturn, floor: Floor) -> None:
    refund_services.issue_refund(refund=rma.refunds.get(), actor=floor.finance, reference=spec.reference or None)


def _deny(rma: ReturnRequest, spec: DemoReturn, floor: Floor) -> None:
    refund_services.deny_refund(refund=rma.refunds.get(), actor=floor.finance, reason=spec.decision)


STEPS = {
    "authorize": _authorize, "reject": _reject, "cancel": _cancel, "expire": _expire, "ship": _ship,
    "receive": _receive, "inspect": _inspect, "disposition": _disposition, "approve": _approve,
    "issue": _issue, "deny": _deny,
}


def path_for(spec: DemoReturn) -> tuple[str, ...]:
    if spec.state == ReturnState.CLOSED and spec.findings and all(f == "missing" for f in spec.findings):
        return PATHS[ReturnState.INSPECTED]  # an empty parcel closes itself at inspection
    return PATHS[spec.state]


def at_moment(moment: dt.datetime | None):
    """The clock the services read, stopped at `moment` (a past day of the history); the real one if None."""
    return time_machine.travel(moment, tick=False) if moment else contextlib.nullcontext()


def seed_return(spec: DemoReturn, order: Order, floor: Floor) -> ReturnRequest:
    moments = dict(spec.schedule)
    with at_moment(moments.get("request")):
        rma = open_return(spec, order, floor)
    for step in path_for(spec):
        with at_moment(moments.get(step)):
            STEPS[step](rma, spec, floor)
        rma = ReturnRequest.objects.get(pk=rma.pk)
    if rma.state != spec.state:
        raise CommandError(f"The demo return for {order.number} ended {rma.state}, not {spec.state}.")
    return rma


def seed_returns(orders: dict[str, Order], floor: Floor, specs: list[DemoReturn]) -> int:
    created = 0
    for spec in specs:
        order = orders[spec.order]
        if order.returns.exists():
            continue
        seed_return(spec, order, floor)
        created += 1
    return created


def demo_photo(name: str, colour: str) -> ContentFile:
    """A small picture standing in for the dock's photo."""
    buffer = io.BytesIO()
    Image.new("RGB", (160, 120), colour).save(buffer, format="PNG")
    return ContentFile(buffer.getvalue(), name=name)


def seed_unexpected_parcels(floor: Floor) -> None:
    for code, note, refusal in UNEXPECTED_PARCELS:
        if UnexpectedParcel.objects.filter(code=code).exists():
            continue
        parcel = rma_services.receive_scan(code=code, actor=floor.dock).unexpected_parcel
        rma_services.annotate_unexpected_parcel(
            parcel=parcel, actor=floor.dock, note=note, photo=demo_photo("parcel.png", "#a0785a")
        )
        if refusal:
            rma_services.resolve_unexpected_parcel(
                parcel=parcel, actor=floor.customer_service, resolution=ParcelStatus.REFUSED, note=refusal
            )


def seed_extra_units(orders: dict[str, Order], floor: Floor) -> None:
    for number, description, sku, note, sent_back in EXTRA_UNITS:
        rma = orders[number].returns.filter(state=ReturnState.RECEIVED).first()
        if rma is None or rma.extra_units.exists():
            continue
        unit = rma_services.record_extra_unit(
            rma=rma, actor=floor.inspector, description=description, sku=sku, note=note,
            photo=demo_photo("unit.png", "#3d5a80"),
        )
        if sent_back:
            rma_services.resolve_extra_unit(
                extra_unit=unit, actor=floor.customer_service, resolution=ExtraUnitStatus.SENT_BACK, note=sent_back
            )


def seed_carrier_feed(orders: dict[str, Order], floor: Floor) -> None:
    """Two lines of a carrier's tracking feed, imported through the service; importing them again changes nothing.

    Their times hang on what they follow, so a second run imports the very same events.
    """
    marked = orders[SCANNED_AFTER_MARKING].returns.get()
    rma_services.record_carrier_event(
        tracking_number=marked.tracking_number, event="accepted", carrier=marked.carrier,
        occurred_at=marked.in_transit_at - dt.timedelta(hours=3), description="Dropped off at a UPS Access Point",
        actor=floor.customer_service,
    )
    parcel = UnexpectedParcel.objects.select_related("scan").filter(code=UNEXPECTED_PARCEL).order_by("pk").first()
    rma_services.record_carrier_event(
        tracking_number=UNEXPECTED_PARCEL, event="delivered", carrier="DHL",
        occurred_at=parcel.scan.scanned_at - dt.timedelta(minutes=45), description="Delivered to the returns center",
        actor=floor.customer_service,
    )


# -- three months of history --------------------------------------------------------------------
# Several hundred more returns, requested over the last HISTORY_DAYS days and walked through the services
# at the moments they happened (the services read the clock, stopped at each step's moment), so the
# dashboard, the reports and the monthly PDF show a facility's real shapes. The same draws every run
# (a fixed seed per client and number), and an order that has its return is left alone.

HISTORY_DAYS = 90
HISTORY_RETURNS = 350  # the default of --history
HISTORY_SHARE = {"hafenwerk": 4, "kestrel": 3}  # client code: its share of the history's returns
# What each client's customers send back, and why (weights).
HISTORY_SKUS = {
    "hafenwerk": {"HW-TEE-ORG-M": 5, "HW-JEANS-3232": 4, "HW-KNIT-MER-S": 3, "HW-SNK-CNV-42": 3,
                  "HW-JKT-RAIN-L": 2, "HW-SCARF-WOOL": 1},
    # No laptop (a receipt is needed above 500 USD) and no software (final sale).
    "kestrel": {"KE-EB-PRO": 5, "KE-HP-ANC-BLK": 4, "KE-CBL-USBC-2M": 3, "KE-CHG-65W": 3, "KE-KB-MECH": 2,
                "KE-MON-27-4K": 1},
}
HISTORY_REASONS = {
    "hafenwerk": {"size_fit": 9, "changed_mind": 5, "not_as_described": 2, "defective": 2, "damaged_in_transit": 1,
                  "wrong_item": 1},
    "kestrel": {"defective": 6, "changed_mind": 4, "not_as_described": 3, "damaged_in_transit": 2,
                "wrong_item": 1, "other": 1},
}
HISTORY_CHANNELS = {"hafenwerk": {"portal": 6, "api": 2, "email": 1, "phone": 1},
                    "kestrel": {"portal": 4, "phone": 3, "email": 2, "chat": 2}}
# How each history return ends, once all its steps are past (weights); rejected only where requests wait
# for review (Kestrel's policy does not authorize at once).
HISTORY_OUTCOMES = {
    "hafenwerk": {"refunded": 80, "closed": 6, "cancelled": 7, "expired": 5},
    "kestrel": {"refunded": 70, "closed": 8, "cancelled": 6, "expired": 5, "rejected": 8},
}
HISTORY_FINDINGS = {"A": 45, "B": 25, "C": 14, "D": 8, "F": 3, "missing": 2, "mismatch": 2}
# Hours from the step before: (fewest, most).
STEP_HOURS = {"authorize": (1, 20), "reject": (2, 30), "cancel": (2, 60), "ship": (10, 70), "receive": (40, 130),
              "inspect": (3, 40), "disposition": (0.2, 3), "approve": (3, 40), "issue": (1, 20), "deny": (3, 40)}
CARRIERS = {"hafenwerk": ("DHL", "003404342990{:08d}"), "kestrel": ("UPS", "1Z999BB1{:08d}")}
FIRST_NAMES = ["Anna", "Ben", "Clara", "David", "Elena", "Finn", "Greta", "Hannah", "Ivan", "Julia", "Karl", "Lea",
               "Max", "Nora", "Oskar", "Paula", "Quentin", "Rosa", "Simon", "Tara", "Uwe", "Vera"]
LAST_NAMES = ["Albrecht", "Brandt", "Carter", "Dietrich", "Evans", "Franke", "Garcia", "Huber", "Ito", "Jansen",
              "Keller", "Lopez"]
HISTORY_CUSTOMERS = 50  # per client: few enough to make some frequent returners, within Hafenwerk's limit
# client code: where its customers live (Kestrel's outside Germany, so the route to Leipzig stays the demo's own)
HISTORY_PLACES = {
    "hafenwerk": [("Berlin", "10115", "DE"), ("Hamburg", "20095", "DE"), ("Leipzig", "04109", "DE"),
                  ("Wien", "1010", "AT"), ("Köln", "50667", "DE")],
    "kestrel": [("New York", "10001", "US"), ("Philadelphia", "19103", "US"), ("Boston", "02108", "US"),
                ("Baltimore", "21201", "US"), ("Newark", "07102", "US")],
}


def _pick(rng: random.Random, weights: dict[str, int]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def history_customer(code: str, n: int) -> tuple[str, str, str, str, str]:
    """The client's n-th history customer: email, name, city, postal code, country."""
    first, last = FIRST_NAMES[n % len(FIRST_NAMES)], LAST_NAMES[(n // len(FIRST_NAMES)) % len(LAST_NAMES)]
    city, postal_code, country = HISTORY_PLACES[code][n % len(HISTORY_PLACES[code])]
    return f"{first}.{last}.{n}@{code}-customers.example".lower(), f"{first} {last}", city, postal_code, country


def _schedule(rng: random.Random, *, path: tuple[str, ...], requested: dt.datetime,
              policy: dict) -> list[tuple[str, dt.datetime]]:
    moments, moment = [("request", requested)], requested
    for step in path:
        if step == "authorize" and policy["auto_authorize"]:
            continue  # the policy authorized it with the request
        if step == "expire":
            # Just past the RAN's validity, counted from an authorization at most a day after the request.
            moments.append((step, requested + dt.timedelta(days=policy["ran_validity_days"] + 1)))
            continue
        low, high = STEP_HOURS[step]
        moment += dt.timedelta(hours=rng.uniform(low, high))
        moments.append((step, moment))
    return moments


def _reached(path: tuple[str, ...], moments: list[tuple[str, dt.datetime]], now: dt.datetime) -> tuple[str, ...]:
    """The steps of `path` already past at `now`."""
    due = dict(moments)
    reached = []
    for step in path:
        if due.get(step, due["request"]) > now:
            break
        reached.append(step)
    if reached[-1:] == ["approve"]:
        reached.pop()  # approved, not yet paid, reads as waiting: no state of its own
    return tuple(reached)


def _state_after(steps: tuple[str, ...]) -> str:
    return next((state for state, path in PATHS.items() if path == steps), "")


def history_return(code: str, number: int, *, now: dt.datetime) -> tuple[DemoOrder, DemoReturn]:
    """The client's `number`-th history return and its order, drawn the same way every run."""
    rng = random.Random(f"{code}-{number}")
    policy = next(row["policy"] for row in CLIENTS if row["code"] == code)
    requested = now - dt.timedelta(days=HISTORY_DAYS * rng.random() ** 1.4, hours=rng.uniform(0, 10))
    requested = requested.replace(hour=rng.randint(7, 19))
    if requested > now - dt.timedelta(hours=1):
        requested -= dt.timedelta(hours=12)
    days_since_order = rng.randint(3, 12)
    skus = rng.sample(list(HISTORY_SKUS[code]), k=1 if rng.random() < 0.75 else 2)
    lines = tuple((sku, 2 if rng.random() < 0.15 else 1) for sku in skus)
    # The rest of the basket, kept: about one unit in four of an order comes back.
    kept = [sku for sku in CATALOG[code] if sku not in skus]
    basket = lines + tuple((sku, rng.randint(1, 3)) for sku in rng.sample(kept, k=rng.randint(1, 3)))
    email = history_customer(code, number % HISTORY_CUSTOMERS)[0]
    prefix = "HW-3" if code == "hafenwerk" else "KE-7"
    order = DemoOrder(code, f"{prefix}{number:04d}", email, 0, 0, rng.choice(["card", "card", "paypal"]), basket,
                      "4.95" if code == "hafenwerk" else "0.00")
    order = dataclasses.replace(order, ordered_days_ago=days_since_order, delivered_days_ago=days_since_order - 2)

    outcome = _pick(rng, HISTORY_OUTCOMES[code])
    units = tuple((sku, quantity, _pick(rng, HISTORY_REASONS[code])) for sku, quantity in lines)
    findings = tuple(_pick(rng, HISTORY_FINDINGS) for _ in range(sum(q for _, q in lines)))
    if outcome == "closed" and rng.random() < 0.3:
        findings = ("missing",) * len(findings)  # an empty box: it closes itself at inspection
    elif all(f in ("missing", "mismatch") for f in findings):
        findings = ("A", *findings[1:])  # owed something: only an empty box or a denial closes a history return
    spec = DemoReturn(order.number, outcome, _pick(rng, HISTORY_CHANNELS[code]), units, findings=findings)
    path = path_for(spec)
    moments = _schedule(rng, path=path, requested=requested, policy=policy)
    steps = _reached(path, moments, now)
    draw = rng.random() if code == "hafenwerk" else 1.0
    refund_method = "store_credit" if draw < 0.2 else "gift_card" if draw < 0.25 else "original_payment"
    carrier, tracking_format = CARRIERS[code]
    spec = dataclasses.replace(
        spec, state=outcome if steps == path else _state_after(steps), refund_method=refund_method,
        tracking=(carrier, tracking_format.format(number)), schedule=tuple(moments),
        reference=f"PSP-{order.number}" if refund_method == "original_payment" else "",
        decision={"cancelled": "The customer decided to keep it.",
                  "rejected": "Outside the return window on the order date; the customer was told.",
                  "closed": "Worn and washed: not a return the client accepts."}.get(outcome, ""),
    )
    return order, spec


def history_plan(*, now: dt.datetime, returns: int) -> list[tuple[DemoOrder, DemoReturn]]:
    """`returns` history returns, shared between the clients; a smaller plan is the start of a larger one."""
    total = sum(HISTORY_SHARE.values())
    counts = {code: returns * share // total for code, share in HISTORY_SHARE.items()}
    return [history_return(code, number, now=now) for code, count in counts.items()
            for number in range(1, count + 1)]


def seed_history_orders(clients: dict[str, Client], history: list[tuple[DemoOrder, DemoReturn]]) -> dict[str, Order]:
    """The history's customers and orders, each order placed and delivered before its return was requested."""
    for code in HISTORY_SHARE:
        for n in range(HISTORY_CUSTOMERS):
            email, name, city, postal_code, country = history_customer(code, n)
            Customer.objects.get_or_create(
                client=clients[code], email=email,
                defaults={"name": name, "address_line1": f"{10 + n} Demo Street", "postal_code": postal_code,
                          "city": city, "country": country},
            )
    currency = {row["code"]: row["currency"] for row in CLIENTS}
    orders = {}
    for row, spec in history:
        requested = dict(spec.schedule)["request"]
        client = clients[row.client]
        customer = Customer.objects.get(client=client, email=row.customer)
        order, created = Order.objects.get_or_create(
            client=client, number=row.number,
            defaults={
                "customer": customer, "ordered_at": requested - dt.timedelta(days=row.ordered_days_ago),
                "delivered_at": requested - dt.timedelta(days=row.delivered_days_ago),
                "payment_method": row.payment_method, "payment_reference": f"{row.payment_method.upper()}-{row.number}",
                "currency": currency[row.client], "outbound_shipping_paid": Decimal(row.outbound_shipping),
                "address_line1": customer.address_line1, "postal_code": customer.postal_code,
                "city": customer.city, "country": customer.country,
            },
        )
        if created:
            _add_lines(order, row)
        orders[row.number] = order
    return orders


# -- the command ---------------------------------------------------------------------------------


class Command(BaseCommand):
    help = "Create demo clients, users, orders and returns in every state (idempotent)."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--history", type=int, default=HISTORY_RETURNS, metavar="RETURNS",
            help=f"how many returns of the last {HISTORY_DAYS} days to add (default {HISTORY_RETURNS}; 0: none)",
        )

    def handle(self, *args, **options) -> None:
        # Demo users with a known password, a console account and an API key: never on a live site.
        if settings.PRODUCTION:
            raise CommandError("seed_demo refuses to run with DJANGO_ENV=production: it creates users with a "
                               "known password. Load demo data only into a local or test database.")
        if options["history"] < 0:
            raise CommandError("--history is a number of returns, 0 or more.")
        password = demo_password()
        with transaction.atomic():
            users = seed_staff(password)
            clients = seed_clients(users["manager"])
            api, api_key = seed_api_account(password, clients, users["manager"])
            seed_console_user(password, clients, users["manager"])
            seed_former_operator(users["manager"])
            floor = Floor(api=api, docks=seed_sites_of_staff(), **users)
            seed_customers(clients)
            orders = seed_orders(clients)
            created = seed_returns(orders, floor, RETURNS)
            history = history_plan(now=timezone.now(), returns=options["history"])
            orders = {**orders, **seed_history_orders(clients, history)}
            created += seed_returns(orders, floor, [spec for _, spec in history])
            seed_unexpected_parcels(floor)
            seed_extra_units(orders, floor)
            seed_carrier_feed(orders, floor)
            # Last month's client reports, through the outbox (once per client and month, however often run).
            reports_services.send_monthly_reports(month=(timezone.localdate().replace(day=1) - dt.timedelta(days=1))
                                                  .replace(day=1))
        self.report(created=created, password=password, history=history, api_key=api_key)

    def report(
        self, *, created: int, password: str, history: list[tuple[DemoOrder, DemoReturn]], api_key: str,
    ) -> None:
        numbers = [row.number for row in ORDERS] + [row.number for row, _ in history]
        returns = ReturnRequest.objects.filter(order__number__in=numbers)
        self.stdout.write(self.style.SUCCESS(
            f"Demo data ready: {len(CLIENTS)} clients, {len(numbers)} orders, {returns.count()} returns "
            f"({created} created now)."
        ))
        rows = [("admin", "superuser", "everything, including users and groups")]
        rows += [(username, f"group {username}", does) for username, _, _, does in STAFF]
        rows.append((EDISON_DOCK[0], "group dock", EDISON_DOCK[3]))
        username, client_code = API_ACCOUNT
        rows.append((username, "group client_api", f"client API account of {client_code}; not staff, no admin"))
        username, client_code = CONSOLE_USER
        rows.append((username, "console user", f"{client_code}'s own staff: http://127.0.0.1:8000/console/"))
        width = max(len(row[0]) for row in rows)
        role_width = max(len(row[1]) for row in rows)
        self.stdout.write("")
        for user, role, does in rows:
            self.stdout.write(f"  {user:<{width}}  {role:<{role_width}}  {does}")
        self.stdout.write("")
        self.stdout.write(f"Password for every demo user: {password}")
        self.stdout.write("Sign in at http://127.0.0.1:8000/admin/ (make run).")
        username, _ = API_ACCOUNT
        if api_key:
            self.stdout.write(f"API key of {username} (shown this once; docs/api.md): {api_key}")
        else:
            self.stdout.write(f"{username} has an API key already: manage.py create_api_token {username} makes one.")
