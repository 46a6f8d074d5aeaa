"""Demo evidence with files: two open recommendations (County Durham's when it has any) get
evidence
awaiting the Ombudsman's check, with small generated files (a one-page PDF, a PNG, a CSV),
one of them withdrawn and replaced, so the evidence pages, the Ombudsman's check page and
the audit log have files to show. Every file and note says it is synthetic."""

from __future__ import annotations

import struct
import zlib
from datetime import date

import polars as pl
from sqlalchemy import Engine

from scrutiny.publish.reports.render import html_to_pdf
from scrutiny.recommendations import read_register, record_evidence
from scrutiny.recommendations.evidence_files import attach_file, withdraw_file
from scrutiny.settings import Settings

OFFICER = "officer@demo.scrutiny"
NOTICE = "SYNTHETIC DEMO EVIDENCE: made up for the demonstration, not a real council's."


def synthetic_pdf(title: str, body: str) -> bytes:
    """A one-page PDF saying TITLE and BODY, marked synthetic."""
    return html_to_pdf(
        "<!doctype html><html><head><meta charset='utf-8'><title>"
        f"{title}</title></head><body style='font-family: sans-serif'>"
        f"<p><strong>{NOTICE}</strong></p><h1>{title}</h1><p>{body}</p></body></html>"
    )


def synthetic_png(width: int = 24, height: int = 12) -> bytes:
    """A small striped PNG image (grey scale), made without an image library."""
    rows = b"".join(
        b"\x00" + bytes(255 if (x // 4 + y // 4) % 2 else 40 for x in range(width))
        for y in range(height)
    )

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def add_evidence_files(engine: Engine, settings: Settings, authority_code: str) -> int:
    """Evidence with files for two open recommendations, AUTHORITY_CODE's when it has them;
    how many files were attached."""
    today = date.today()
    register = read_register(engine, today)
    # AUTHORITY_CODE's first (the demo accounts' council), else any council's open ones.
    open_ones = register.filter(pl.col("state").is_in(["agreed", "due"])).sort(
        pl.col("authority_code") != authority_code, "due_date", "decision_ref"
    )
    directory, limit = settings.evidence_path, settings.evidence_file_bytes
    attached = 0

    def attach(evidence_id: int, name: str, data: bytes, by: str) -> int:
        nonlocal attached
        attached += 1
        return attach_file(
            engine, directory, evidence_id, name=name, data=data, by=by, limit=limit
        ).id

    for index, row in enumerate(open_ones.head(2).iter_rows(named=True)):
        ref, number = row["decision_ref"], row["recommendation_number"]
        officer = OFFICER if row["authority_code"] == authority_code else settings.user
        evidence_id = record_evidence(
            engine,
            ref,
            number,
            note=f"Synthetic demo evidence for decision {ref}: the remedy was carried out.",
            evidence_date=today,
            by=officer,
            today=today,
        )
        if index == 0:
            letter = synthetic_pdf(
                "Payment confirmation",
                f"Confirmation that the remedy for decision {ref}, recommendation {number}, "
                "was paid. Synthetic.",
            )
            attach(evidence_id, "synthetic payment confirmation.pdf", letter, officer)
            attach(evidence_id, "synthetic receipt.png", synthetic_png(), officer)
        else:
            draft = synthetic_pdf("Revised procedure (draft)", "An early draft. Synthetic.")
            wrong = attach(evidence_id, "synthetic procedure draft.pdf", draft, officer)
            withdraw_file(
                engine,
                wrong,
                reason="Synthetic demo: the draft was attached by mistake; the approved"
                " version replaces it.",
                by=officer,
            )
            approved = synthetic_pdf("Revised procedure (approved)", "As approved. Synthetic.")
            attach(evidence_id, "synthetic procedure approved.pdf", approved, officer)
            table = "date,what,note\n" + f"{today},procedure approved,{NOTICE}\n"
            attach(evidence_id, "synthetic approvals.csv", table.encode(), officer)
    return attached
