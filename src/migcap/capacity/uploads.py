"""Files people upload: evidence attached to an item, and filled-in workbooks to import.

Every upload is checked before anything is stored:

* **size** — at most ``max_bytes`` (the web's ``MIGCAP_WEB_UPLOAD_MAX_MB``, 10 MB by default);
* **type** — by its content *and* its name, from a short list: PDF, PNG, JPEG, plain text and CSV
  (UTF-8), Word/Excel/PowerPoint (``.docx``, ``.xlsx``, ``.pptx``; no macros) and OpenDocument
  (``.odt``, ``.ods``). A name that does not match the content is refused;
* **zip archives** (the Office and OpenDocument formats are zip files) — at most 1,000 members and
  100 MB uncompressed, no member compressed more than 100 : 1 (zip bombs), no encryption, no
  absolute or ``..`` paths, and no XML document type declarations (entity expansion attacks).
  Sizes are not taken from the archive's directory: every member is decompressed, in chunks, and
  counted. Every member is inspected by its content, whatever its name: ``<!DOCTYPE`` or
  ``<!ENTITY`` written in UTF-8 (or any ASCII-based encoding), UTF-16 or UTF-32 is refused, and so is
  a member that starts as XML in an encoding other than UTF-8 or UTF-16 (UCS-4, EBCDIC, or an
  ``encoding=`` declaration naming another), which the Office and OpenDocument formats never use.

Attachments are stored under ``<data dir>/attachments/<assessment id>/<random name>``: the
stored name never comes from the upload, and the path is checked to be inside that folder. The
original name is kept only to be shown (cleaned) and offered when the file is downloaded.
Removing an attachment hides it; the file and the history stay.

A workbook uploaded to be imported is kept, while it is read, in ``<data dir>/tmp``
(:func:`temporary_upload`); an attachment is written to ``<name>.<pid>.part`` and renamed when
complete. Both names hold the writer's process id: :func:`remove_leftover_uploads`, run when the web
application starts, removes those a killed server left behind (:mod:`migcap.tempfiles`).
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import unicodedata
import uuid
import zipfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path, PurePosixPath

from sqlalchemy import func, select, update

from migcap import db
from migcap.capacity import models
from migcap.errors import InputError, MigcapError

from .assessments import _assessment_row

__all__ = [
    "ALLOWED",
    "Attachment",
    "add_attachment",
    "attachment_file",
    "attachments",
    "attachments_dir",
    "check_upload",
    "check_zip",
    "clean_filename",
    "remove_attachment",
    "remove_leftover_uploads",
    "temporary_upload",
]

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: kind → (media type, file name endings)
ALLOWED: dict[str, tuple[str, tuple[str, ...]]] = {
    "pdf": ("application/pdf", (".pdf",)),
    "png": ("image/png", (".png",)),
    "jpeg": ("image/jpeg", (".jpg", ".jpeg")),
    "text": ("text/plain; charset=utf-8", (".txt", ".md")),
    "csv": ("text/csv; charset=utf-8", (".csv",)),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", (".docx",)),
    "xlsx": (XLSX, (".xlsx",)),
    "pptx": ("application/vnd.openxmlformats-officedocument.presentationml.presentation", (".pptx",)),
    "odt": ("application/vnd.oasis.opendocument.text", (".odt",)),
    "ods": ("application/vnd.oasis.opendocument.spreadsheet", (".ods",)),
}
_OOXML_MAIN = {"docx": "word/document.xml", "xlsx": "xl/workbook.xml", "pptx": "ppt/presentation.xml"}
ALLOWED_TEXT = "PDF, PNG, JPEG, text (.txt, .md), CSV, Word (.docx), Excel (.xlsx), PowerPoint (.pptx), " \
               "OpenDocument (.odt, .ods)"
MAX_MEMBERS = 1_000
MAX_UNZIPPED = 100 * 1024 * 1024
MAX_RATIO = 100
MAX_PER_ITEM = 20
MAX_PER_ASSESSMENT = 500 * 1024 * 1024
_CHUNK = 64 * 1024
_XML_ENCODINGS = ("utf-8", "utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be")
#: A document type or entity declaration in every encoding an XML parser reads without being told (lower case:
#: searched in the lower-cased bytes, which lowers the ASCII letters of all five).
_DTD = tuple(w.encode(e) for e in _XML_ENCODINGS for w in ("<!doctype", "<!entity"))
_DTD_TAIL = max(len(w) for w in _DTD)
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*?\bencoding\s*=\s*[\"']([^\"']*)[\"']")
_UCS4 = (b"\x00\x00\xfe\xff", b"\xff\xfe\x00\x00", b"\x00\x00\x00<", b"<\x00\x00\x00", b"\x00\x00<\x00",
         b"\x00<\x00\x00")


def _foreign_xml(head: bytes) -> str | None:
    """The encoding of a part that starts as XML in an encoding other than UTF-8 or UTF-16, else ``None``
    (XML spec, appendix F: the first bytes, then the declaration)."""
    if head.startswith(_UCS4):
        return "UCS-4"
    if head.startswith(b"\x4c\x6f\xa7\x94"):  # '<?xm' in EBCDIC
        return "EBCDIC"
    if head.startswith((b"\xfe\xff", b"\x00<")):
        text = head.decode("utf-16-be", "replace").lstrip("\ufeff")
    elif head.startswith((b"\xff\xfe", b"<\x00")):
        text = head.decode("utf-16-le", "replace").lstrip("\ufeff")
    else:
        text = head.decode("latin-1").removeprefix("\xef\xbb\xbf")
    found = _XML_DECL.match(text)
    if found and found.group(1).strip().lower().replace("_", "-") not in ("utf-8", "utf8", "utf-16", "utf16"):
        return found.group(1).strip()[:20]
    return None


_UID = re.compile(r"^[0-9A-Za-z-]{8,36}$")


def clean_filename(name: str) -> str:
    """The last part of a file name, without control characters or path separators, at most 150 characters.

    >>> clean_filename("../../etc/passwd"), clean_filename("C:\\\\x\\\\Report 2024.pdf"), clean_filename("")
    ('passwd', 'Report 2024.pdf', 'attachment')
    """
    base = re.split(r"[\\/]", unicodedata.normalize("NFC", str(name)))[-1]
    base = "".join(c for c in base if unicodedata.category(c)[0] != "C").strip().strip(".")
    if len(base) > 150:
        stem, dot, ext = base.rpartition(".")
        base = (stem[: 140] + dot + ext[:9]) if dot and len(ext) < 10 else base[:150]
    return base or "attachment"


def check_zip(data: bytes, *, what: str = "the file", max_unzipped: int = MAX_UNZIPPED,
              max_members: int = MAX_MEMBERS, max_ratio: int = MAX_RATIO) -> zipfile.ZipFile:
    """Open a zip archive from memory, refusing damaged archives and zip bombs (see the module's notes)."""
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError, OSError):
        raise InputError(f"{what} is damaged or not what its name says "
                         "(not a readable zip archive)") from None
    if len(infos) > max_members:
        raise InputError(f"{what} has {len(infos):,} parts; at most {max_members:,} are accepted")
    total = 0
    for info in infos:
        path = PurePosixPath(info.filename.replace("\\", "/"))
        if path.is_absolute() or ".." in path.parts:
            raise InputError(f"{what} contains a part with a path outside the archive",
                             value=info.filename[:80])
        if info.flag_bits & 0x1:
            raise InputError(f"{what} is encrypted; upload it without a password")
        if info.file_size > 1024 * 1024 and info.file_size > max_ratio * max(1, info.compress_size):
            raise InputError(f"{what} expands too much when unpacked (a 'zip bomb'); it was refused")
        size = 0
        tail = b""
        try:
            with zf.open(info) as fh:
                while chunk := fh.read(_CHUNK):
                    first = size == 0
                    size += len(chunk)
                    total += len(chunk)
                    if size > info.file_size or total > max_unzipped:
                        raise InputError(f"{what} expands to more than {max_unzipped // (1024 * 1024)} MB "
                                         "when unpacked (a 'zip bomb'?); it was refused")
                    if size > 1024 * 1024 and size > max_ratio * max(1, info.compress_size):
                        raise InputError(f"{what} expands too much when unpacked (a 'zip bomb'); "
                                         "it was refused")
                    if first and (enc := _foreign_xml(chunk[:512])):
                        raise InputError(f"{what} has a part in XML encoded as {enc}, which Office and "
                                         "OpenDocument files never use (only UTF-8 or UTF-16); "
                                         "it was refused",
                                         value=info.filename[:80])
                    low = (tail + chunk).lower()
                    if any(w in low for w in _DTD):
                        raise InputError(f"{what} contains an XML document type declaration, "
                                         "which Office files do not have; it was refused",
                                         value=info.filename[:80])
                    tail = (tail + chunk)[-_DTD_TAIL:]
        except InputError:
            raise
        except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError,
                RuntimeError) as exc:
            raise InputError(f"{what} is damaged "
                             f"({exc.__class__.__name__} in part {info.filename[:60]!r})") from None
    return zf


def _kind_of(ext: str) -> str | None:
    return next((k for k, (_, exts) in ALLOWED.items() if ext in exts), None)


def check_upload(data: bytes, filename: str, *, max_bytes: int) -> tuple[str, str]:
    """Check an uploaded file; return ``(clean file name, media type)`` or raise :class:`InputError`."""
    name = clean_filename(filename)
    if not data:
        raise InputError(f"{name} is empty")
    if len(data) > max_bytes:
        raise InputError(f"{name} is {len(data) / 1e6:.1f} MB; files may be at most {max_bytes / 1e6:.0f} MB")
    ext = os.path.splitext(name)[1].lower()
    kind = _kind_of(ext)
    if kind is None:
        raise InputError(f"{name}: files of this type cannot be attached", hint=f"allowed: {ALLOWED_TEXT}")
    what = name
    ok = True
    if kind == "pdf":
        ok = data.startswith(b"%PDF-")
    elif kind == "png":
        ok = data.startswith(b"\x89PNG\r\n\x1a\n")
    elif kind == "jpeg":
        ok = data.startswith(b"\xff\xd8\xff")
    elif kind in ("text", "csv"):
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise InputError(f"{name} is not UTF-8 text", hint="save it as UTF-8, or as PDF") from None
        if "\x00" in text:
            raise InputError(f"{name}: the content is not that of a {ext} file (it holds binary data)")
        ok = "\x00" not in text
    elif kind in _OOXML_MAIN:
        if not data.startswith(b"PK"):
            ok = False
        else:
            names = set(check_zip(data, what=what).namelist())
            ok = "[Content_Types].xml" in names and _OOXML_MAIN[kind] in names
            if any(n.lower().endswith("vbaproject.bin") for n in names):
                raise InputError(f"{name} contains macros; save it without macros (.docx, .xlsx, .pptx)")
    elif kind in ("odt", "ods"):
        if not data.startswith(b"PK"):
            ok = False
        else:
            zf = check_zip(data, what=what)
            try:
                ok = zf.read("mimetype").decode("ascii", "replace").strip() == ALLOWED[kind][0]
            except KeyError:
                ok = False
    if not ok:
        raise InputError(f"{name}: the content is not that of a {ext} file (it is damaged, or was renamed)",
                         hint=f"allowed: {ALLOWED_TEXT}")
    return name, ALLOWED[kind][0]


# --------------------------------------------------------------------------------- storage


@dataclass(frozen=True)
class Attachment:
    uid: str
    item_id: str
    filename: str
    media_type: str
    size: int
    sha256: str
    uploaded_by: str
    uploaded_at: datetime
    deleted_at: datetime | None


def attachments_dir() -> Path:
    from migcap.config import get_settings

    return get_settings().data_dir / "attachments"


def uploads_tmp_dir() -> Path:
    """``<data dir>/tmp``: uploaded files while they are read."""
    from migcap.config import get_settings

    return get_settings().data_dir / "tmp"


def temporary_upload(data: bytes, suffix: str) -> Path:
    """Write uploaded bytes to a new private file in :func:`uploads_tmp_dir`
    (``upload.<pid>.<random><suffix>``); the caller removes it when done."""
    from migcap.tempfiles import tagged

    folder = uploads_tmp_dir()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / tagged("upload", suffix)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return path


_UPLOAD = re.compile(r"upload\.(?P<pid>\d+)\.[0-9a-f]{16}\.\w+")
_UPLOAD_LEGACY = re.compile(r"import-[0-9a-f]{32}\.xlsx")  # the names before they held a process id
_PART = re.compile(r"[0-9a-f]{32}\.(?P<pid>\d+)\.part")
_PART_LEGACY = re.compile(r"[0-9a-f]{32}\.part")


def remove_leftover_uploads() -> list[Path]:
    """Remove the uploads and half-written attachments of server processes that are gone.

    Returns
    -------
    list of pathlib.Path
        The files removed (those of running processes stay; see :mod:`migcap.tempfiles`).
    """
    from migcap.tempfiles import remove_stale

    removed = []
    if uploads_tmp_dir().is_dir():
        removed += remove_stale(uploads_tmp_dir().iterdir(), _UPLOAD, legacy=_UPLOAD_LEGACY)
    if attachments_dir().is_dir():
        removed += remove_stale(attachments_dir().glob("*/*.part"), _PART, legacy=_PART_LEGACY)
    return removed


def _folder(assessment_uid: str) -> Path:
    if not _UID.match(assessment_uid):
        raise InputError("not an assessment id", value=assessment_uid[:40])
    base = attachments_dir().resolve()
    folder = (base / assessment_uid).resolve()
    if not folder.is_relative_to(base) or folder == base:
        raise InputError("not an assessment id", value=assessment_uid[:40])
    return folder


def _path(assessment_uid: str, stored_name: str) -> Path:
    folder = _folder(assessment_uid)
    if not re.fullmatch(r"[0-9a-f]{32}", stored_name):
        raise MigcapError("damaged attachment record")
    path = (folder / stored_name).resolve()
    if path.parent != folder:
        raise MigcapError("damaged attachment record")
    return path


def _to_attachment(r: models.AttachmentRow) -> Attachment:
    return Attachment(r.uid, r.item_id, r.filename, r.media_type, r.size, r.sha256, r.uploaded_by,
                      r.uploaded_at, r.deleted_at)


def add_attachment(uid: str, item_id: str, filename: str, data: bytes, *, by: str,
                   max_bytes: int) -> Attachment:
    """Check a file and attach it to an item of an assessment (recorded in the history).

    Refused — and nothing stored — if the file fails a check (:func:`check_upload`), the item has
    20 attachments already, the assessment would exceed 500 MB, or it is published.
    """
    from .inventory import load_inventory

    name, media = check_upload(data, filename, max_bytes=max_bytes)
    stored = uuid.uuid4().hex
    digest = hashlib.sha256(data).hexdigest()
    path = _path(uid, stored)
    written = False
    try:
        with db.session_scope(write=True) as s:
            arow = _assessment_row(s, uid, write=True)
            iid = load_inventory(arow.inventory_id).item(item_id).id
            live = (models.AttachmentRow.assessment_id == arow.id) & models.AttachmentRow.deleted_at.is_(None)
            n_item = s.scalar(select(func.count()).select_from(models.AttachmentRow)
                              .where(live, models.AttachmentRow.item_id == iid)) or 0
            if n_item >= MAX_PER_ITEM:
                raise InputError(f"item {iid} has {MAX_PER_ITEM} attachments already; remove one first")
            used = s.scalar(select(func.coalesce(func.sum(models.AttachmentRow.size), 0)).where(live)) or 0
            if used + len(data) > MAX_PER_ASSESSMENT:
                raise InputError("the attachments of this assessment would exceed "
                                 f"{MAX_PER_ASSESSMENT // 2**20} MB")
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(f"{path.name}.{os.getpid()}.part")  # whose it is, if the process is killed
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, path)
            written = True
            now = db.now()
            row = models.AttachmentRow(uid=uuid.uuid4().hex, assessment_id=arow.id, item_id=iid,
                                       filename=name, media_type=media, size=len(data), sha256=digest,
                                       stored_name=stored, uploaded_by=by[:200], uploaded_at=now)
            s.add(row)
            s.add(models.ChangeRow(assessment_id=arow.id, item_id=iid, action="attach", field="attachment",
                                   old=None, new=name, version=None, changed_at=now, changed_by=by[:200],
                                   source="web"))
            s.flush()
            return _to_attachment(row)
    except BaseException:
        if written:
            path.unlink(missing_ok=True)
        path.with_name(f"{path.name}.{os.getpid()}.part").unlink(missing_ok=True)
        raise


def attachments(uid: str) -> list[Attachment]:
    """The attachments of an assessment that were not removed, by item and upload time."""
    with db.session_scope() as s:
        arow = _assessment_row(s, uid)
        rows = s.scalars(select(models.AttachmentRow).where(models.AttachmentRow.assessment_id == arow.id,
                                                        models.AttachmentRow.deleted_at.is_(None))
                         .order_by(models.AttachmentRow.item_id, models.AttachmentRow.uploaded_at)).all()
        return [_to_attachment(r) for r in rows]


def attachment_file(uid: str, attachment_uid: str) -> tuple[Attachment, Path]:
    """An attachment of *this* assessment and the path of its file (never another assessment's)."""
    with db.session_scope() as s:
        arow = _assessment_row(s, uid)
        row = s.scalars(select(models.AttachmentRow).where(models.AttachmentRow.assessment_id == arow.id,
                                                       models.AttachmentRow.uid == attachment_uid,
                                                       models.AttachmentRow.deleted_at.is_(None))).first()
        if row is None:
            from migcap.errors import NotFound

            raise NotFound("no such attachment")
        path = _path(uid, row.stored_name)
        if not path.is_file():
            raise MigcapError(f"the file of attachment {row.filename!r} is missing from the attachments "
                              "folder")
        return _to_attachment(row), path


def remove_attachment(uid: str, attachment_uid: str, *, by: str) -> None:
    """Hide an attachment (recorded in the history; the file is kept)."""
    with db.session_scope(write=True) as s:
        arow = _assessment_row(s, uid, write=True)
        row = s.scalars(select(models.AttachmentRow).where(models.AttachmentRow.assessment_id == arow.id,
                                                       models.AttachmentRow.uid == attachment_uid,
                                                       models.AttachmentRow.deleted_at.is_(None))).first()
        if row is None:
            from migcap.errors import NotFound

            raise NotFound("no such attachment")
        now = db.now()
        s.execute(update(models.AttachmentRow).where(models.AttachmentRow.id == row.id)
                  .values(deleted_at=now, deleted_by=by[:200]))
        s.add(models.ChangeRow(assessment_id=arow.id, item_id=row.item_id, action="detach",
                               field="attachment", old=row.filename, new=None, version=None, changed_at=now,
                               changed_by=by[:200], source="web"))
