"""docs/api.md: its curl examples run, in order, against a live server, and do what the text says."""

import re
import subprocess
from pathlib import Path

import pytest

from api.services import issue_api_key
from tests.factories import client_account, client_with_policy, user_in

# Keeps the data migrations' rows for the transactional tests that come after (as the browser tests do).
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
DOC = Path(__file__).resolve().parents[2] / "docs" / "api.md"


# serialized_rollback: the live server needs committed data, and the groups of the migrations must survive.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_quick_starts_examples_run(live_server, tmp_path):
    client = client_with_policy(auto_authorize=True)
    key = issue_api_key(account=client_account(client).client_account, actor=user_in("manager"), name="docs").key
    script = "\n".join(re.findall(r"```bash\n(.*?)```", DOC.read_text(), flags=re.S))
    result = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script], cwd=tmp_path, capture_output=True, text=True, timeout=120,
        env={"PATH": "/usr/bin:/bin", "BASE_URL": live_server.url, "API_KEY": key},
    )
    assert result.returncode == 0, result.stdout + result.stderr
    ran = client.returns.get().ran
    assert result.stdout.split() == [
        "0",  # no returns yet
        "HW-10023", "authorized", ran, "%PDF", "return.requested", "return.authorized",
    ]
