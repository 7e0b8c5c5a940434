"""pip-audit of our pinned versions (requirements*.txt) and of everything installed from them (.venv),
against the advisories the package index publishes for each release.

Fails on a known vulnerability. Where the advisory service cannot be reached (no network, or an index
mirror that does not publish per-release advisories), it says "skipped: unreachable" and passes: the
check runs where it can, and never fails a build for the network's sake.
"""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PIP_AUDIT = Path(sys.executable).with_name("pip-audit")
UNREACHABLE = ("ConnectionError", "NameResolutionError", "ConnectTimeout", "ReadTimeout", "Max retries exceeded")


def audit(label: str, arguments: list[str]) -> bool:
    """Prints what pip-audit found for one target; False when a known vulnerability is found."""
    result = subprocess.run(
        [str(PIP_AUDIT), "--progress-spinner", "off", "--format", "json", "--timeout", "15", *arguments],
        cwd=ROOT, capture_output=True, text=True,
    )
    try:
        report = json.loads(result.stdout)
    except json.JSONDecodeError:
        if any(sign in result.stderr for sign in UNREACHABLE):
            print(f"pip-audit {label}: skipped: unreachable (the advisory service did not answer)")
            return True
        print(f"pip-audit {label}: failed to run:\n{result.stderr}", file=sys.stderr)
        return False
    dependencies = report["dependencies"]
    skipped = [d for d in dependencies if d.get("skip_reason")]
    audited = [d for d in dependencies if not d.get("skip_reason")]
    vulnerable = [d for d in audited if d.get("vulns")]
    for dependency in vulnerable:
        for vuln in dependency["vulns"]:
            fixed = ", ".join(vuln.get("fix_versions") or []) or "no fixed release yet"
            print(f"VULNERABLE {dependency['name']}=={dependency['version']}: {vuln['id']} (fixed in {fixed})")
    if dependencies and not audited:
        print(f"pip-audit {label}: skipped: unreachable (the advisory service answered for none of the "
              f"{len(dependencies)} packages)")
        return True
    print(f"pip-audit {label}: {len(audited)} packages checked, {len(vulnerable)} with a known vulnerability"
          + (f"; not found on the index, so not checked: {', '.join(d['name'] for d in skipped)}" if skipped else ""))
    return not vulnerable


if __name__ == "__main__":
    requirements = [arg for path in sorted(ROOT.glob("requirements*.txt")) for arg in ("-r", path.name)]
    # --no-deps --disable-pip: the pins as written, without installing them into a scratch environment.
    pins_ok = audit("of the pins in requirements*.txt", ["--no-deps", "--disable-pip", *requirements])
    installed_ok = audit("of the installed packages", [])
    sys.exit(0 if pins_ok and installed_ok else 1)
