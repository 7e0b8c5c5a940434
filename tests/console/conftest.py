import pytest
from django.contrib.auth.models import User

from rma.models import ClientAccount
from tests.factories import client_with_policy, return_in_state


def console_user(client, username: str) -> User:
    """A person at the client: a password login with a client account, no staff rights."""
    user = User.objects.create_user(username=username, password="correct horse battery")
    ClientAccount.objects.create(user=user, client=client)
    return User.objects.get(pk=user.pk)


@pytest.fixture
def shops(db, staff):
    """Two clients, each with a refunded return and a requested one, and a console user each."""
    a, b = client_with_policy(auto_authorize=False), client_with_policy(auto_authorize=False)
    return {
        "a": a, "b": b,
        "a_user": console_user(a, "anna"), "b_user": console_user(b, "ben"),
        "a_refunded": return_in_state("refunded", staff=staff, client=a),
        "b_refunded": return_in_state("refunded", staff=staff, client=b),
        "a_requested": return_in_state("requested", staff=staff, client=a),
    }
