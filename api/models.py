"""The keys client systems call the API with: several per client account, each shown once and stored hashed."""

from django.conf import settings
from django.db import models

from rma.models import ClientAccount


class ApiKey(models.Model):
    """One key of a client account; only its SHA-256 is kept, and `prefix` tells keys apart on screens."""

    account = models.ForeignKey(ClientAccount, on_delete=models.CASCADE, related_name="api_keys")
    name = models.CharField(max_length=100, help_text="What the key is for, e.g. 'shop backend'.")
    prefix = models.CharField(max_length=16, help_text="The key's first characters, shown to tell keys apart.")
    digest = models.CharField(max_length=64, unique=True, help_text="SHA-256 of the key, hex.")
    created_at = models.DateTimeField()
    # Empty when issued from the server's shell (manage.py create_api_token).
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = "API key"
        ordering = ["-created_at"]
        permissions = [("revoke_apikey", "Can revoke API keys")]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.name})"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
