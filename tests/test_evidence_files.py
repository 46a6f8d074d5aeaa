"""Files attached to evidence: the kinds allowed, storage under their SHA-256, who may
download them, withdrawing before the check, and the audit log, on SQLite and PostgreSQL."""

from __future__ import annotations

import io
import zipfile
from datetime import date, timedelta
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import PageClient
from scrutiny.recommendations import check_evidence, record_evidence
from scrutiny.recommendations.evidence_file_types import EvidenceFileRefused, identify
from scrutiny.recommendations.evidence_files import (
    AUDIT_ENTITY,
    attach_file,
    list_evidence_files,
    withdraw_file,
)
from scrutiny.returns.submit import submit_return
from scrutiny.settings import Settings
from scrutiny.store.accounts import create_user
from scrutiny.store.audit import list_audit_entries
from scrutiny.store.db import make_engine
from scrutiny.store.evidence_blobs import blob_path

DURHAM, BIRMINGHAM = "E06000047", "E08000025"
PASSWORD = "a-long-password"
LIMIT = 64 * 1024
TODAY = date.today()
HEADER = (
    "decision_ref,recommendation_number,authority_code,kind,beneficiary,amount_gbp,"
    "agreed_date,due_date,completed_date,compliance_status,evidence_note"
)
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(40)
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(40)


def office(marker: str, *, odf: bool = False) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        if odf:
            archive.writestr("mimetype", marker)
            archive.writestr("content.xml", "<office:document-content/>")
        else:
            archive.writestr(
                "[Content_Types].xml",
                f'<Types><Override PartName="/main.xml" ContentType="{marker}"/></Types>',
            )
            archive.writestr("main.xml", "<document/>")
    return out.getvalue()


DOCX = office("application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml")
XLSX = office("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml")
ODT = office("application/vnd.oasis.opendocument.text", odf=True)
ODS = office("application/vnd.oasis.opendocument.spreadsheet", odf=True)


@pytest.mark.parametrize(
    ("name", "data", "kind"),
    [
        ("letter.pdf", PDF, "pdf"),
        ("receipt.png", PNG, "png"),
        ("photo.JPG", JPEG, "jpeg"),
        ("photo.jpeg", JPEG, "jpeg"),
        ("policy.docx", DOCX, "docx"),
        ("payments.xlsx", XLSX, "xlsx"),
        ("policy.odt", ODT, "odt"),
        ("payments.ods", ODS, "ods"),
        ("note.txt", "Paid on 3 March – £250".encode(), "txt"),
        ("payments.csv", "date,amount\n2025-03-03,£250\n".encode("cp1252"), "csv"),
    ],
)
def test_each_allowed_kind_is_recognised_from_its_bytes(name, data, kind):
    assert identify(name, data, limit=LIMIT).name == kind


@pytest.mark.parametrize(
    ("name", "data", "says"),
    [
        ("evidence.pdf", b"<!DOCTYPE html><html><script>alert(1)</script>", "web page"),
        ("evidence.pdf", b"MZ\x90\x00\x03" + bytes(200), "EXE file"),
        ("evidence.pdf", b"\x7fELF\x02\x01\x01" + bytes(200), "ELF file"),
        ("evidence.pdf", PNG, "named as a PDF but holds a PNG image"),
        ("evidence.pdf", b"just some words", "named as a PDF but holds plain text"),
        ("evidence.xlsx", DOCX, "named as an Excel workbook but holds a Word document"),
        ("evidence.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(100), "save it as a Word"),
        ("evidence.exe", b"MZ" + bytes(100), ".exe files cannot be attached"),
        ("evidence", PDF, "without an ending"),
        ("empty.pdf", b"", "empty"),
        ("archive.docx", b"PK\x03\x04 not really a zip", "damaged"),
        ("text.txt", b"a\x00b\x00c\x00", "file that can be read"),
    ],
)
def test_a_file_whose_content_is_not_what_may_be_attached_is_refused_saying_why(name, data, says):
    with pytest.raises(EvidenceFileRefused, match=says) as refused:
        identify(name, data, limit=LIMIT)
    assert "Files may be PDF (.pdf)" in str(refused.value)


def test_a_zip_bomb_and_a_document_with_macros_are_refused():
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", bytes(5_000_000))
    with pytest.raises(EvidenceFileRefused, match="zip bomb"):
        identify("big.docx", bomb.getvalue(), limit=LIMIT * 100)
    macros = io.BytesIO()
    with zipfile.ZipFile(macros, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/vbaProject.bin", b"macro")
    with pytest.raises(EvidenceFileRefused, match="macros"):
        identify("policy.docx", macros.getvalue(), limit=LIMIT)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    name=st.sampled_from(["a.pdf", "a.png", "a.jpg", "a.docx", "a.xlsx", "a.odt", "a.csv", "a"]),
    prefix=st.sampled_from([b"", b"PK\x03\x04", b"%PDF", b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff"]),
    data=st.binary(max_size=2000),
)
def test_random_bytes_never_crash_the_check_only_refuse_clearly(name, prefix, data):
    try:
        identify(name, prefix + data, limit=LIMIT)
    except EvidenceFileRefused as refused:
        assert "no file was stored" in str(refused)


# --- Stored, downloaded and withdrawn, through the library and the web ----------------


def path(ref: str, number: int) -> str:
    return f"/council/{DURHAM}/recommendations/{quote(ref, safe='')}/{number}/evidence"


@pytest.fixture
def site(database_url, tmp_path):
    """Two Durham recommendations and one of Birmingham's, an officer and councillor of
    Durham, an officer of Birmingham and an Ombudsman analyst; files kept in tmp_path."""
    engine = make_engine(database_url)
    agreed, due = (TODAY - timedelta(days=30)).isoformat(), (TODAY + timedelta(days=30)).isoformat()
    rows = [
        f"24 100 001,1,{DURHAM},apology,complainant,,{agreed},{due},,pending,",
        f"24 100 001,2,{DURHAM},apology,complainant,,{agreed},{due},,pending,",
        f"24 100 009,1,{BIRMINGHAM},apology,complainant,,{agreed},{due},,pending,",
    ]
    source = tmp_path / "recommendations.csv"
    source.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    settings_ = Settings(
        database_url=database_url,
        secret_key="test",
        evidence_dir=str(tmp_path / "files"),
        evidence_file_bytes=LIMIT,
    )
    assert submit_return(source, settings_, engine, submitted_by="ombudsman").stored
    for email, role, code in (
        ("officer@durham.example.org", "council_officer", DURHAM),
        ("councillor@durham.example.org", "councillor", DURHAM),
        ("officer@birmingham.example.org", "council_officer", BIRMINGHAM),
        ("analyst@ombudsman.example.org", "ombudsman", None),
    ):
        create_user(
            engine, email=email, password=PASSWORD, role=role, authority_code=code, actor="test"
        )
    from scrutiny.web import create_app

    app = create_app(settings_)
    yield {"engine": engine, "settings": settings_, "app": app}
    app.state.cache.close()
    app.state.engine.dispose()
    engine.dispose()


def client(site, email: str) -> PageClient:
    signed = PageClient(site["app"])
    signed.sign_in(email, PASSWORD)
    return signed


def record_with_file(officer: PageClient, number: int, name: str, data: bytes):
    token = officer.form_token(path("24 100 001", number))
    return officer.post(
        path("24 100 001", number),
        data={
            "note": "Apology letter sent",
            "evidence-date-day": str(TODAY.day),
            "evidence-date-month": str(TODAY.month),
            "evidence-date-year": str(TODAY.year),
            "csrf_token": token,
        },
        files={"file": (name, data, "application/pdf")},
        follow_redirects=False,
    )


def stored_files(site) -> list:
    return [p for p in site["settings"].evidence_path.rglob("*") if p.is_file()]


def test_an_officer_records_evidence_with_a_file_that_the_council_and_ombudsman_can_download(site):
    with client(site, "officer@durham.example.org") as officer:
        assert record_with_file(officer, 1, "apology letter.pdf", PDF).status_code == 303
        [attached] = list_evidence_files(site["engine"])
        assert (attached.original_name, attached.media_type, attached.size_bytes) == (
            "apology letter.pdf",
            "application/pdf",
            len(PDF),
        )
        assert blob_path(site["settings"].evidence_path, attached.sha256).read_bytes() == PDF
        page = officer.get(path("24 100 001", 1))
        assert "apology letter.pdf" in page.text and "PDF, " in page.text
        download = f"/council/{DURHAM}/evidence-files/{attached.id}"
        got = officer.get(download)
        assert got.status_code == 200 and got.content == PDF
        assert got.headers["content-type"] == "application/pdf"
        assert got.headers["content-disposition"].startswith("attachment;")
        assert got.headers["x-content-type-options"] == "nosniff"
    with client(site, "analyst@ombudsman.example.org") as analyst:
        assert analyst.get(download).content == PDF
        assert f'href="{download}"' in analyst.get("/ombudsman/evidence").text
    with client(site, "councillor@durham.example.org") as councillor:
        assert councillor.get(download).status_code == 200
    with client(site, "officer@birmingham.example.org") as other:
        assert other.get(download).status_code == 403
        # Its own council's address does not reach Durham's file either.
        assert other.get(f"/council/{BIRMINGHAM}/evidence-files/{attached.id}").status_code == 404
    actions = [e.action for e in list_audit_entries(site["engine"], entity=AUDIT_ENTITY)]
    assert actions.count("upload_evidence_file") == 1
    assert actions.count("download_evidence_file") == 3  # officer, analyst, councillor


def test_a_file_disguised_as_a_pdf_is_refused_on_the_form_and_nothing_is_stored(site):
    with client(site, "officer@durham.example.org") as officer:
        page = record_with_file(officer, 1, "evidence.pdf", b"<html><script>x</script></html>")
        assert page.status_code == 400
        assert "govuk-error-summary" in page.text and "web page" in page.text
        assert 'href="#evidence-file"' in page.text
    assert list_evidence_files(site["engine"]) == [] and stored_files(site) == []
    assert list_audit_entries(site["engine"], entity="recommendation_evidence") == []


def test_an_oversized_file_is_refused_with_no_row_and_no_file_on_disk(site):
    with client(site, "officer@durham.example.org") as officer:
        page = record_with_file(officer, 1, "big.pdf", PDF + bytes(LIMIT))
        assert page.status_code == 400 and "larger than 64 KB" in page.text
    assert list_evidence_files(site["engine"]) == [] and stored_files(site) == []


def test_the_same_bytes_sent_for_two_recommendations_are_stored_once(site):
    engine, directory = site["engine"], site["settings"].evidence_path
    for number in (1, 2):
        evidence = record_evidence(
            engine, "24 100 001", number, note="Paid", evidence_date=TODAY, by="officer"
        )
        attach_file(engine, directory, evidence, name="same.pdf", data=PDF, by="o", limit=LIMIT)
    assert len(list_evidence_files(engine)) == 2 and len(stored_files(site)) == 1
    with pytest.raises(EvidenceFileRefused, match="already attached"):
        attach_file(engine, directory, evidence, name="again.pdf", data=PDF, by="o", limit=LIMIT)


def test_a_file_is_withdrawn_before_the_check_listed_as_withdrawn_and_never_after(site):
    engine, directory = site["engine"], site["settings"].evidence_path
    evidence = record_evidence(
        engine, "24 100 001", 1, note="Paid", evidence_date=TODAY, by="officer"
    )
    wrong = attach_file(
        engine, directory, evidence, name="wrong.pdf", data=PDF, by="o", limit=LIMIT
    )
    with client(site, "officer@durham.example.org") as officer:
        withdraw = f"/council/{DURHAM}/evidence-files/{wrong.id}/withdraw"
        token = officer.form_token(withdraw)
        empty = officer.post(withdraw, data={"csrf_token": token, "reason": " "})
        assert empty.status_code == 400 and "reason" in empty.text
        done = officer.post(
            withdraw, data={"csrf_token": token, "reason": "Wrong letter"}, follow_redirects=False
        )
        assert done.status_code == 303
        # A different file is added beside it, never in its place.
        files_page = f"/council/{DURHAM}/evidence/{evidence}/files"
        token = officer.form_token(files_page)
        added = officer.post(
            files_page,
            data={"csrf_token": token},
            files={"file": ("right.png", PNG, "image/png")},
            follow_redirects=False,
        )
        assert added.status_code == 303
        listed = officer.get(files_page).text
        assert "<s>wrong.pdf</s>" in listed and "Wrong letter" in listed and "right.png" in listed
        assert officer.get(f"/council/{DURHAM}/evidence-files/{wrong.id}").status_code == 404
    check_evidence(engine, evidence, accepted=True, by="analyst")
    right = next(f for f in list_evidence_files(engine) if f.original_name == "right.png")
    with pytest.raises(EvidenceFileRefused, match="cannot be withdrawn"):
        withdraw_file(engine, right.id, reason="Changed my mind", by="officer")
    with pytest.raises(EvidenceFileRefused, match="already checked"):
        attach_file(engine, directory, evidence, name="late.pdf", data=PDF, by="o", limit=LIMIT)
    actions = [e.action for e in list_audit_entries(engine, entity=AUDIT_ENTITY)]
    assert sorted(set(actions)) == ["upload_evidence_file", "withdraw_evidence_file"]


# --- The API and the command line ------------------------------------------------------


def test_the_api_uploads_lists_and_downloads_only_the_token_councils_files(site):
    from scrutiny.store.accounts import list_users

    engine = site["engine"]
    users = {u.email: u for u in list_users(engine)}
    own = create_token(engine, users["officer@durham.example.org"], "t", authority_code=DURHAM)
    other = create_token(
        engine, users["officer@birmingham.example.org"], "t", authority_code=BIRMINGHAM
    )
    evidence = record_evidence(
        engine, "24 100 001", 1, note="Paid", evidence_date=TODAY, by="officer"
    )
    api = PageClient(site["app"])
    mine, theirs = ({"Authorization": f"Bearer {t}"} for t in (own, other))
    upload = f"/api/v1/evidence/{evidence}/files"
    refused = api.post(
        upload, headers=mine, files={"file": ("x.pdf", b"<html>", "application/pdf")}
    )
    assert refused.status_code == 422 and "web page" in refused.json()["detail"]
    too_big = api.post(upload, headers=mine, files={"file": ("x.pdf", PDF + bytes(LIMIT))})
    assert too_big.status_code == 413
    assert api.post(upload, headers=theirs, files={"file": ("x.pdf", PDF)}).status_code == 404
    assert api.post(upload, files={"file": ("x.pdf", PDF)}).status_code == 401
    added = api.post(upload, headers=mine, files={"file": ("receipt.pdf", PDF)})
    assert added.status_code == 201, added.text
    record = added.json()
    assert (record["media_type"], record["withdrawn"]) == ("application/pdf", False)
    listed = api.get("/api/v1/evidence-files", headers=mine).json()
    assert [f["id"] for f in listed] == [record["id"]]
    assert api.get("/api/v1/evidence-files", headers=theirs).json() == []
    got = api.get(record["download"], headers=mine)
    assert got.content == PDF and got.headers["content-disposition"].startswith("attachment")
    assert api.get(record["download"], headers=theirs).status_code == 404
    ombudsman = {
        "Authorization": "Bearer "
        + create_token(engine, users["analyst@ombudsman.example.org"], "t", authority_code=None)
    }
    assert api.get(record["download"], headers=ombudsman).status_code == 403  # a council route
    seen = api.get(f"/api/v1/ombudsman/evidence/{evidence}/files", headers=ombudsman).json()
    assert api.get(seen[0]["download"], headers=ombudsman).content == PDF
    assert api.get(seen[0]["download"], headers=mine).status_code == 403
    assert len(stored_files(site)) == 1
    audit = list_audit_entries(engine, entity=AUDIT_ENTITY)
    assert [e.action for e in audit] == ["upload_evidence_file", *["download_evidence_file"] * 2]
    described = api.get("/api/v1/openapi.json").json()["paths"]
    assert {"/api/v1/evidence-files", "/api/v1/evidence/{evidence_id}/files"} <= set(described)


def create_token(engine, user, name, *, authority_code):
    from scrutiny.store.accounts import create_token as make

    return make(engine, user, name, authority_code=authority_code, actor="test")


def test_the_command_line_attaches_lists_downloads_and_withdraws(site, tmp_path):
    from typer.testing import CliRunner

    from scrutiny.cli import app

    engine = site["engine"]
    record_evidence(engine, "24 100 001", 1, note="Paid", evidence_date=TODAY, by="officer")
    env = {
        "SCRUTINY_DATABASE_URL": site["settings"].database_url,
        "SCRUTINY_EVIDENCE_DIR": str(site["settings"].evidence_path),
        "SCRUTINY_USER": "cli-officer",
    }
    runner = CliRunner()
    receipt = tmp_path / "receipt.png"
    receipt.write_bytes(PNG)
    attached = runner.invoke(
        app, ["recommendations", "attach", "24 100 001", "1", str(receipt)], env=env
    )
    assert attached.exit_code == 0, attached.output
    assert "Attached receipt.png (PNG image)" in attached.output
    fake = tmp_path / "fake.pdf"
    fake.write_bytes(b"MZ\x90\x00" + bytes(100))
    refused = runner.invoke(
        app, ["recommendations", "attach", "24 100 001", "1", str(fake)], env=env
    )
    assert refused.exit_code == 2 and "EXE file" in refused.output
    none = runner.invoke(
        app, ["recommendations", "attach", "24 100 001", "2", str(receipt)], env=env
    )
    assert none.exit_code == 2 and "no evidence awaiting a check" in none.output
    listed = runner.invoke(app, ["recommendations", "files", "--format", "csv"], env=env)
    assert "receipt.png,PNG image" in listed.output
    [found] = list_evidence_files(engine)
    saved = tmp_path / "saved.png"
    got = runner.invoke(
        app, ["recommendations", "download", str(found.id), "--output", str(saved)], env=env
    )
    assert got.exit_code == 0 and saved.read_bytes() == PNG
    gone = runner.invoke(
        app, ["recommendations", "withdraw-file", str(found.id), "--reason", "Wrong"], env=env
    )
    assert gone.exit_code == 0, gone.output
    audit = list_audit_entries(engine, entity=AUDIT_ENTITY)
    assert [(e.action, e.actor) for e in audit] == [
        ("upload_evidence_file", "cli-officer"),
        ("download_evidence_file", "cli-officer"),
        ("withdraw_evidence_file", "cli-officer"),
    ]
