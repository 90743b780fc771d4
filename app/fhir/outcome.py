"""OperationOutcome: how a FHIR server says what went wrong, or what to be careful of."""

from __future__ import annotations


def issue(diagnostics: str, *, severity: str = "error", code: str = "invalid", expression: str | None = None) -> dict:
    result = {"severity": severity, "code": code, "diagnostics": diagnostics}
    if expression:
        result["expression"] = [expression]
    return result


def operation_outcome(diagnostics: str, *, code: str = "invalid", expression: str | None = None) -> dict:
    return {"resourceType": "OperationOutcome", "issue": [issue(diagnostics, code=code, expression=expression)]}


def outcome_of(issues: list[dict]) -> dict:
    return {"resourceType": "OperationOutcome", "issue": issues}
