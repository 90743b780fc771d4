"""Referral summary: context -> HTML (Jinja, autoescaped) -> PDF (WeasyPrint, locked-down fetcher).

The only resources a summary may load are the fonts packaged beside this module and data:
URIs (the clinic logo). Anything else (http:, https:, ftp:, any other file) is refused, so
text a user typed can never make the renderer fetch a URL or read a local file.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from sqlalchemy.orm import Session

from app.config import PROJECT_ROOT
from app.reports.context import referral_context

REPORTS_DIR = Path(__file__).resolve().parent
BASE_URL = REPORTS_DIR.as_uri() + "/"

_templates = Environment(
    loader=FileSystemLoader(PROJECT_ROOT / "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
    undefined=StrictUndefined,
)


@dataclass(frozen=True)
class RenderedPdf:
    pdf: bytes
    sha256: str
    refused: tuple[str, ...]


def render_pdf(html: str) -> RenderedPdf:
    # WeasyPrint is imported when a summary is first rendered, not with this module: every web
    # worker imports the services that queue summaries, and only the queue's workers render.
    from weasyprint import HTML

    from app.reports.fetcher import PackagedAssetFetcher

    fetcher = PackagedAssetFetcher()
    pdf = HTML(string=html, base_url=BASE_URL, url_fetcher=fetcher).write_pdf()
    return RenderedPdf(pdf, hashlib.sha256(pdf).hexdigest(), tuple(fetcher.refused))


def referral_html(context: dict) -> str:
    return _templates.get_template("reports/referral.html").render(**context)


def render_referral(session: Session, screening_id: int, *, generated_at: datetime) -> RenderedPdf:
    """The referral summary of one completed screening as a PDF."""
    return render_pdf(referral_html(referral_context(session, screening_id, generated_at=generated_at)))
