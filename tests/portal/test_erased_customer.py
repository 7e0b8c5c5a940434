"""A customer whose personal data was erased is no longer known to the portal: their open session ends."""

from rma import services as rma_services
from tests.portal.conftest import look_up, url


def test_the_portal_forgets_a_customer_once_their_data_is_erased(
    client, order, staff, django_capture_on_commit_callbacks,
):
    assert look_up(client, order).status_code == 302
    assert client.get(url("order", order.client)).status_code == 200

    with django_capture_on_commit_callbacks(execute=True):
        rma_services.erase_customer_personal_data(customer=order.customer, actor=staff.manager, reason="By email")
    response = client.get(url("order", order.client))

    assert response.status_code == 302 and response["Location"] == url("start", order.client)
    assert look_up(client, order, email="anna@example.com").status_code == 200  # the email finds nothing now
