"""Dock scans through rma.services.receive_scan from several worker processes at once, each with its own
database connection, beside what the same server does for pgbench's simple transactions at that concurrency.

The mix is a dock's day: 80 % valid RANs of returns awaiting their parcel, 10 % duplicates (a parcel scanned
again after it was received), 5 % mistyped RANs (one symbol changed) and 5 % unknown parcel codes.
"""

import multiprocessing
import random
import re
import subprocess
import time

from django.db import connections

SHARE_DUPLICATE, SHARE_MISTYPED, SHARE_UNKNOWN = 0.10, 0.05, 0.05


def one_symbol_changed(ran: str) -> str:
    position = len("RA-")
    return ran[:position] + ("7" if ran[position] != "7" else "8") + ran[position + 1:]


def scan_mix(rans: list[str], total: int, rng: random.Random) -> list[str]:
    """Valid RANs in random order, each duplicate after its first scan, mistyped and unknown codes anywhere."""
    duplicates, mistyped, unknown = (round(total * share) for share in (SHARE_DUPLICATE, SHARE_MISTYPED, SHARE_UNKNOWN))
    valid = total - duplicates - mistyped - unknown
    codes = rng.sample(rans, valid)
    for ran in rng.sample(codes, duplicates):
        codes.insert(rng.randint(codes.index(ran) + 1, len(codes)), ran)
    for code in [one_symbol_changed(ran) for ran in rng.sample(codes, mistyped)] + [
        f"JJD{rng.randrange(10**17, 10**18)}" for _ in range(unknown)
    ]:
        codes.insert(rng.randint(0, len(codes)), code)
    return codes


def valid_share(total: int) -> int:
    return total - round(total * (SHARE_DUPLICATE + SHARE_MISTYPED + SHARE_UNKNOWN))


def _scan_all(task: tuple[int, list[str]]) -> tuple[float, float, list[str]]:
    """One dock worker (a process of its own, so its own connection): its start, end and each scan's result."""
    from django.contrib.auth import get_user_model

    from rma.services import receive_scan

    actor_pk, codes = task
    actor = get_user_model().objects.get(pk=actor_pk)
    started = time.time()
    results = [receive_scan(code=code, actor=actor).result for code in codes]
    ended = time.time()
    connections.close_all()
    return started, ended, results


def measure_scans(*, actor_pk: int, total: int, workers: int, seed: int = 2026) -> dict:
    """Scans per second of `workers` processes scanning `total` codes between them, RANs of awaiting returns."""
    from rma.models import ReturnRequest
    from rma.states import AWAITING_PARCEL

    rans = list(
        ReturnRequest.objects.filter(state__in=AWAITING_PARCEL, ran__isnull=False)
        .order_by("-pk").values_list("ran", flat=True)[: valid_share(total)]
    )
    if len(rans) < valid_share(total):
        raise SystemExit(f"{len(rans)} returns await their parcel: too few for {total} scans")
    codes = scan_mix(rans, total, random.Random(seed))
    # A duplicate is scanned by the same worker as its first scan, as one dock would.
    shares = [[] for _ in range(workers)]
    owner: dict[str, int] = {}
    for position, code in enumerate(codes):
        shares[owner.setdefault(code, position % workers)].append(code)
    connections.close_all()  # the workers are forked: none may share this process's connection
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        outcomes = pool.map(_scan_all, [(actor_pk, share) for share in shares])
    started, ended = min(o[0] for o in outcomes), max(o[1] for o in outcomes)
    results = [result for outcome in outcomes for result in outcome[2]]
    return {"scans": len(results), "workers": workers, "seconds": ended - started,
            "per_second": len(results) / (ended - started),
            "results": {result: results.count(result) for result in sorted(set(results))}}


def pgbench_tps(*, database_url: str, clients: int, seconds: int) -> float:
    """pgbench's simple-update transactions per second (-N) at `clients`, in pgbench's own tables of the
    database, dropped afterwards."""
    subprocess.run(["pgbench", "-i", "-q", "-s", "1", database_url], check=True, capture_output=True)
    try:
        run = subprocess.run(
            ["pgbench", "-N", "-c", str(clients), "-j", str(clients), "-T", str(seconds), database_url],
            check=True, capture_output=True, text=True,
        )
    finally:
        subprocess.run(["pgbench", "-i", "-I", "d", database_url], check=True, capture_output=True)
    found = re.search(r"tps = ([\d.]+)", run.stdout)
    if found is None:
        raise SystemExit(f"pgbench gave no tps: {run.stdout}")
    return float(found.group(1))
