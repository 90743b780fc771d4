"""Clinicians: the worklist, each patient's history, reviews, referrals and their PDFs."""

from app.clinician.commands import export_referrals_command
from app.clinician.views import bp

bp.cli.add_command(export_referrals_command)

__all__ = ["bp"]
