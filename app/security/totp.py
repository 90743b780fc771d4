"""Time-based one-time codes (RFC 6238: 6 digits, 30-second steps), as authenticator apps make them."""

from __future__ import annotations

import hmac
import io
from datetime import datetime

ISSUER = "Tallyform"
# One step either side: a phone clock a little off, or a code typed as it changed.
ALLOWED_DRIFT_STEPS = 1


def _pyotp():
    # Imported when a code is made or checked, not when the app starts: importing it took a
    # twentieth of every web worker's and command's start-up.
    import pyotp

    return pyotp


def new_totp_secret() -> str:
    return _pyotp().random_base32()


def accepted_totp_step(secret: str, code: str, now: datetime, *, after: int | None = None) -> int | None:
    """The time step `code` belongs to, if it is valid at `now` and later than `after`
    (the step last accepted: a code seen once is never accepted again); otherwise None."""
    code = "".join(code.split())
    if len(code) != 6 or not code.isdigit():
        return None
    totp = _pyotp().TOTP(secret)
    current = totp.timecode(now)
    for step in range(current - ALLOWED_DRIFT_STEPS, current + ALLOWED_DRIFT_STEPS + 1):
        if (after is None or step > after) and hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def provisioning_uri(secret: str, account_name: str) -> str:
    return _pyotp().TOTP(secret).provisioning_uri(name=account_name, issuer_name=ISSUER)


def qr_code_svg(uri: str) -> str:
    """The enrolment QR code as an SVG element for inline use (no script, no style attribute)."""
    import segno  # when it is needed, as app/checkin/qr.py does: its import is slow

    buffer = io.BytesIO()
    segno.make(uri, error="m").save(
        buffer, kind="svg", scale=5, border=2, xmldecl=False, svgns=True, title="Two-factor enrolment QR code"
    )
    return buffer.getvalue().decode("utf-8")
