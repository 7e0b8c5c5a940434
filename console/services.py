"""Console accounts: the people at a client who read the console, made by the facility's managers."""

from django.contrib.auth.models import User
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction

from core.actors import Actor, StaffActor, require
from core.errors import InvalidInput, PermissionRefused
from rma.models import Client, ClientAccount


@transaction.atomic
def create_console_user(*, client: Client, username: str, email: str, password: str, actor: Actor) -> ClientAccount:
    """A password login for one of the client's people: a client account, never staff rights or groups."""
    actor = require(actor, "rma.add_clientaccount", action="create console users for a client", on=client)
    if not isinstance(actor, StaffActor):
        raise PermissionRefused("Only the facility's managers create console users.")
    username = username.strip()
    if not username:
        raise InvalidInput("Give the console user a user name.")
    if User.objects.filter(username__iexact=username).exists():
        raise InvalidInput(f"The user name {username!r} is taken.")
    user = User(username=username, email=email.strip(), is_staff=False, is_superuser=False)
    try:
        validate_password(password, user)
    except ValidationError as invalid:
        raise InvalidInput(" ".join(invalid.messages)) from invalid
    user.set_password(password)
    user.save()
    return ClientAccount.objects.create(user=user, client=client)
