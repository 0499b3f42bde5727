"""Review and recommendations for the HYPOTHETICAL example state, checked against values worked out by hand.

Hypothetica's declared profile gives the tags origin (emigrants 14.2% ≥ 5%), remittance_dependent
(9.8% of GDP ≥ 5%), remittance_shock (fall of 11.5% in 2009 ≥ 5%) and transit (declared). Each item's
weight is the highest relevance these tags (or 'all') give it: low 1, medium 2, high 3.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from functools import partial
from pathlib import Path

import pytest

from migcap import db
from migcap.capacity.assessments import create_assessment, set_item
from migcap.capacity.example import EXAMPLE_ISO3, load_example
from migcap.capacity.recommendations import recommend
from migcap.capacity.reviewing import review
from migcap.cli import main
from tests.cli import invoke


@pytest.fixture()
def example(private_store: Path) -> Iterator[Path]:
    reports = load_example()
    assert [r.created for r in reports] == [True, True]
    yield private_store
    db.dispose_engines()


def test_area_scores_worked_out_by_hand(example: Path) -> None:
    r = review(EXAMPLE_ISO3)
    assert r.assessment.hypothetical and "HYPOTHETICAL" in r.assessment.title
    assert sorted(r.profile.tags) == ["origin", "remittance_dependent", "remittance_shock", "transit"]
    # LAB: weights (origin/remittance_dependent/remittance_shock make 01,05–10 high; 02–04 stay low)
    #   01 partial 3×2, 02 not applicable (out), 03 absent 1×0, 04 planned 1×1, 05 good practice 3×4,
    #   06 established 3×3, 07 planned 3×1, 08 partial 3×2, 09 unanswered (out), 10 established 3×3
    #   Σw·L = 6+0+1+12+9+3+6+9 = 46, Σw = 3+1+1+3+3+3+3+3 = 20 → 100·46/80 = 57.5
    lab = r.area("LAB")
    assert (lab.weighted_levels, lab.weight_sum) == (46, 20) and lab.score == pytest.approx(57.5)
    assert lab.coverage == pytest.approx(9 / 10)  # nine of ten answered, 'not applicable' included
    # 03 and 10 lack evidence
    assert lab.evidence_share == pytest.approx(6 / 8) and lab.confidence == "medium"
    # CORE: all high (CORE-03 through 'transit'); levels 3,2,1,3,3,4,2,2,1,3 → 3·24 / (4·30) = 60
    assert r.area("CORE").score == pytest.approx(60.0)
    # ENV: weights 2,2,2,1,(N/A),2,2,3,2,2 (ENV-08 high through remittance_dependent);
    #   levels 1,2,2,0,-,0,2,1,1,0
    #   Σw·L = 2+4+4+0+0+4+3+2+0 = 19, Σw = 18 → 1900/72
    assert r.area("ENV").score == pytest.approx(1900 / 72)
    # the other areas, by the same rule: IRR 53/27, DEV 49/28, INT 18/10, RET 51/30
    assert r.area("IRR").score == pytest.approx(100 * 53 / 108)
    assert r.area("DEV").score == pytest.approx(43.75)
    assert r.area("INT").score == pytest.approx(45.0) and r.area("INT").coverage == pytest.approx(0.8)
    assert r.area("RET").score == pytest.approx(42.5)
    # overall: all items pooled, Σw·L = 72+46+53+49+18+19+51 = 308, Σw = 30+20+27+28+10+18+30 = 163
    assert (r.overall.weighted_levels, r.overall.weight_sum) == (308, 163)
    assert r.overall.score == pytest.approx(100 * 308 / 652)
    assert r.overall.coverage == pytest.approx(67 / 70)  # LAB-09, INT-09, INT-10 unanswered


def test_gaps_priorities_and_strengths_worked_out_by_hand(example: Path) -> None:
    r = review(EXAMPLE_ISO3)
    by_priority: dict[str, set[str]] = {"high": set(), "medium": set(), "low": set()}
    for g in r.gaps:
        by_priority[g.priority or ""].add(g.item)
    # priority weight = w × (target − level); high ≥ 6, medium ≥ 3
    assert by_priority["high"] == {"DEV-06", "DEV-09", "RET-07", "RET-10",  # high relevance, absent: 3×3 = 9
                                   "CORE-03", "CORE-09", "LAB-07", "IRR-01", "IRR-06", "ENV-08", "RET-06",
                                   "RET-08"}  # high relevance, planned: 3×2 = 6
    assert by_priority["medium"] == {
        "CORE-02", "CORE-07", "CORE-08", "LAB-01", "LAB-08", "IRR-04", "IRR-08", "IRR-10", "DEV-01", "DEV-03",
        "DEV-07", "DEV-10", "RET-02", "RET-05", "RET-09",  # high relevance, partial: 3×1 = 3
        "IRR-03", "INT-02", "ENV-06", "ENV-10"}  # medium relevance (target partial), absent: 2×2 = 4
    assert by_priority["low"] == {"DEV-05", "DEV-08", "ENV-01", "ENV-09",  # medium, planned: 2×1
                                  "LAB-03", "ENV-04"}  # low relevance (target planned), absent: 1×1
    assert [g.item for g in r.gaps[:4]] == ["DEV-06", "DEV-09", "RET-07", "RET-10"]  # then inventory order
    g = r.item("LAB-07")
    assert (g.level, g.target, g.relevance, g.priority_weight, g.kind) == ("planned", "established", "high",
                                                                            6, "gap")
    assert g.drivers == ("origin", "remittance_dependent")
    assert g.reasons[0] == "level planned is below the target established"
    assert g.reasons[1] == "relevance high for the profile (origin, remittance_dependent)"
    assert g.reasons[2].startswith("origin: emigrants 14.2% of population (2019); "
                                   "net migration rate -3.2 per 1,000")
    assert r.item("LAB-01").kind == "weakness" and r.item("LAB-04").kind is None  # planned meets a low target
    assert [s.item for s in r.strengths[:3]] == ["CORE-06", "LAB-05", "DEV-04"]  # good practice first
    assert {s.item for s in r.strengths} == {"CORE-01", "CORE-04", "CORE-05", "CORE-06", "CORE-10", "LAB-05",
                                             "LAB-06", "LAB-10", "IRR-02", "IRR-07", "IRR-09", "DEV-02",
                                             "DEV-04", "INT-01", "INT-06", "INT-07", "RET-01", "RET-03",
                                             "RET-04"}
    assert [x.item for x in r.unanswered_high] == ["LAB-09"]
    assert set(r.drivers()["transit"]["gaps"]) >= {"CORE-03", "IRR-01", "IRR-06"}


def test_over_time_worked_out_by_hand(example: Path) -> None:
    r = review(EXAMPLE_ISO3, previous=True)
    c = r.comparison
    assert c is not None and c.kind == "previous"
    # 2022 differs in CORE-08 (established), LAB-05 (established), LAB-07 (absent), IRR-09 (good practice),
    # DEV-02 (partial), RET-06 (absent), and ENV unanswered: Σw·L = 308 − 19 − 3 − 3 + 3 − 3 + 3 − 3 = 283,
    # Σw = 163 − 18 = 145
    assert c.overall[1] == pytest.approx(100 * 283 / 580)
    assert c.overall[2] == pytest.approx(100 * 308 / 652 - 100 * 283 / 580)
    lab = next(a for a in c.areas if a[0] == "LAB")
    assert lab[1:3] == (pytest.approx(57.5), pytest.approx(50.0))  # 2022: Σw·L 46 − 3 − 3 = 40 over 80
    changes = {x.item: x.change for x in c.changes}
    assert {k for k, v in changes.items() if v == "improved"} == {"LAB-05", "LAB-07", "DEV-02", "RET-06"}
    assert {k for k, v in changes.items() if v == "regressed"} == {"CORE-08", "IRR-09"}
    assert {k for k, v in changes.items() if v == "newly answered"} == {f"ENV-{i:02d}" for i in range(1, 11)}


def _publish(uid: str, *, draft: bool = False) -> None:
    """Give an assessment to a team, and publish it unless ``draft``."""
    from migcap.accounts import core
    from migcap.capacity import teamwork

    org = core.create_organisation(f"Team of {uid[:8]}")
    teamwork.assign(uid, org.slug)
    if not draft:
        teamwork.publish(uid, by="reviewer")


def test_only_published_assessments_are_peers(example: Path) -> None:
    draft = create_assessment("XHW", hypothetical=True, name="Similaria (HYPOTHETICAL state)", by="t",
                              figures={"emigrant_share": 8.0, "remittances_gdp": 7.0,
                                       "remittance_fall_2009": 9.0})
    set_item(draft.uid, "CORE-01", level="established", evidence="census", by="t", expected_version=0)
    _publish(draft.uid, draft=True)  # a team's draft: seen by its members only, so nobody's peer
    assert review(EXAMPLE_ISO3).peers == ()
    from migcap.capacity import teamwork

    teamwork.publish(draft.uid, by="reviewer")
    assert [p["iso3"] for p in review(EXAMPLE_ISO3).peers] == ["XHW"]


def test_comparison_with_a_peer(example: Path) -> None:
    peer = create_assessment("XHZ", hypothetical=True, name="Exemplaria (HYPOTHETICAL state)", by="t",
                             figures={"emigrant_share": 20.0, "remittances_gdp": 6.0})
    set_item(peer.uid, "LAB-01", level="established", evidence="policy", by="t", expected_version=0)
    set_item(peer.uid, "LAB-07", level="good practice", evidence="fees banned and enforced", by="t",
             expected_version=0)
    r = review(EXAMPLE_ISO3, compare_with="XHZ")
    # the peer's own profile: origin, high_emigration, remittance_dependent → LAB-01 and LAB-07 high:
    # (3×3 + 3×4) / (4×6) = 87.5
    lab = next(a for a in r.comparison.areas if a[0] == "LAB")  # type: ignore[union-attr]
    assert lab[1:] == (pytest.approx(57.5), pytest.approx(87.5), pytest.approx(-30.0))
    assert [(i, p, o) for i, _, p, o in r.comparison.peer_strengths] == [  # type: ignore[union-attr]
        ("LAB-01", "established", "partial"), ("LAB-07", "good_practice", "planned")]
    # not listed as a peer: its tags {origin, high_emigration, remittance_dependent} share 2 of the 5 tags of
    # both states (Jaccard 0.4 < 0.5), and a hypothetical state has no WMR 2010 region
    assert r.peers == ()
    close = create_assessment("XHW", hypothetical=True, name="Similaria (HYPOTHETICAL state)", by="t",
                              figures={"emigrant_share": 8.0, "remittances_gdp": 7.0,
                                       "remittance_fall_2009": 9.0})
    set_item(close.uid, "CORE-01", level="established", evidence="census", by="t", expected_version=0)
    assert review(EXAMPLE_ISO3).peers == ()  # not published (of no organisation): nobody's peer
    _publish(close.uid)
    # tags {origin, remittance_dependent, remittance_shock}: 3 of 4 shared (0.75); overall 100·3·3/(4·3) = 75
    assert review(EXAMPLE_ISO3).peers == ({"iso3": "XHW", "name": "Similaria (HYPOTHETICAL state)",
                                          "label": close.label, "overall": 75.0, "coverage_pct": 1.0,
                                          "basis": "similar profile "
                                                   "(origin, remittance_dependent, remittance_shock)"},)


def test_recommendations_worked_out_by_hand(example: Path) -> None:
    recs = recommend(EXAMPLE_ISO3)
    state = recs.for_actor("state")
    assert len(state) == len(recs.for_actor("civil_society")) == len(recs.for_actor("international")) == 37
    assert len(recs.for_actor("private_sector")) == 0  # not asked for by default
    first = state[0]
    assert (first.rank, first.priority, first.item, first.weight) == (1, "high", "DEV-06", 9)
    assert first.text == ("Inform potential returnees of opportunities, recognize their qualifications and "
                          "support returnee entrepreneurs.")
    assert first.rationale.startswith("Return and development is assessed 'absent', below the target "
                                      "'established' for this profile. Relevance is high because of the "
                                      "profile: origin: emigrants 14.2% of population (2019)")
    assert first.rationale.endswith("No evidence was recorded for the current level.")
    assert [r.item for r in state[:4]] == ["DEV-06", "DEV-09", "RET-07", "RET-10"]
    dev09 = state[1]
    assert {e.id for e in dev09.examples} == {"who-code", "ilo-fair", "iom-iris"}
    assert all(e.reference for e in dev09.examples)
    lab07 = next(r for r in state if r.item == "LAB-07")
    assert ("Data:" not in lab07.rationale
            or "remittances 9.8% of GDP" not in lab07.rationale.split("Data:")[1])
    cs = recs.for_actor("civil_society")[0]
    assert cs.item == "DEV-06" and cs.text == "Run returnee networks and mentoring."
    intl = recommend(EXAMPLE_ISO3, actor="international")
    assert {r.actor for r in intl.items} == {"international"}
    md = recs.to_markdown()
    assert md.splitlines()[2].startswith("> **HYPOTHETICAL state.**") and "## To civil society" in md


# ------------------------------------------------------------------------------------------ CLI


run = partial(invoke, main)


def test_cli_json_shapes(example: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "review", "XHY", "--format", "json")
    doc = json.loads(out)
    assert code == 0 and doc["state"]["hypothetical"] is True
    assert doc["overall"]["score"] == round(100 * 308 / 652, 2)
    assert {k: doc["areas"][1][k] for k in ("id", "score", "coverage")} == {"id": "LAB", "score": 57.5,
                                                                              "coverage": 0.9}
    gap = doc["gaps"][0]
    assert {k: gap[k] for k in ("item", "level", "target", "priority")} == {
        "item": "DEV-06", "level": "absent", "target": "established", "priority": "high"}
    assert gap["reasons"][0] == "level absent is below the target established"
    code, out, _ = run(capsys, "review", "XHY", "--previous", "--format", "json")
    assert json.loads(out)["comparison"]["kind"] == "previous"
    code, out, _ = run(capsys, "recommend", "XHY", "--actor", "civil-society", "--format", "json")
    recs = json.loads(out)["recommendations"]
    assert code == 0 and len(recs) == 37
    assert (set(recs[0]) >= {"actor", "priority", "item", "text", "rationale"}
            and recs[0]["actor"] == "civil-society")
    code, out, _ = run(capsys, "recommend", "XHY", "--format", "md", "--top", "2")
    assert code == 0 and out.count("\n1. **[high] DEV-06") == 3 and "\n3. " not in out


def test_cli_commands(example: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out, _ = run(capsys, "inventory", "list", "--format", "csv")
    assert (code == 0 and out.splitlines()[0] == "id,area,title,relevance,mgi,gcm"
            and len(out.splitlines()) == 71)
    code, out, _ = run(capsys, "inventory", "show", "LAB-02")
    assert code == 0 and out.startswith("## LAB-02 Assessing labour and skills shortages")
    code, _, err = run(capsys, "inventory", "export", "--format", "xlsx", "--out", str(tmp_path / "inv.xlsx"))
    assert code == 0 and (tmp_path / "inv.xlsx").stat().st_size > 10_000
    code, out, _ = run(capsys, "assess", "new", "Kenya", "--label", "2025 round", "--by", "Analyst")
    assert code == 0 and out.startswith("Created Kenya (KEN), 2025 round")
    form = tmp_path / "ken.xlsx"
    code, _, _ = run(capsys, "assess", "export", "KEN", "--format", "xlsx", "--out", str(form))
    import openpyxl

    wb = openpyxl.load_workbook(form)
    wb["Assessment"]["F2"] = "excellent"
    wb["Assessment"]["F3"] = "partial"
    wb["Assessment"]["J4"] = "soon"
    wb.save(form)
    code, out, err = run(capsys, "assess", "import", str(form), "--by", "Focal point")
    assert code == 1 and out == ""
    lines = err.splitlines()
    assert lines[0] == f"error: {form}: nothing imported; 2 problem(s):"
    assert lines[1].startswith(f"  - {form}, sheet 'Assessment', row 2, column 'F (level)': not a level")
    assert lines[2].startswith(f"  - {form}, sheet 'Assessment', row 4, column 'J (date)': not a date")
    code, out, _ = run(capsys, "assess", "history", "XHY", "--format", "csv")
    assert (code == 0
            and out.splitlines()[0] == "when_utc,who,assessment,item,action,field,old,new,version,source")
    code, out, _ = run(capsys, "assess", "export", "XHY", "--format", "yaml")
    assert code == 0 and "HYPOTHETICAL state" in out
    code, _, err = run(capsys, "review", "Chile")
    assert code == 1 and err.startswith("error: no assessment of Chile (CHL) in the database")
    code, _, err = run(capsys, "review", "XHY", "--format", "pdf")
    assert code == 2
