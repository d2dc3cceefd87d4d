"""The certificate PDF: shipped Unicode fonts embedded as subsets (Polish, Chinese, Arabic names
print as written, Arabic right to left), read back with poppler; the academy's logo and
signatory, set by its admins."""

from __future__ import annotations

import io
import shutil
import subprocess

import pytest
from PIL import Image
from pypdf import PdfReader

from quizapp.services.infra import pdfcert
from tests.conftest import csrf_from, login
from tests.data import academykit as kit

# Poppler marks right-to-left runs with these when it extracts text; the letters are what count.
_BIDI_MARKS = dict.fromkeys(map(ord, "\u202a\u202b\u202c\u202d\u202e\u200e\u200f"))

needs_poppler = pytest.mark.skipif(
    shutil.which("pdftoppm") is None or shutil.which("pdftotext") is None,
    reason="poppler-utils (pdftoppm, pdftotext) is not installed",
)


@pytest.fixture()
def holder(tmp_path, factory, db):
    return kit.certified(tmp_path, factory, "Łukasz Żółkiewski")


def _poppler_text(pdf: bytes, tmp_path) -> str:
    path = tmp_path / "certificate.pdf"
    path.write_bytes(pdf)
    # Rendered to an image first: poppler must be able to draw every glyph.
    subprocess.run(  # noqa: S603
        ["pdftoppm", "-r", "40", "-png", "-singlefile", str(path), str(tmp_path / "page")],  # noqa: S607
        check=True,
        capture_output=True,
        timeout=60,
    )
    with Image.open(tmp_path / "page.png") as page:
        assert page.width > page.height  # landscape
        assert page.convert("L").getextrema()[0] < 100  # something was drawn in ink
    done = subprocess.run(  # noqa: S603
        ["pdftotext", "-layout", str(path), "-"],  # noqa: S607
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
    )
    return done.stdout.translate(_BIDI_MARKS)


@needs_poppler
@pytest.mark.parametrize(
    "name", ["Łukasz Żółkiewski", "王小明", "محمد عبد الله", "דוד כהן", "Ελένη Παπαδοπούλου"]
)
def test_names_in_any_script_print_as_written(holder, tmp_path, name, db):
    """pdftotext orders text by where glyphs are drawn, so a right-to-left name drawn left to
    right (or unshaped) would come back reversed (or as other letters)."""
    _, _, _, certificate = holder
    certificate.holder_name = name
    text = _poppler_text(pdfcert.render(certificate, "http://x.test/verify/c"), tmp_path)
    assert name in text
    db.session.rollback()


def test_fonts_are_the_shipped_ones_embedded_as_subsets(holder, db):
    _, _, _, certificate = holder
    certificate.holder_name = "王小明 محمد"
    pdf = pdfcert.render(certificate, "http://x.test/verify/c")
    fonts = set()
    for font in PdfReader(io.BytesIO(pdf)).pages[0]["/Resources"]["/Font"].values():
        fonts.add(str(font.get_object()["/BaseFont"]))
    assert all("+" in name for name in fonts), fonts  # subset prefix, e.g. ABCDEF+NotoSerif
    families = {name.split("+", 1)[1] for name in fonts}
    assert {"NotoSerifBold", "NotoSansArabic", "DroidSansFallback"} <= families
    assert len(pdf) < 250_000  # subsets, not the 4 MB CJK font
    db.session.rollback()


def _png(width=300, height=100) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (15, 95, 99)).save(buffer, "PNG")
    return buffer.getvalue()


def _save_look(client, admin, **data):
    login(client, admin.email)
    page = client.get("/academy/credentials/").get_data(as_text=True)
    fields = {"csrf_token": csrf_from(page), "signatory_name": "", "signatory_title": ""}
    return client.post(
        "/academy/credentials/",
        data={**fields, **data},
        content_type="multipart/form-data",
        follow_redirects=True,
    )


def test_admin_sets_logo_and_signatory_and_the_pdf_shows_them(app, client, holder):
    academy, admin, trainee, certificate = holder
    response = _save_look(
        client,
        admin,
        signatory_name="Dr Priya Raman",
        signatory_title="Director of Education",
        logo=(io.BytesIO(_png()), "logo.png"),
    )
    assert "Certificates will show this logo and signatory" in response.get_data(as_text=True)
    holder_client = app.test_client()
    login(holder_client, trainee.email)
    pdf = holder_client.get(f"/certificates/{certificate.code}/certificate.pdf").data
    page = PdfReader(io.BytesIO(pdf)).pages[0]
    text = page.extract_text()
    assert "Dr Priya Raman" in text and "Director of Education" in text
    assert len(page.images) == 2  # the logo and the QR code


def test_a_logo_that_is_not_an_image_is_refused(client, holder):
    academy, admin, _, _ = holder
    response = _save_look(client, admin, logo=(io.BytesIO(b"<svg onload=alert(1)>"), "logo.png"))
    assert "must be a PNG or JPEG image" in response.get_data(as_text=True)
    assert academy.certificate_logo is None
