"""Hostile and broken assessment files: each is refused with one line that names the file (and the entry,
field, sheet, row or column where there is one), a non-zero exit and no traceback, and nothing is stored;
small files that would cost minutes (a YAML alias bomb) are refused by limits in the reader."""

from __future__ import annotations

import json
from collections.abc import Iterator
from functools import partial
from pathlib import Path

import openpyxl
import pytest

from migcap import db
from migcap.capacity import inventory as inv_module
from migcap.capacity.assessments import create_assessment, get_assessment, set_item
from migcap.capacity.exchange import export_assessment, import_file
from migcap.cli import main
from migcap.errors import ImportRejected, InputError
from tests.cli import invoke

run = partial(invoke, main)


@pytest.fixture()
def store(private_store: Path) -> Iterator[Path]:
    yield private_store
    db.dispose_engines()


def _doc(**entry: object) -> dict[str, object]:
    return {"format": "migcap-assessment/1", "state": {"iso3": "KEN"},
            "entries": [{"item": "CORE-01", **entry}]}


def bomb(levels: int = 9, width: int = 9) -> str:
    """The "billion laughs" YAML: each level lists the previous one ``width`` times (9 × 9: 693 bytes)."""
    lines = ["a: &a [" + ",".join(['"lol"'] * width) + "]"]
    names = "abcdefghijklmnopqrstuvwxyz"
    for i in range(1, levels):
        lines.append(f"{names[i]}: &{names[i]} [" + ",".join([f"*{names[i - 1]}"] * width) + "]")
    lines.append(f"format: migcap-assessment/1\nstate: {{iso3: KEN}}\nentries:\n  - item: CORE-01\n"
                 f"    evidence: *{names[levels - 1]}")
    return "\n".join(lines) + "\n"


def _one_line_error(capsys: pytest.CaptureFixture[str], path: Path, *words: str) -> str:
    code, out, err = run(capsys, "assess", "import", str(path))
    assert code == 1 and out == "" and "Traceback" not in err, err
    assert err.startswith(f"error: {path}") and err.count("\n") == 1, err
    for w in words:
        assert w in err, (w, err)
    return err


# ------------------------------------------------------------------------------------------ reading


def test_a_yaml_alias_bomb_is_refused_at_once(store: Path, tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "bomb.yaml"
    path.write_text(bomb())
    assert len(path.read_bytes()) < 700
    _one_line_error(capsys, path, "once its aliases (*name) are expanded", "row 7")  # past a million


def test_the_reader_limits_expanded_nodes_aliases_and_depth(tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "doc.yaml"
    # 13 nodes once expanded: the root mapping, key a, its list of 2 (3), key b, its list of two copies
    # (1 + 3 + 3)
    path.write_text("a: &x [1, 2]\nb: [*x, *x]\n")
    monkeypatch.setattr(inv_module, "MAX_NODES", 13)
    assert inv_module._read_yaml(path) == {"a": [1, 2], "b": [[1, 2], [1, 2]]}
    monkeypatch.setattr(inv_module, "MAX_NODES", 12)
    with pytest.raises(InputError, match=r"doc.yaml, row 2: more than 12 values once its aliases"):
        inv_module._read_yaml(path)
    monkeypatch.setattr(inv_module, "MAX_NODES", 1_000)
    monkeypatch.setattr(inv_module, "MAX_ALIASES", 2)
    assert inv_module._read_yaml(path)["b"] == [[1, 2], [1, 2]]
    monkeypatch.setattr(inv_module, "MAX_ALIASES", 1)
    with pytest.raises(InputError, match="more than 1 aliases"):
        inv_module._read_yaml(path)
    depth = inv_module.MAX_DEPTH
    for suffix in ("yaml", "json"):
        doc = tmp_path / f"deep.{suffix}"
        doc.write_text("[" * depth + "]" * depth)   # at the limit
        inv_module._read_yaml(doc)
        doc.write_text("[" * (depth + 1) + "]" * (depth + 1))
        with pytest.raises(InputError, match=f"nested deeper than {depth} levels"):
            inv_module._read_yaml(doc)


def test_the_bundled_inventory_is_within_the_limits() -> None:
    assert len(inv_module.load_inventory().items) >= 60


@pytest.mark.parametrize("name,data,words", [
    ("latin1.json", json.dumps(_doc(evidence="Décret n° 2019"), ensure_ascii=False).encode("latin-1"),
     ("row 1", "not UTF-8 text (byte 0xe9", "save the file as UTF-8")),
    ("utf16.json", json.dumps(_doc(evidence="x")).encode("utf-16"), ("UTF-16 text, not UTF-8",)),
    ("broken.yaml", b"format: migcap-assessment/1\nstate: {iso3: KEN}\nentries: \xff\xfe\n",
     ("row 3", "not UTF-8 text (byte 0xff")),
    ("deep.json", b"[" * 100_000 + b"]" * 100_000, ("nested deeper than 50 levels",)),
    ("deep.yaml", b"[" * 100_000 + b"]" * 100_000, ("not valid YAML",)),
    ("feb30.yaml", b"format: migcap-assessment/1\nentries:\n  - {item: CORE-01, date: 2025-02-30}\n",
     ("not valid YAML (day is out of range for month)",)),
])
def test_undecodable_and_deep_files_get_one_line(store: Path, tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str], name: str, data: bytes,
                                                 words: tuple[str, ...]) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    _one_line_error(capsys, path, *words)


# ------------------------------------------------------------------------------------------ values


def test_control_characters_name_the_entry_and_field(store: Path, tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "ctl.json"
    path.write_text(json.dumps(_doc(level="partial", evidence="Census\x01 2019", assessor="x" * 201)))
    code, _, err = run(capsys, "assess", "import", str(path))
    assert code == 1 and "Traceback" not in err
    assert (f"{path}, entry 1, field 'evidence': contains control characters (such as NUL) that text "
            "cannot hold" in err)
    assert f"{path}, entry 1, field 'assessor': is longer than 200 characters (it has 201)" in err
    with pytest.raises(Exception, match="no assessment"):
        get_assessment("KEN")   # nothing stored


def test_a_json_nan_is_refused_not_stored_as_text(store: Path, tmp_path: Path) -> None:
    path = tmp_path / "nan.json"
    path.write_text(json.dumps(_doc(level="partial", evidence=float("nan"), notes=float("inf"))))
    assert "NaN" in path.read_text()
    with pytest.raises(ImportRejected) as err:
        import_file(path, by="x")
    assert {(p.row, p.column, p.message) for p in err.value.problems} == {
        (1, "evidence", "not a finite number, and not text"),
        (1, "notes", "not a finite number, and not text")}
    nan_figure = {"figures": {"emigrants": float("nan")}}
    path.write_text(json.dumps({**_doc(level="partial"), "profile": nan_figure}))
    with pytest.raises(ImportRejected, match=r"field 'profile.figures.emigrants': not a \(finite\) number"):
        import_file(path, by="x")


def test_a_huge_version_in_a_workbook_is_not_an_entry_version(store: Path, tmp_path: Path) -> None:
    a = create_assessment("Kenya", by="analyst")
    set_item(a.uid, "CORE-01", level="partial", evidence="Census 2019", by="x", expected_version=0)
    path = tmp_path / "v.xlsx"
    path.write_bytes(export_assessment(a.uid, "xlsx"))
    wb = openpyxl.load_workbook(path)
    ws = wb["Assessment"]
    ws["K2"], ws["G2"] = 1e308, "Census 2019 and LFS 2023"    # row 2 is CORE-01
    wb.save(path)
    with pytest.raises(ImportRejected) as err:
        import_file(path, by="y")
    (problem,) = err.value.problems
    assert (problem.row, problem.column, problem.message) == (2, "K (version)", "not an entry version")
    assert "now version" not in str(err.value)
    ws["K2"] = 7      # a whole number, but a version the entry never had
    wb.save(path)
    with pytest.raises(ImportRejected) as err:
        import_file(path, by="y")
    (problem,) = err.value.problems
    assert (problem.row, problem.column) == (2, "K (version)")
    assert problem.message.startswith("item CORE-01 has never had this version (the database has version 1)")
    assert get_assessment(a.uid).entry("CORE-01").evidence == "Census 2019"
