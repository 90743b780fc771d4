"""Run pip-audit on requirements.txt and say plainly what it could and could not check.

pip-audit asks PyPI's JSON API (or OSV) about each pinned version. Where that service cannot
be reached, or a package index mirror does not serve it, pip-audit skips the package and
still prints "No known vulnerabilities found". That is not a clean result, so this script
lists what was skipped and says the audit is incomplete. It fails (exit 1) only on a known
vulnerability: an unreachable service is reported, not turned into a spurious CI failure.
"""

from __future__ import annotations

import json
import subprocess  # nosec B404 - runs pip-audit, a fixed command
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    command = [
        sys.executable,
        "-m",
        "pip_audit",
        "--requirement",
        str(ROOT / "requirements.txt"),
        "--no-deps",
        "--disable-pip",
        "--format",
        "json",
        "--progress-spinner",
        "off",
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=600)  # noqa: S603  # nosec B603
    try:
        report = json.loads(result.stdout)
    except ValueError:
        print("pip-audit: NOT RUN to completion; the vulnerability service could not be asked:")
        print("  " + (result.stderr.strip().splitlines() or ["(no message)"])[-1])
        return 0
    audited = [dep for dep in report["dependencies"] if "skip_reason" not in dep]
    skipped = [dep for dep in report["dependencies"] if "skip_reason" in dep]
    vulnerable = [dep for dep in audited if dep.get("vulns")]
    for dep in vulnerable:
        for vuln in dep["vulns"]:
            fixed = ", ".join(vuln.get("fix_versions") or []) or "no fixed version yet"
            print(f"pip-audit: {dep['name']} {dep.get('version', '')}: {vuln['id']} (fixed in {fixed})")
    if skipped:
        print(
            f"pip-audit: INCOMPLETE: {len(skipped)} of {len(report['dependencies'])} pinned packages could not be "
            "checked (the vulnerability service or the index did not answer for them); this is not a clean result."
        )
        print("  not checked: " + ", ".join(dep['name'] for dep in skipped))
    if audited and not vulnerable:
        print(f"pip-audit: {len(audited)} package(s) checked, no known vulnerabilities.")
    return 1 if vulnerable else 0


if __name__ == "__main__":
    sys.exit(main())
