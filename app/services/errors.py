"""The one base of every error a service raises for input it cannot take.

Each subclass carries a message worded for the person who gave the input, so a view may catch
`ServiceError` and show its text. A broken invariant (a stored PDF that no longer matches its
hash, `referrals.ReferralIntegrityError`) is not one of these: it must reach the error page.
"""


class ServiceError(ValueError):
    """Input a service cannot take, worded for the person who gave it."""
