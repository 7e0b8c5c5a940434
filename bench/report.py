"""The performance table: each figure of each database beside its baseline and its targets, as text and as
JSON, with the machine it was measured on."""

import os
import platform
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LIST_LIMIT_MS, LIST_GROWTH = 150, 1.5


@dataclass(frozen=True)
class Row:
    key: str
    label: str
    unit: str
    # From one database's figures: the figure, its query count (pages only) and its own baseline (if any).
    read: Callable[[dict], tuple[float, int | None, float | None]]
    baseline: str
    # (figure, the smallest database's figure, this database's baseline) -> [(target, met)]
    checks: Callable[[float, float, float | None], list[tuple[str, bool]]]


def _page(key: str) -> Callable[[dict], tuple[float, int | None, float | None]]:
    return lambda figures: (figures[key]["p95_ms"], figures[key]["queries"], figures[key].get("baseline_ms"))


def _list_checks(value: float, smallest: float, _baseline: float | None) -> list[tuple[str, bool]]:
    return [(f"≤ {LIST_GROWTH}× smallest", value <= LIST_GROWTH * smallest), (f"≤ {LIST_LIMIT_MS} ms",
                                                                              value <= LIST_LIMIT_MS)]


def _search_checks(value: float, smallest: float, baseline: float | None) -> list[tuple[str, bool]]:
    return [*_list_checks(value, smallest, baseline), ("≤ 0.1× icontains", value <= 0.1 * baseline)]


def _at_most(limit_ms: float) -> Callable[[float, float, float | None], list[tuple[str, bool]]]:
    return lambda value, _smallest, _baseline: [(f"≤ {limit_ms:g} ms", value <= limit_ms)]


def _at_least_of_baseline(share: float) -> Callable[[float, float, float | None], list[tuple[str, bool]]]:
    return lambda value, _smallest, baseline: [(f"≥ {share}× baseline", value >= share * baseline)]


def _export(file_format: str) -> Callable[[dict], tuple[float, int | None, float | None]]:
    return lambda figures: (figures["exports"][file_format]["ours"]["rows_per_second"], None,
                            figures["exports"][file_format]["import_export"]["rows_per_second"])


def _none(*_arguments) -> list[tuple[str, bool]]:
    return []


SEARCHES = [("email", "customer email"), ("order_number", "order number"), ("tracking_number", "tracking number"),
            ("serial", "serial number")]
ROWS = [
    Row("returns_page_1", "returns list page 1", "ms p95", _page("returns_page_1"), "smallest", _list_checks),
    Row("returns_page_200", "returns list page 200", "ms p95", _page("returns_page_200"), "smallest", _list_checks),
    *[Row(f"search_{kind}", f"search by {name}", "ms p95", _page(f"search_{kind}"), "icontains, same scale",
          _search_checks) for kind, name in SEARCHES],
    Row("dashboard", "dashboard", "ms p95", _page("dashboard"), "smallest", _at_most(150)),
    Row("reports_30_days", "reports page, last 30 days", "ms p95", _page("reports_30_days"), "smallest",
        _at_most(1000)),
    Row("events_list", "events list", "ms p95", _page("events_list"), "smallest", _list_checks),
    Row("busy_return", "a return with 3,000 events", "ms p95", _page("busy_return"), "target 100 ms",
        _at_most(100)),
    Row("scans", "dock scans, 4 workers", "scans/s",
        lambda figures: (figures["scans"]["per_second"], None, figures["scans"]["pgbench_tps"]),
        "pgbench -N tps, 4 clients", _at_least_of_baseline(0.15)),
    Row("labels", "label PDFs, bulk print", "labels/s",
        lambda figures: (figures["labels"]["per_second"], None, figures["labels"]["bare_pages_per_second"]),
        "bare Code128 pages/s", _at_least_of_baseline(0.4)),
    Row("export_csv", "export CSV", "rows/s", _export("csv"), "import-export Resource.export()", _none),
    Row("export_xlsx", "export XLSX", "rows/s", _export("xlsx"), "import-export Resource.export()", _none),
]


def scale_name(returns: int) -> str:
    return f"{returns // 1_000_000}m" if returns >= 1_000_000 else f"{returns // 1000}k"


def build_report(*, databases: dict[str, dict], machine: dict) -> dict:
    """`databases`: bench.measure.measure_database's result per scale name, smallest first."""
    smallest = next(iter(databases.values()))["figures"]
    rows = []
    for row in ROWS:
        first = row.read(smallest)[0]
        cells = {}
        for scale, measured in databases.items():
            value, queries, baseline = row.read(measured["figures"])
            cells[scale] = {"value": value, "queries": queries, "baseline": baseline,
                            "targets": [{"target": target, "met": met}
                                        for target, met in row.checks(value, first, baseline)]}
            if row.key.startswith("export_"):
                measured_export = measured["figures"]["exports"][row.key.removeprefix("export_")]
                cells[scale]["peak_mb"] = measured_export["ours"]["peak_mb"]
                cells[scale]["baseline_peak_mb"] = measured_export["import_export"]["peak_mb"]
        rows.append({"key": row.key, "label": row.label, "unit": row.unit, "baseline": row.baseline,
                     "figures": cells})
    return {"machine": machine, "rows": rows, "databases": databases}


def _cell(cell: dict) -> str:
    text = f"{cell['value']:,.1f}" if cell["value"] < 100 else f"{cell['value']:,.0f}"
    if cell["queries"] is not None:
        text += f" ({cell['queries']} q)"
    if "peak_mb" in cell:
        text += f", peak {cell['peak_mb']:,.0f} MB"
    missed = [target["target"] for target in cell["targets"] if not target["met"]]
    if cell["targets"]:
        text += " pass" if not missed else f" MISS {'; '.join(missed)}"
    return text


def _baseline_cell(row: dict, scales: list[str]) -> str:
    if row["baseline"] in ("smallest", "target 100 ms"):
        return row["baseline"] if row["baseline"] != "smallest" else f"the {scales[0]} figure"
    values = []
    for scale in scales:
        cell = row["figures"][scale]
        value = f"{cell['baseline']:,.0f}" if cell["baseline"] >= 100 else f"{cell['baseline']:,.1f}"
        if "baseline_peak_mb" in cell:
            value += f", peak {cell['baseline_peak_mb']:,.0f} MB"
        values.append(value)
    return f"{row['baseline']}: {' / '.join(values)}"


def format_table(report: dict) -> str:
    scales = list(report["databases"])
    header = ["page or action", "unit", *[f"{scale} returns" for scale in scales], "baseline"]
    lines = [header] + [
        [row["label"], row["unit"], *[_cell(row["figures"][scale]) for scale in scales], _baseline_cell(row, scales)]
        for row in report["rows"]
    ]
    widths = [max(len(line[column]) for line in lines) for column in range(len(header))]
    text = [" | ".join(value.ljust(width) for value, width in zip(line, widths, strict=True)) for line in lines]
    text.insert(1, "-+-".join("-" * width for width in widths))
    machine = report["machine"]
    text.append(f"\n{machine['cpu']}, {machine['cores']} cores, {machine['ram_gib']} GiB RAM, "
                f"PostgreSQL {machine['postgresql']}, Python {machine['python']}, Django {machine['django']}, "
                f"commit {machine['commit']}, load average {machine['load_average']}")
    return "\n".join(text)


def machine_info(*, postgresql: str) -> dict:
    import django

    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    memory_kib = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                      if line.startswith("MemTotal:"))
    commit = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short=12", "HEAD"], capture_output=True,
                            text=True).stdout.strip()
    dirty = subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain", "--untracked-files=no"],
                           capture_output=True, text=True).stdout.strip()
    return {"cpu": cpu, "cores": os.cpu_count(), "ram_gib": round(memory_kib / 2**20, 1), "postgresql": postgresql,
            "python": platform.python_version(), "django": django.get_version(),
            "commit": commit + (" (with uncommitted changes)" if dirty else ""),
            "load_average": " ".join(f"{load:.1f}" for load in os.getloadavg())}
