"""Sent when a return's last unit has its disposition; the refunds stage listens."""

from django.dispatch import Signal

# Sent with rma=<ReturnRequest> and actor=<User | None> inside the dispositioning transaction.
return_dispositioned = Signal()
