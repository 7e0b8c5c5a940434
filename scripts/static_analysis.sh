#!/usr/bin/env bash
# Static analysis, run by `make test` after ruff (and so by CI):
#   bandit -ll     medium and high findings in our Python (config: [tool.bandit] in pyproject.toml); each
#                  `# nosec` names its test ids, with the reason in a comment above it
#   pip-audit      the pinned versions and the installed packages against the index's advisories, where
#                  the advisory service answers ("skipped: unreachable" otherwise: scripts/audit_dependencies.py)
#   semgrep        our own rules in .semgrep/ (a lifecycle state written directly, float money, mark_safe on
#                  data, raw SQL built from strings): first each rule against its fixture in .semgrep/tests/
#                  (`# ruleid:` lines must match, `# ok:` lines must not), then the repository, failing on any
#                  finding. A finding that is right as it is carries `# nosemgrep: RULE` with its reason.
# semgrep lives in a virtualenv of its own (.venv-semgrep, requirements-semgrep.txt): its pins of click and
# jsonschema would downgrade those that Celery and schemathesis use in .venv.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
BIN="${BIN:-.venv/bin}"
SEMGREP="${SEMGREP:-.venv-semgrep/bin/semgrep}"
# Nothing leaves the machine: no usage metrics, no check for a newer semgrep.
export SEMGREP_SEND_METRICS=off SEMGREP_ENABLE_VERSION_CHECK=0

echo "static analysis: bandit"
"$BIN/bandit" -c pyproject.toml -ll -q -r .

echo "static analysis: pip-audit"
"$BIN/python" scripts/audit_dependencies.py

echo "static analysis: semgrep rules against their fixtures"
# Run from inside .semgrep/: semgrep's test mode passes over hidden folders named on its command line.
(cd .semgrep && "../$SEMGREP" --metrics=off --quiet --test --config . tests)
echo "static analysis: semgrep over the repository"
"$SEMGREP" scan --metrics=off --quiet --error --config .semgrep .
echo "static analysis: clean"
