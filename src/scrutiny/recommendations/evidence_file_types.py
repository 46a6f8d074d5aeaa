"""Which files a council may attach to evidence, declared once, and the check that a file
is what its name says, judged from its bytes.

FILE_TYPES is the registry: each kind's name, media type, file-name endings and how its
content is recognised. The web form's hint, the refusals, the API's description and the
tests all read it, so adding a kind is one entry here.

A file is accepted only when its bytes are one of these kinds *and* its name ends as that
kind does: a page of HTML or a program renamed `.pdf` is refused, and so is a PNG called
`.pdf`. PDF and images are recognised by their magic numbers (the filetype library); Word,
Excel and OpenDocument files are zip archives, so the archive's own table of contents
(`[Content_Types].xml`, or OpenDocument's `mimetype`) is read with zipfile, without
unpacking anything, and refused when it could unpack to far more than it holds (a zip
bomb) or carries macros. Text and CSV have no magic number: they must read as text
(UTF-8, or Windows-1252 as older spreadsheets save it) and not be markup a browser renders.
Every refusal says what was wrong, what is allowed and what to do.
"""

from __future__ import annotations

import io
import re
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Literal, NoReturn

import filetype

from scrutiny.core.errors import Invalid
from scrutiny.core.formatting import file_size

Recognised = Literal["magic", "office", "text"]


@dataclass(frozen=True)
class FileType:
    """A kind of file evidence may be: how people call it, its media type and endings."""

    name: str
    label: str
    media_type: str
    extensions: tuple[str, ...]
    recognised: Recognised
    # For office files: the media type the archive's table of contents must declare.
    marker: str = ""


FILE_TYPES: tuple[FileType, ...] = (
    FileType("pdf", "PDF", "application/pdf", (".pdf",), "magic"),
    FileType("png", "PNG image", "image/png", (".png",), "magic"),
    FileType("jpeg", "JPEG image", "image/jpeg", (".jpg", ".jpeg"), "magic"),
    FileType(
        "docx",
        "Word document",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        (".docx",),
        "office",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
    ),
    FileType(
        "xlsx",
        "Excel workbook",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        (".xlsx",),
        "office",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
    ),
    FileType(
        "odt",
        "OpenDocument text",
        "application/vnd.oasis.opendocument.text",
        (".odt",),
        "office",
        "application/vnd.oasis.opendocument.text",
    ),
    FileType(
        "ods",
        "OpenDocument spreadsheet",
        "application/vnd.oasis.opendocument.spreadsheet",
        (".ods",),
        "office",
        "application/vnd.oasis.opendocument.spreadsheet",
    ),
    FileType("txt", "plain text", "text/plain", (".txt",), "text"),
    FileType("csv", "CSV", "text/csv", (".csv",), "text"),
)
BY_EXTENSION = {ext: kind for kind in FILE_TYPES for ext in kind.extensions}
BY_MEDIA_TYPE = {kind.media_type: kind for kind in FILE_TYPES}
MAX_FILES_PER_EVIDENCE = 10
# An office file may unpack to this much at most, and to no more than RATIO times its
# size: real documents compress 2 to 20 times; a zip bomb, thousands.
MAX_UNPACKED_BYTES = 200 * 1024 * 1024
MAX_RATIO = 100
MAX_MEMBERS = 5000
MARKUP = re.compile(rb"^\s*<(!doctype|html|head|body|script|svg|\?xml|iframe)\b", re.I)
CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")
# Older formats an officer may try, and what to send instead.
INSTEAD = {
    ".doc": "save it as a Word document (.docx) or a PDF",
    ".xls": "save it as an Excel workbook (.xlsx) or CSV",
    ".docm": "save it without macros, as .docx, or as a PDF",
    ".xlsm": "save it without macros, as .xlsx, or as CSV",
    ".jpe": "rename it .jpg",
    ".zip": "attach each file in it on its own",
}


class EvidenceFileRefused(Invalid, ValueError):
    """A file that cannot be attached as it is: nothing was stored."""


def allowed_description() -> str:
    """The kinds allowed, as a person reads them: "PDF (.pdf), PNG image (.png), ..."."""
    kinds = [f"{kind.label} ({', '.join(kind.extensions)})" for kind in FILE_TYPES]
    return ", ".join(kinds[:-1]) + " or " + kinds[-1]


def accept_attribute() -> str:
    """The endings and media types for a file input's accept attribute."""
    return ",".join([*BY_EXTENSION, *BY_MEDIA_TYPE])


def clean_name(name: str | None) -> str:
    """The file's own name, without any folder or odd characters, for the history."""
    base = PurePosixPath((name or "").replace("\\", "/")).name
    return re.sub(r"[^\w.,()' -]", "_", base).strip(" .")[:120]


def identify(name: str | None, data: bytes, *, limit: int) -> FileType:
    """The kind of the file called NAME holding DATA; EvidenceFileRefused if it is not
    one that may be attached, or its name and content disagree."""
    cleaned = clean_name(name)
    if len(data) > limit:
        _refuse(
            f"{cleaned or 'The file'} is larger than {file_size(limit)}, the most one file may be",
            "send a smaller file, for example a PDF of only the pages that show the remedy",
        )
    if not cleaned:
        _refuse("The file has no name", "choose the file again")
    if not data:
        _refuse(f"{cleaned} is empty", "choose the file that holds the evidence")
    extension = PurePosixPath(cleaned.lower()).suffix
    claimed = BY_EXTENSION.get(extension)
    if claimed is None:
        what = f"{extension} files" if extension else "Files without an ending such as .pdf"
        instead = INSTEAD.get(extension, "send it as one of the kinds allowed")
        _refuse(f"{what} cannot be attached", instead)
    found = _content(cleaned, data)
    if found.recognised == "text" and claimed.recognised == "text":
        return claimed  # text is text: its ending says whether it is CSV
    if found != claimed:
        _refuse(
            f"{cleaned} is named as {_article(claimed.label)} but holds {_described(found)}",
            f"rename it {found.extensions[0]} if that is what it is, or send the"
            f" {claimed.label} itself",
        )
    return found


def _content(name: str, data: bytes) -> FileType:
    """The kind DATA's bytes are, judged from the bytes alone."""
    if data.startswith(b"PK\x03\x04"):
        return _office(name, data)
    guessed = filetype.guess(data)
    if guessed is not None:
        kind = BY_MEDIA_TYPE.get(guessed.mime)
        if kind is None or kind.recognised != "magic":
            _refuse(
                f"{name} holds {_article(guessed.extension.upper())} file"
                f" ({guessed.mime}), which cannot be attached",
                "send it as one of the kinds allowed",
            )
        return kind
    return _text(name, data)


def _text(name: str, data: bytes) -> FileType:
    if MARKUP.match(data[:1024]):
        _refuse(
            f"{name} is a web page or markup (HTML, SVG or XML), which cannot be attached",
            "print it to a PDF and send that",
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError:
            text = "\x00"
    if CONTROL.search(text):
        _refuse(
            f"{name} is not a PDF, image, office document or text file that can be read",
            "send it as one of the kinds allowed",
        )
    return BY_EXTENSION[".txt"]


def _office(name: str, data: bytes) -> FileType:
    """The office kind of the zip archive DATA, read from its table of contents."""
    damaged = f"{name} is a damaged or unreadable zip archive"
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
            if len(members) > MAX_MEMBERS:
                _refuse(f"{name} holds {len(members):,} parts", "send it as a PDF")
            unpacked = sum(member.file_size for member in members)
            if unpacked > MAX_UNPACKED_BYTES or unpacked > MAX_RATIO * max(len(data), 1):
                _refuse(
                    f"{name} would unpack to {file_size(unpacked)} from {file_size(len(data))},"
                    " which is how a zip bomb looks",
                    "send it as a PDF",
                )
            names = {member.filename for member in members}
            if any(n.lower().endswith("vbaproject.bin") or n.startswith("Basic/") for n in names):
                _refuse(f"{name} contains macros", "save it without macros, or as a PDF")
            if "mimetype" in names:
                declared = _member(archive, "mimetype").decode("ascii", "replace").strip()
            elif "[Content_Types].xml" in names:
                declared = _member(archive, "[Content_Types].xml").decode("utf-8", "replace")
            else:
                declared = ""
    except EvidenceFileRefused:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, EOFError, OSError) as error:
        _refuse(f"{damaged} ({error})", "save the document again and send the new copy")
    except (NotImplementedError, RuntimeError, ValueError, KeyError) as error:
        _refuse(f"{damaged} ({error})", "save it again without a password, or as a PDF")
    for kind in FILE_TYPES:
        if kind.recognised == "office" and (
            declared == kind.marker or f'ContentType="{kind.marker}"' in declared
        ):
            return kind
    _refuse(
        f"{name} is a zip archive but not a Word, Excel or OpenDocument file",
        "attach each file in the archive on its own",
    )


def _member(archive: zipfile.ZipFile, name: str) -> bytes:
    """The first 64 KB of one part of ARCHIVE: enough for a table of contents."""
    with archive.open(name) as part:
        return part.read(64 * 1024)


def _described(kind: FileType) -> str:
    return kind.label if kind.recognised == "text" else _article(kind.label)


def _article(label: str) -> str:
    return ("an " if label[:1].upper() in "AEIOU" else "a ") + label


def _refuse(problem: str, fix: str) -> NoReturn:
    raise EvidenceFileRefused(
        f"{problem}: {fix}. Files may be {allowed_description()}; no file was stored."
    )
