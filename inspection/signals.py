"""Sent when the last unit of a return has been inspected; later stages listen (rma → inspection → ...)."""

from django.dispatch import Signal

# Sent with rma=<ReturnRequest> and actor=<User> inside the inspecting transaction.
return_inspected = Signal()
