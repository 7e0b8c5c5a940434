"""The back office's pages as a manager opens them, through Django's test client against the real database:
the 95th percentile of `requests` requests after a few to warm up, and the queries one request makes."""

import datetime as dt
import math
import time
from collections.abc import Callable
from urllib.parse import urlencode

from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

LIST_PAGE = 200
ADMIN_PAGE_SIZE = 50


def p95(seconds: list[float]) -> float:
    """The nearest-rank 95th percentile, in milliseconds."""
    ranked = sorted(seconds)
    return ranked[math.ceil(0.95 * len(ranked)) - 1] * 1000


def timed(run: Callable[[], object], requests: int, warm_up: int) -> float:
    for _ in range(warm_up):
        run()
    seconds = []
    for _ in range(requests):
        started = time.perf_counter()
        run()
        seconds.append(time.perf_counter() - started)
    return p95(seconds)


def page_figure(browser: Client, url: str, requests: int, warm_up: int) -> dict:
    """p95 in ms and the query count of GET `url`, which must answer 200."""

    def get():
        response = browser.get(url)
        if response.status_code != 200:
            raise SystemExit(f"GET {url} answered {response.status_code}")
        return response

    queries = []

    def count(execute, sql, params, many, context):
        queries.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        get()
    return {"url": url, "p95_ms": timed(get, requests, warm_up), "queries": len(queries)}


def search_terms() -> dict[str, str]:
    """A customer email, an order number, a tracking number and a serial number of returns in the middle
    of the list: each names one return, or a few."""
    from rma.models import ReturnItem, ReturnRequest

    shipped = ReturnRequest.objects.exclude(tracking_number="")
    rma = shipped.select_related("customer", "order").order_by("pk")[shipped.count() // 2]
    serials = ReturnItem.objects.exclude(serial_number="").order_by("pk").values_list("serial_number", flat=True)
    serial = serials[serials.count() // 2]
    return {"email": rma.customer.email, "order_number": rma.order.number, "tracking_number": rma.tracking_number,
            "serial": serial}


def icontains_baselines() -> dict[str, Callable[[str], object]]:
    """For each search, a plain single-column `icontains` through the ORM, first page of ids."""
    from rma.models import Customer, Order, ReturnItem, ReturnRequest

    def first_page(queryset):
        return lambda term: list(queryset(term).values_list("pk", flat=True)[:ADMIN_PAGE_SIZE])

    return {
        "email": first_page(lambda term: Customer.objects.filter(email__icontains=term)),
        "order_number": first_page(lambda term: Order.objects.filter(number__icontains=term)),
        "tracking_number": first_page(lambda term: ReturnRequest.objects.filter(tracking_number__icontains=term)),
        "serial": first_page(lambda term: ReturnItem.objects.filter(serial_number__icontains=term)),
    }


def measure_pages(*, manager, requests: int, warm_up: int, busy_return_pk: int) -> dict:
    """Every page of the table, keyed as bench.report names the rows."""
    from rma.models import ReturnRequest

    browser = Client()
    browser.force_login(manager)
    returns = reverse("admin:rma_returnrequest_changelist")
    last_page = max(1, math.ceil(ReturnRequest.objects.count() / ADMIN_PAGE_SIZE))
    today = timezone.localdate()
    reports = reverse("admin:reports") + f"?date_from={today - dt.timedelta(days=29)}&date_to={today}"
    figures = {
        "returns_page_1": page_figure(browser, returns, requests, warm_up),
        "returns_page_200": page_figure(browser, f"{returns}?p={min(LIST_PAGE, last_page)}", requests, warm_up),
        "dashboard": page_figure(browser, reverse("admin:index"), requests, warm_up),
        "reports_30_days": page_figure(browser, reports, requests, warm_up),
        "events_list": page_figure(browser, reverse("admin:rma_returnevent_changelist"), requests, warm_up),
        "busy_return": page_figure(
            browser, reverse("admin:rma_returnrequest_change", args=[busy_return_pk]), requests, warm_up),
    }
    baselines = icontains_baselines()
    for kind, term in search_terms().items():
        figure = page_figure(browser, f"{returns}?{urlencode({'q': term})}", requests, warm_up)
        figure["baseline_ms"] = timed(lambda kind=kind, term=term: baselines[kind](term), requests, warm_up)
        figures[f"search_{kind}"] = figure
    return figures
