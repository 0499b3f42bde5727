"""The capacity inventory: schema, completeness, crosswalks, practice examples, user inventories, exports."""

from __future__ import annotations

import io
import json
from pathlib import Path

import openpyxl
import pytest
import yaml

from migcap.capacity.inventory import (
    Inventory,
    frameworks,
    inventory_markdown,
    inventory_xlsx,
    item_markdown,
    load_inventory,
    practice_examples,
)
from migcap.capacity.vocab import ACTORS, FIGURES, PROFILE_TAGS, RELEVANCE
from migcap.config import package_data_dir
from migcap.errors import InputError, MigcapError

AREAS = {"CORE", "LAB", "IRR", "DEV", "INT", "ENV", "RET"}


@pytest.fixture(scope="module")
def inv() -> Inventory:
    return load_inventory()


def test_six_areas_and_core_with_at_least_sixty_items(inv: Inventory) -> None:
    assert inv.id == "migcap-wmr2010" and inv.version == "1.0.0"
    assert {a.id for a in inv.areas} == AREAS
    assert len(inv.items) >= 60
    for area in AREAS:
        assert len(inv.items_of(area)) >= 9, area
    # the report's own item titles, as given in the issue, are all there (labour mobility)
    lab = [i.title for i in inv.items_of("LAB")]
    assert lab[:3] == ["Determining policy goals", "Assessing labour and skills shortages",
                       "Regulating admissions and selecting migrant workers"]
    assert len(inv.item_ids) == len(set(inv.item_ids))


def test_every_item_complete_in_every_field(inv: Inventory) -> None:
    raw = yaml.safe_load((package_data_dir() / "capacity" / "inventory.yaml").read_text())
    fields = {"id", "area", "title", "basis", "purpose", "activities", "evidence", "relevance", "indicators",
              "actors", "mgi", "gcm"}
    fw = frameworks()
    for doc, item in zip(raw["items"], inv.items, strict=True):
        assert set(doc) == fields, item.id  # no field missing, none extra
        for name in ("title", "basis", "purpose"):
            assert len(getattr(item, name).strip()) >= 3, (item.id, name)
        assert len(item.activities) >= 3 and all(len(a) > 20 for a in item.activities), item.id
        assert len(item.evidence) >= 1 and all(len(e) > 15 for e in item.evidence), item.id
        assert "all" in item.relevance and set(item.relevance) <= set(PROFILE_TAGS), item.id
        assert set(item.relevance.values()) <= set(RELEVANCE), item.id
        assert item.indicators and all(i in FIGURES or i.endswith(")") for i in item.indicators), item.id
        for actor in ACTORS:
            assert len(getattr(item.actors, actor)) > 15, (item.id, actor)
        assert item.mgi and set(item.mgi) <= set(fw.mgi), item.id
        assert item.gcm and all(1 <= g <= 23 for g in item.gcm), item.id
        assert item.id.startswith(item.area + "-")


def test_frameworks_are_the_six_mgi_dimensions_and_23_gcm_objectives(inv: Inventory) -> None:
    fw = frameworks()
    assert len(fw.mgi) == 6 and fw.mgi["whole_of_government"] == "Whole-of-government approach"
    assert sorted(fw.gcm) == list(range(1, 24))
    assert fw.gcm[20].startswith("Promote faster, safer and cheaper transfer of remittances")
    # the crosswalk uses every MGI dimension and most GCM objectives
    assert {m for i in inv.items for m in i.mgi} == set(fw.mgi)
    assert len({g for i in inv.items for g in i.gcm}) >= 20


def test_relevance_for_a_profile(inv: Inventory) -> None:
    # {all: low, origin: high, remittance_dependent: high, remittance_shock: high, ...}
    item = inv.item("DEV-02")
    assert item.relevance_for(frozenset()) == ("low", ("all",))
    assert item.relevance_for({"destination"}) == ("medium", ("destination",))
    assert item.relevance_for({"origin", "remittance_shock"}) == ("high", ("origin", "remittance_shock"))
    with pytest.raises(MigcapError, match=r"no item 'LAB-99'.*did you mean"):
        inv.item("LAB-99")


def test_practice_examples_have_references_and_known_items(inv: Inventory) -> None:
    examples = practice_examples()
    assert len(examples) >= 40
    ids = set(inv.item_ids)
    for e in examples:
        assert e.reference and len(e.reference) > 10, e.id
        assert set(e.items) <= ids, e.id
        assert e.url is None or e.url.startswith("https://")
    assert {e.id for e in practice_examples("LAB-08")} >= {"nz-rse", "ca-sawp", "kr-eps"}
    assert "2009/52/EC" in next(e for e in examples if e.id == "eu-employer-sanctions").reference


def test_markdown_json_and_xlsx_exports_hold_every_item(inv: Inventory) -> None:
    md = inventory_markdown(inv)
    assert all(f"## {i.id} {i.title}" in md for i in inv.items)
    one = item_markdown(inv, "LAB-08")
    assert "- [ ] Negotiate agreements or memoranda with the main partner countries." in one
    assert ("GCM objective 6: Facilitate fair and ethical recruitment" in one
            and "Recognised Seasonal Employer" in one)
    doc = json.loads(json.dumps(inv.to_dict()))
    assert Inventory.model_validate(doc) == inv  # the JSON form loads back to the same inventory
    wb = openpyxl.load_workbook(io.BytesIO(inventory_xlsx(inv)))
    rows = list(wb["items"].iter_rows(values_only=True))
    assert rows[0][:3] == ("id", "area", "title") and len(rows) == 1 + len(inv.items)
    assert [r[0] for r in rows[1:]] == list(inv.item_ids)


def _write(path: Path, doc: dict) -> Path:
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return path


def test_extend_the_inventory_and_bring_your_own(tmp_path: Path, inv: Inventory) -> None:
    extra = dict(inv.to_dict()["items"][0])
    extra.update(id="HLT-01", area="HLT", title="Migrant health screening and care")
    ext = _write(tmp_path / "ext.yaml", {
        "schema": "migcap-inventory/1", "id": "ministry-ext", "title": "Our inventory", "version": "1.1.0",
        "released": "2026-01-01", "description": "The bundled inventory plus health.",
        "extends": "migcap-wmr2010",
        "areas": [{"id": "HLT", "title": "Migration and health", "basis": "Added by the ministry",
                   "description": "Health of migrants."}],
        "items": [extra]})
    mine = load_inventory(ext)
    assert (mine.id == "ministry-ext" and len(mine.items) == len(inv.items) + 1
            and mine.item("HLT-01").area == "HLT")
    # a file of one's own, fully in the same schema
    own = inv.to_dict()
    own.update(id="own-checklist", items=own["items"][:5], areas=own["areas"][:1])
    assert len(load_inventory(_write(tmp_path / "own.yaml", own)).items) == 5


@pytest.mark.parametrize("change,message", [
    (lambda d: d["items"][0].pop("purpose"), "item CORE-01.purpose: Field required"),
    (lambda d: d["items"][1].update(activities=["only one"]), "item CORE-02.activities"),
    (lambda d: d["items"][2]["relevance"].pop("all"), "needs 'all'"),
    (lambda d: d["items"][3]["relevance"].update(island="high"), "unknown profile tag(s) island"),
    (lambda d: d["items"][4].update(mgi=["rights", "happiness"]), "unknown MGI dimension(s) happiness"),
    (lambda d: d["items"][5].update(gcm=[24]),
     "item CORE-06.gcm.0: Input should be less than or equal to 23"),
    (lambda d: d["items"][6].update(indicators=["emigrant_shar"]), "neither a profile figure"),
    (lambda d: d["items"][7].update(id="CORE-01"), "duplicate item id(s): CORE-01"),
    (lambda d: d["items"][8].update(area="XYZ", id="XYZ-01"), "unknown area 'XYZ'"),
])
def test_a_bad_inventory_is_refused_naming_item_and_field(tmp_path: Path, inv: Inventory, change,
                                                          message) -> None:
    doc = inv.to_dict()
    change(doc)
    path = _write(tmp_path / "bad.yaml", doc)
    with pytest.raises(InputError, match="not a valid inventory") as err:
        load_inventory(path)
    assert message in str(err.value) and str(path) in str(err.value)
    assert "\n" not in str(err.value)


def test_user_inventory_by_id_from_the_data_folder(private_store: Path, inv: Inventory) -> None:
    folder = private_store / "capacity" / "inventories"
    folder.mkdir(parents=True)
    doc = inv.to_dict()
    doc.update(id="team-list", items=doc["items"][:3], areas=doc["areas"][:1])
    _write(folder / "team.yaml", doc)
    assert load_inventory("team-list").item_ids == ("CORE-01", "CORE-02", "CORE-03")
    with pytest.raises(MigcapError, match="unknown inventory 'nope'"):
        load_inventory("nope")
