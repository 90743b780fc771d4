"""The referral summary PDF, read back as text: what it says, where, and what it never loads."""

from __future__ import annotations

import io
import re
import shutil
import struct
import threading
import zlib
from datetime import date, timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from app.config import PROJECT_ROOT
from app.db import utcnow
from app.instruments.registry import InstrumentRegistry
from app.models import Clinic
from app.reports.fetcher import FONTS_DIR, PackagedAssetFetcher, RefusedResourceError
from app.reports.render import render_pdf, render_referral
from tests.fixtures import at, latest_screening_id

ITEM9 = "Thoughts that you would be better off dead or of hurting yourself in some way"


def _render(app, screening_id: int) -> PdfReader:
    from app.extensions import db

    with app.app_context():
        return PdfReader(io.BytesIO(render_referral(db.session, screening_id, generated_at=utcnow()).pdf))


def _text(reader: PdfReader) -> str:
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def test_urgent_summary_shows_scores_bands_flags_answers_citations_and_the_safety_box(app, session, demo):
    reader = _render(app, latest_screening_id(session, "James Okafor"))
    text = _text(reader)
    first_page = " ".join(reader.pages[0].extract_text().split())
    # the urgent box is on the first page, quoting item 9 and the answer given
    assert "Safety item endorsed (PHQ-9 item 9)" in first_page
    assert f"Item 9: “{ITEM9}”" in first_page
    assert "Answer given: Several days" in first_page
    for expected in (
        "Riverside Integrated Care",
        "James Okafor",
        "MRN 100871",
        "DATE OF BIRTH 02 Nov 1965",
        "SCREENING COMPLETED 24 Nov 2026, 10:05 CST",  # 16:05 UTC shown in America/Chicago
        "Score: 20 (range 0–27) · Band: Severe",
        "Score: 14 (range 0–21) · Band: Moderate",
        "Further evaluation recommended (GAD-7 10 or more)",
        "Major depressive syndrome (provisional)",
        "Little interest or pleasure in doing things Nearly every day (3)",
        f"{ITEM9} Several days (1)",
        "Feeling afraid as if something awful might happen More than half the days (2)",
        "J Gen Intern Med. 2001;16(9):606–613",
        "Arch Intern Med. 2006;166(10):1092–1097",
        "A screening result is not a diagnosis.",
        "+11 reliable change",  # PHQ-9 9 -> 20 since August
        "Reliable change: 6 points or more (threshold not verified). Source: NHS Talking Therapies",
    ):
        assert expected in text, expected
    assert re.search(r"Instrument version [0-9a-f]{12}", text)


def test_summary_without_a_positive_safety_item_has_no_urgent_box(app, session, demo):
    text = _text(_render(app, latest_screening_id(session, "Maria Alvarez")))
    assert "Safety item endorsed" not in text
    assert "Answer given" not in text
    assert "Score: 3 (range 0–27) · Band: None–minimal" in text


def test_ace_and_pss10_carry_their_caveats_norms_and_non_validated_band_label(app, session, demo):
    first_visit = sorted(
        session.execute(sa.text("SELECT id FROM screening WHERE packet_name = 'New patient' ORDER BY id")).scalars()
    )[0]
    text = _text(_render(app, first_visit))
    assert "Non-validated convention, not from the scale's authors" in text
    assert "Published norms for comparison" in text
    assert "Cohen & Williamson 1988" in text
    assert "the ACE score is neither a diagnostic tool nor is it predictive at the individual level" in text
    assert "Score: 4 (range 0–10) · Band: High risk" in text  # 4 Yes answers: high whatever the AAHC status


def test_summary_metadata_is_set(app, session, demo):
    reader = _render(app, latest_screening_id(session, "James Okafor"))
    meta = reader.metadata
    assert meta.title.startswith("Referral summary: James Okafor")
    assert meta.author == "Riverside Integrated Care"
    assert "not a diagnosis" in meta.subject
    assert meta.creation_date is not None


@pytest.mark.parametrize(("paper_size", "width_pt", "height_pt"), [("Letter", 612, 792), ("A4", 595, 842)])
def test_paper_size_follows_the_clinic_setting(app, session, demo, paper_size, width_pt, height_pt):
    session.get(Clinic, demo).paper_size = paper_size
    session.commit()
    box = _render(app, latest_screening_id(session, "James Okafor")).pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (width_pt, height_pt)


def test_fonts_are_the_packaged_ones(app, session, demo):
    reader = _render(app, latest_screening_id(session, "Maria Alvarez"))
    fonts = {
        str(font.get_object()["/BaseFont"]) for page in reader.pages for font in page["/Resources"]["/Font"].values()
    }
    assert fonts
    assert all("Report-Sans" in font for font in fonts)


def test_long_history_paginates_with_patient_name_and_birth_date_on_every_page(app, demo_clinic):
    patient = demo_clinic.patient("Long History", "900100", date(1970, 5, 6))
    last = None
    for week in range(60):
        answers = {"phq9": [week % 4, 1, 1, 1, 0, 0, 0, 0, 0, 1], "gad7": [1, week % 4, 1, 1, 0, 0, 0]}
        last = demo_clinic.screening(patient, answers, at(2024, 1, 1) + timedelta(weeks=week))
    reader = _render(app, last)
    pages = len(reader.pages)
    # sixty screenings are a sparkline and a change on page 1, not pages of tables
    assert pages == 2
    assert "60 screenings since 01 Jan 2024" in " ".join(reader.pages[0].extract_text().split())
    for number, page in enumerate(reader.pages, start=1):
        words = " ".join(page.extract_text().split())
        assert "Long History · DOB 06 May 1970" in words, number
        assert f"Page {number} of {pages}" in words, number


def test_item_wording_comes_from_the_version_the_patient_saw(app, demo_clinic, tmp_path):
    shutil.copytree(PROJECT_ROOT / "questionnaires", tmp_path / "questionnaires")
    phq9 = tmp_path / "questionnaires" / "phq9.yaml"
    phq9.write_text(
        phq9.read_text().replace("Poor appetite or overeating", "Poor appetite or overeating (older wording)")
    )
    older = InstrumentRegistry.from_directory(tmp_path / "questionnaires")
    patient = demo_clinic.patient("Pinned Wording", "900200")
    screening = demo_clinic.screening(
        patient, {"phq9": [0, 0, 0, 0, 2, 0, 0, 0, 0, 1], "gad7": [0] * 7}, at(2025, 6, 1), registry=older
    )
    assert "Poor appetite or overeating (older wording) More than half the days (2)" in _text(_render(app, screening))


class _Recorder(BaseHTTPRequestHandler):
    requests: list[str] = []

    def do_GET(self):  # noqa: N802 - the name http.server calls
        self.requests.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.end_headers()

    def log_message(self, *_args):
        pass


@pytest.fixture
def recording_server():
    server = HTTPServer(("127.0.0.1", 0), _Recorder)
    _Recorder.requests = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_port, _Recorder.requests
    server.shutdown()
    server.server_close()


def test_markup_in_a_clinic_name_is_printed_as_text_and_fetches_nothing(app, session, demo, recording_server):
    port, requests = recording_server
    name = f'<img src="http://127.0.0.1:{port}/x">'
    session.get(Clinic, demo).name = name
    session.commit()
    text = _text(_render(app, latest_screening_id(session, "James Okafor")))
    assert name in text
    assert requests == []


def test_only_packaged_fonts_and_data_uris_are_ever_loaded(recording_server):
    port, requests = recording_server
    html = (
        f'<img src="file:///etc/passwd"><img src="http://127.0.0.1:{port}/logo.png">'
        '<img src="fonts/../../../../etc/hostname"><p>Body</p>'
    )
    rendered = render_pdf(html)
    assert set(rendered.refused) >= {"file:///etc/passwd", f"http://127.0.0.1:{port}/logo.png"}
    assert any(url.endswith("/etc/hostname") for url in rendered.refused)
    assert requests == []
    assert "root:" not in _text(PdfReader(io.BytesIO(rendered.pdf)))

    fetcher = PackagedAssetFetcher()
    with pytest.raises(RefusedResourceError):
        fetcher.fetch("file:///etc/passwd")
    assert fetcher.fetch((FONTS_DIR / "DejaVuSans.ttf").as_uri()).read()[:4] == b"\x00\x01\x00\x00"
    assert fetcher.fetch("data:text/plain;base64,b2s=").read() == b"ok"


def _one_pixel_png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)  # 1x1, 8-bit RGB
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00\x10\x20\x30"))
        + chunk(b"IEND", b"")
    )


def _images_on(page) -> list:
    objects = page["/Resources"].get("/XObject", {})
    return [name for name, ref in objects.items() if ref.get_object()["/Subtype"] == "/Image"]


def test_the_clinic_logo_from_settings_is_embedded_in_the_letterhead(app, session, demo):
    screening_id = latest_screening_id(session, "Maria Alvarez")
    assert _images_on(_render(app, screening_id).pages[0]) == []
    clinic = session.get(Clinic, demo)
    clinic.logo_image, clinic.logo_mime_type = _one_pixel_png(), "image/png"
    session.commit()
    assert len(_images_on(_render(app, screening_id).pages[0])) == 1


def test_summary_is_tagged_and_declares_pdf_a(app, session, demo):
    reader = _render(app, latest_screening_id(session, "James Okafor"))
    root = reader.trailer["/Root"]
    assert "/StructTreeRoot" in root
    assert bool(root["/MarkInfo"]["/Marked"])
    assert root["/Lang"] == "en"
    xmp = root["/Metadata"].get_object().get_data().decode("utf-8")
    assert re.search(r"<pdfaid:part>2</pdfaid:part>|pdfaid:part=\"2\"", xmp)
    assert re.search(r"<pdfaid:conformance>A</pdfaid:conformance>|pdfaid:conformance=\"A\"", xmp)
    (intent,) = root["/OutputIntents"]
    assert intent.get_object()["/S"] == "/GTS_PDFA1"


def test_a_follow_up_with_two_instruments_fits_on_two_pages_with_what_to_act_on_first(app, session, demo):
    reader = _render(app, latest_screening_id(session, "James Okafor"))
    assert len(reader.pages) == 2
    first, second = (" ".join(page.extract_text().split()) for page in reader.pages)
    for expected in (
        "James Okafor",
        "Safety item endorsed (PHQ-9 item 9)",
        "Results of this screening",
        "Change since last time",
        "+11 reliable change",  # PHQ-9 9 -> 20
        "2 screenings since 18 Aug 2026",  # beside the sparkline
        "Severe",
    ):
        assert expected in first, expected
    assert "Answers, as worded on the form the patient completed" not in first
    assert "Answers, as worded on the form the patient completed" in second
    assert "J Gen Intern Med. 2001;16(9):606–613" in second


def test_no_referral_box_is_printed_before_a_referral_is_written(app, session, demo):
    text = _text(_render(app, latest_screening_id(session, "James Okafor")))
    assert "Not given" not in text
    assert "Referred by" not in text


def _pdftotext(pdf: bytes, tmp_path) -> str:
    """The PDF's text as poppler reads it: what a reader copying from the PDF gets."""
    import subprocess  # nosec B404 - poppler on a file this test wrote

    path = tmp_path / "summary.pdf"
    path.write_bytes(pdf)
    result = subprocess.run(  # nosec B603 B607
        ["pdftotext", "-enc", "UTF-8", str(path), "-"], check=True, capture_output=True, text=True
    )
    return " ".join(result.stdout.split())


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler's pdftotext is not installed")
def test_spanish_screening_prints_both_wordings_with_accents_and_inverted_question_marks(app, demo_clinic, tmp_path):
    from app.extensions import db
    from tests.clinician.test_spanish_answers import EN_ITEM9, ES_ITEM9, ES_STEM, spanish_screening

    _patient, screening_id = spanish_screening(demo_clinic)
    with app.app_context():
        pdf = render_referral(db.session, screening_id, generated_at=utcnow()).pdf
    text = _pdftotext(pdf, tmp_path)

    assert "Answered in Spanish." in text
    assert f"Item 9: “{ES_ITEM9}” English: “{EN_ITEM9}”" in text
    assert "Answer given: Varios días English: Several days" in text
    assert ES_STEM in text  # "últimas", "¿qué" as printed, not as boxes or dropped glyphs
    # every Spanish item and the English one beside it, character for character as installed
    registry = app.extensions["tallyform.instruments"]
    for instrument_id in ("phq9", "gad7"):
        spanish, english = registry.translation(instrument_id, "es").definition, registry[instrument_id].definition
        for seen, item in zip(spanish.items, english.items, strict=True):
            assert seen.text in text, seen.text
            assert f"English: {item.text}" in text, item.text
    assert "Más de la mitad de los días" in text
    assert "Score: 10 (range 0–27)" in text


def test_a_fall_since_last_time_is_printed_with_the_minus_sign_the_worklist_shows(app, session, demo):
    # Maria Alvarez in November: PHQ-9 6 -> 3, GAD-7 5 -> 3
    text = _text(_render(app, latest_screening_id(session, "Maria Alvarez")))
    assert "\u22123" in text
    assert "\u22122" in text
    assert not re.search(r"(?<![\w\u2013-])-[23]\b", text)
