"""Referral summary: context -> HTML (Jinja, autoescaped) -> PDF (WeasyPrint, locked-down fetcher).

The only resources a summary may load are the fonts packaged beside this module and data:
URIs (the clinic logo). Anything else (http:, https:, ftp:, any other file) is refused, so
text a user typed can never make the renderer fetch a URL or read a local file.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
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


# Tagged (a screen reader can follow headings, tables and reading order) and archival: PDF/A-2
# level A embeds every font and declares itself in XMP metadata, so a summary filed in a record
# today still opens and reads the same in years. Level A requires the tags.
PDF_OPTIONS = {"pdf_variant": "pdf/a-2a", "pdf_tags": True, "output_intent": "report-srgb"}


@cache
def _srgb_profile() -> bytes:
    return (files("weasyprint.pdf") / "sRGB2014.icc").read_bytes()


def pdf_options() -> dict:
    """WeasyPrint's write_pdf options for every summary. PDF/A's output intent is WeasyPrint's
    own sRGB profile, read once and handed over as ours: WeasyPrint 70 leaves the profile's
    file open on every render when it reads the profile itself."""
    from weasyprint.css import ColorProfile

    rgb = (["r"], ["g"], ["b"])
    profile = ColorProfile(io.BytesIO(_srgb_profile()), "sRGB2014.icc", "relative-colorimetric", rgb)
    return {**PDF_OPTIONS, "color_profiles": {"report-srgb": profile}}


def render_pdf(html: str) -> RenderedPdf:
    # WeasyPrint is imported when a summary is first rendered, not with this module: every web
    # worker imports the services that queue summaries, and only the queue's workers render.
    from weasyprint import HTML

    from app.reports.fetcher import PackagedAssetFetcher

    fetcher = PackagedAssetFetcher()
    pdf = HTML(string=html, base_url=BASE_URL, url_fetcher=fetcher).write_pdf(**pdf_options())
    return RenderedPdf(pdf, hashlib.sha256(pdf).hexdigest(), tuple(fetcher.refused))


def referral_html(context: dict) -> str:
    return _templates.get_template("reports/referral.html").render(**context)


def render_referral(session: Session, screening_id: int, *, generated_at: datetime) -> RenderedPdf:
    """The referral summary of one completed screening as a PDF."""
    return render_pdf(referral_html(referral_context(session, screening_id, generated_at=generated_at)))
