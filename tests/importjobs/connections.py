"""Work done meanwhile by someone else: on a database connection of its own, as another request would."""

import threading

from django.db import connections


def in_another_connection(work) -> None:
    """Run `work` in a thread, so on a database connection of its own, and re-raise what it raised."""
    failures = []

    def run():
        try:
            work()
        except Exception as error:  # re-raised in the test's thread
            failures.append(error)
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    if failures:
        raise failures[0]
