"""The ZPL label for Zebra printers: one ^XA…^XZ format, 4×6 at 203 dpi, the RAN as ^BC Code128,
and customer text that cannot smuggle in a command."""

import re

from rma import labels, selectors
from rma.models import Customer, ReturnState, Warehouse
from tests.factories import WarehouseFactory, WarehouseRouteFactory, client_with_policy, return_in_state


def zpl_of(rma) -> str:
    return labels.render_label_zpl(selectors.returns_for_labels(pks=[rma.pk])[0])


def field_texts(zpl: str) -> list[str]:
    return re.findall(r"\^FD(.*?)\^FS", zpl)


def test_zpl_is_one_4x6_format_at_203_dpi_with_the_ran_as_code128(staff):
    rma = return_in_state(ReturnState.AUTHORIZED, staff=staff)

    zpl = zpl_of(rma)

    assert zpl.startswith("^XA") and zpl.rstrip().endswith("^XZ")
    assert zpl.count("^XA") == 1 and zpl.count("^XZ") == 1
    assert "^PW812" in zpl and "^LL1218" in zpl and "^CI28" in zpl
    assert re.search(rf"\^BY3\^BCN,203,N,N,N\^FD{re.escape(rma.ran)}\^FS", zpl)


def test_zpl_prints_both_addresses_client_units_expiry_and_tracking(staff):
    rma = return_in_state(ReturnState.IN_TRANSIT, staff=staff, units=2)
    Warehouse.objects.filter(pk=rma.client.default_warehouse_id).update(name="Leipzig Returns Hub")
    Customer.objects.filter(pk=rma.customer_id).update(name="Erika Mustermann", city="Köln")

    texts = field_texts(zpl_of(rma))

    assert "Leipzig Returns Hub" in texts and "1 Dock Road" in texts and "04109 Leipzig" in texts
    assert "Erika Mustermann" in texts and "20095 Köln" in texts
    assert f"Client: {rma.client.name}" in texts and f"Order: {rma.order.number} · Units: 2" in texts
    assert any(text.startswith("Valid until ") for text in texts)
    assert "Carrier: DHL · Tracking: JJD1" in texts
    assert texts.count(rma.ran) == 2  # the barcode and the text beneath it


def test_zpl_ships_to_the_warehouse_the_return_was_routed_to(staff):
    merchant = client_with_policy(auto_authorize=False)
    route = WarehouseRouteFactory(client=merchant, country="DE", warehouse=WarehouseFactory(name="Wien Returns Hub"))
    rma = return_in_state(ReturnState.AUTHORIZED, staff=staff, client=merchant)

    texts = field_texts(zpl_of(rma))

    assert route.warehouse.name in texts and merchant.default_warehouse.name not in texts


def test_carets_tildes_and_line_breaks_in_customer_text_cannot_start_a_command(staff):
    rma = return_in_state(ReturnState.AUTHORIZED, staff=staff)
    Customer.objects.filter(pk=rma.customer_id).update(
        name="Eve^FS^XZ^XA~JA", address_line1="Street_1\n^FO0,0^GB812,1218,812^FS",
    )

    zpl = zpl_of(rma)

    assert zpl.count("^XA") == 1 and zpl.count("^XZ") == 1 and "~" not in zpl
    assert "^GB812,1218" not in zpl
    assert "^FH^FDEve_5EFS_5EXZ_5EXA_7EJA^FS" in zpl
    assert "^FH^FDStreet_5F1 _5EFO0,0_5EGB812,1218,812_5EFS^FS" in zpl
