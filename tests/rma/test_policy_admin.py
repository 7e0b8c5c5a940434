"""Managers edit a client's policy by publishing a new version; returns keep the one they have."""

import re

from django.urls import reverse

from rma.models import ReturnPolicy
from tests.factories import requested_return


def form_data(policy: ReturnPolicy, **changes) -> dict:
    data = {
        "window_days": policy.window_days, "window_starts_from": policy.window_starts_from,
        "final_sale_skus": "", "final_sale_categories": "",
        "accepted_reasons": ["defective", "changed_mind"], "restocking_fee_percent": "0",
        "return_shipping_fee": "0",
        "auto_authorize": "on", "ran_validity_days": 30, "refund_methods": ["original_payment"],
        "store_credit_bonus_percent": "0", "return_limit_period_days": 365, "packing_instructions": "",
    }
    data.update(changes)
    return data


def test_saving_a_policy_publishes_a_new_version_and_returns_keep_theirs(client, staff):
    rma = requested_return(staff=staff)
    first = rma.policy
    client.force_login(staff.manager)

    response = client.post(reverse("admin:rma_returnpolicy_change", args=[first.pk]), form_data(first, window_days=60))

    versions = list(ReturnPolicy.objects.filter(client=rma.client).order_by("version"))
    assert response.status_code == 302
    assert [(p.version, p.window_days) for p in versions] == [(1, 30), (2, 60)]
    assert versions[1].created_by == staff.manager
    rma.refresh_from_db(fields=["policy"])
    assert rma.policy_id == first.pk


def test_a_bad_policy_is_refused_with_the_field_named(client, staff):
    rma = requested_return(staff=staff)
    client.force_login(staff.manager)

    response = client.post(reverse("admin:rma_returnpolicy_change", args=[rma.policy_id]),
                           form_data(rma.policy, accepted_reasons=["bored"]))

    assert response.status_code == 200 and "accepted_reasons" in response.context["adminform"].form.errors
    assert ReturnPolicy.objects.filter(client=rma.client).count() == 1


def test_customer_service_cannot_change_policies(client, staff):
    rma = requested_return(staff=staff)
    client.force_login(staff.customer_service)

    response = client.post(reverse("admin:rma_returnpolicy_change", args=[rma.policy_id]),
                           form_data(rma.policy, window_days=365))

    assert response.status_code == 403
    assert ReturnPolicy.objects.filter(client=rma.client).count() == 1


def test_reasons_and_refund_methods_are_ticked_and_final_sale_lists_typed(client, staff):
    rma = requested_return(staff=staff)
    client.force_login(staff.manager)
    url = reverse("admin:rma_returnpolicy_change", args=[rma.policy_id])

    page = client.get(url).content.decode()
    response = client.post(url, form_data(
        rma.policy, final_sale_skus="GC-50, GC-100\nGC-50\n", final_sale_categories="software\n gift cards ",
        restocking_fee_reasons=["changed_mind"], refund_methods=["store_credit", "original_payment"],
    ))

    assert 'type="checkbox" name="accepted_reasons" value="size_fit"' in page
    assert 'type="checkbox" name="refund_methods" value="store_credit"' in page
    assert re.search(r'<textarea name="final_sale_skus"[^>]*>\s*</textarea>', page)  # no "[]" to type into
    assert response.status_code == 302
    published = ReturnPolicy.objects.filter(client=rma.client).order_by("-version").first()
    assert published.final_sale_skus == ["GC-50", "GC-100"]
    assert published.final_sale_categories == ["software", "gift cards"]
    assert published.accepted_reasons == ["defective", "changed_mind"]
    assert published.restocking_fee_reasons == ["changed_mind"]
    assert published.refund_methods == ["original_payment", "store_credit"]


def test_a_policy_accepting_no_reason_is_refused(client, staff):
    rma = requested_return(staff=staff)
    client.force_login(staff.manager)

    response = client.post(reverse("admin:rma_returnpolicy_change", args=[rma.policy_id]),
                           form_data(rma.policy, accepted_reasons=[]))

    assert response.status_code == 200 and "accepted_reasons" in response.context["adminform"].form.errors
