"""OperationOutcome: how a FHIR server says what went wrong."""

from __future__ import annotations


def operation_outcome(diagnostics: str, *, code: str = "invalid", expression: str | None = None) -> dict:
    issue = {"severity": "error", "code": code, "diagnostics": diagnostics}
    if expression:
        issue["expression"] = [expression]
    return {"resourceType": "OperationOutcome", "issue": [issue]}
