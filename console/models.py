from rma.models import ClientAccount


class ConsoleAccount(ClientAccount):
    """A client account seen as a console login: made from the admin with a password, never with staff rights."""

    class Meta:
        proxy = True
        verbose_name = "console user"
