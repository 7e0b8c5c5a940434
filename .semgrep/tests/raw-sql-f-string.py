# Fixture of the raw-SQL rule: `semgrep --test --config .semgrep .semgrep/tests` (scripts/static_analysis.sh).
from django.db import connection
from django.db.models.expressions import RawSQL

from rma.models import ReturnRequest


def returns_of(client_code):
    with connection.cursor() as cursor:
        # ruleid: raw-sql-built-from-strings
        cursor.execute(f"SELECT id FROM rma_returnrequest WHERE client_code = '{client_code}'")
        # ruleid: raw-sql-built-from-strings
        cursor.execute("SELECT id FROM rma_returnrequest WHERE ran = '{}'".format(client_code))
        # ruleid: raw-sql-built-from-strings
        cursor.execute("SELECT id FROM rma_returnrequest WHERE ran = '%s'" % client_code)
        # ok: raw-sql-built-from-strings
        cursor.execute("SELECT id FROM rma_returnrequest WHERE ran = %s", [client_code])
        query = f"DELETE FROM rma_returnrequest WHERE ran = '{client_code}'"
        # ruleid: raw-sql-built-from-strings
        cursor.execute(query)


def raw_returns(ran):
    # ruleid: raw-sql-built-from-strings
    rows = ReturnRequest.objects.raw(f"SELECT * FROM rma_returnrequest WHERE ran = '{ran}'")
    # ok: raw-sql-built-from-strings
    same = ReturnRequest.objects.raw("SELECT * FROM rma_returnrequest WHERE ran = %s", [ran])
    return rows, same


def annotated(days):
    # ruleid: raw-sql-built-from-strings
    late = RawSQL(f"now() - interval '{days} days'", [])
    # ok: raw-sql-built-from-strings
    safe = RawSQL("now() - make_interval(days => %s)", [days])
    # ruleid: raw-sql-built-from-strings
    extra = ReturnRequest.objects.extra(where=[f"ran = '{days}'"])
    return late, safe, extra
