"""What follows on its own when a later stage moves a return on: one step per state, registered once.

The whole chain is declared in one place, by the last stage (refunds/chain.py, registered when the
refunds app starts), because only it may import every stage it calls. rma.later_stages runs the step
of the state a return reaches, inside the transaction of the contract function that moved it, so a
caller sees the whole chain done when the function returns.
"""

from collections.abc import Callable

from django.core.exceptions import ImproperlyConfigured

from core.actors import Actor
from rma.models import ReturnRequest

Step = Callable[..., object]  # called as step(rma=<locked ReturnRequest>, actor=<the actor who moved it>)

_steps: dict[str, Step] = {}


def register(state: str, step: Step) -> None:
    if _steps.get(state, step) is not step:
        raise ImproperlyConfigured(f"Returns reaching '{state}' already go on through {_steps[state].__qualname__}.")
    _steps[state] = step


def steps() -> dict[str, Step]:
    """The chain as registered, by the state that sets each step off (for tests and docs)."""
    return dict(_steps)


def continue_after(*, rma: ReturnRequest, actor: Actor) -> None:
    step = _steps.get(rma.state)
    if step is not None:
        step(rma=rma, actor=actor)
