"""In headless Chromium, the dock, the inspection station and the API docs work under the
Content-Security-Policy: the browser reports no violation, and their scripts run."""

import pytest

from rma.models import ReturnState
from tests import browser
from tests.factories import return_in_state

# serialized_rollback: the live server needs committed data, and the groups of the migration must survive.
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


# The data comes before the page: it is made outside Playwright's event loop.
def test_the_floor_screens_and_api_docs_run_with_no_policy_violation(staff, page):
    received = return_in_state(ReturnState.RECEIVED, staff=staff)
    violations, script_errors = [], []
    # Chromium reports each blocked script, style or image as a console error naming the policy.
    page.on("console", lambda message: violations.append(message.text)
            if message.type == "error" and "Content Security Policy" in message.text else None)
    page.on("pageerror", lambda error: script_errors.append(str(error)))
    browser.sign_in(page, staff.manager.username)

    page.goto("/admin/dock/")
    page.wait_for_selector("#dock-scan:focus")  # dock.js ran: it takes the keyboard
    page.goto(f"/admin/inspect/{received.pk}/unit/1/")
    page.wait_for_load_state("load")
    page.goto("/api/docs/")
    page.wait_for_selector(".swagger-ui .info .title")  # Swagger UI drew the schema

    assert violations == [] and script_errors == []
