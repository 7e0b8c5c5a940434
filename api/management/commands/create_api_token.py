"""manage.py create_api_token <username> [--name NAME]: a new API key for a client account, printed last."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from api.services import issue_api_key
from core.actors import SystemActor
from core.errors import DomainError

SHELL = SystemActor(job="create_api_token")


class Command(BaseCommand):
    help = "Issue an API key for a client account; the key is printed once, as the last line."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--name", default="issued on the server", help="What the key is for.")

    def handle(self, *args, username: str, name: str, **options):
        user = get_user_model().objects.filter(username=username).select_related("client_account").first()
        if user is None:
            raise CommandError(f"No user is called {username}.")
        account = getattr(user, "client_account", None)
        if account is None:
            raise CommandError(f"{username} is not a client account: only client accounts hold API keys.")
        try:
            issued = issue_api_key(account=account, actor=SHELL, name=name)
        except DomainError as error:
            raise CommandError(error.message) from None
        self.stdout.write(f"API key '{issued.record.name}' for {account.client} ({username}), shown only now:")
        self.stdout.write(issued.key)
