"""The benchmark's measurement core on a small database, so that bench/run.py cannot rot unseen: every row
of the performance table gets a figure, and the report names the machine it ran on."""

import json

import pytest

from bench.generate import generate
from bench.measure import Effort, measure_database
from bench.report import ROWS, build_report, format_table, machine_info
from tests import tools

# The request that counts a page's queries warms it up too.
FEW = Effort(requests=3, warm_up=0, labels=20, scans=40, scan_workers=4, pgbench_seconds=1)


# Committed data: the scans run in worker processes, each with its own connection.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_every_row_of_the_table_gets_a_figure_and_the_report_names_the_machine(postgres_only):
    tools.require_tool("pgbench", package="postgresql-client")
    generate(returns=1000)

    measured = measure_database(FEW)
    report = build_report(databases={"1k": measured}, machine=machine_info(postgresql=measured["postgresql"]))

    assert [row["key"] for row in report["rows"]] == [row.key for row in ROWS]
    for row in report["rows"]:
        figure = row["figures"]["1k"]
        assert figure["value"] > 0, row["label"]
        # The others compare with the smallest database's figure, or a fixed target.
        if row["baseline"] not in ("smallest", "target 100 ms"):
            assert figure["baseline"] > 0, row["label"]
    assert measured["figures"]["busy_return"]["queries"] > 0
    assert measured["figures"]["scans"]["scans"] == FEW.scans
    machine = json.loads(json.dumps(report))["machine"]
    assert {"cpu", "cores", "ram_gib", "postgresql", "python", "django", "commit"} <= machine.keys()
    assert "search by customer email" in format_table(report)
