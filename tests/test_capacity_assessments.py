"""Assessments in the database: migrations, history, optimistic versions, concurrent edits."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import inspect

from migcap import db
from migcap.capacity import assessments as am
from migcap.capacity.assessments import create_assessment, get_assessment, history, set_item
from migcap.errors import ConflictError, InputError, MigcapError, UnknownAreaError


@pytest.fixture()
def store(private_store: Path) -> Iterator[Path]:
    """A private data folder: its own assessments database, closed afterwards."""
    yield private_store
    db.dispose_engines()


def test_database_created_by_the_shipped_migrations(store: Path) -> None:
    assert db.database_url() == f"sqlite:///{store / 'assessments.sqlite'}"
    assert db.upgrade() == db.head_revision() == "0002_accounts"
    assert db.upgrade() == "0002_accounts"  # idempotent
    names = set(inspect(db.get_engine()).get_table_names())
    assert {"capacity_alembic_version", "capacity_assessment", "capacity_entry", "capacity_change"} <= names
    assert {n for n in names if n.startswith("accounts_")} == {  # migcap.accounts (docs/accounts.md)
        "accounts_user", "accounts_organisation", "accounts_membership", "accounts_invitation",
        "accounts_session", "accounts_api_token", "accounts_login_attempt"}
    # the models and the migrations describe the same schema
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    with db.get_engine().connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"version_table": db.VERSION_TABLE, "compare_type": True})
        assert compare_metadata(ctx, db.Base.metadata) == []


def test_database_url_from_the_environment(store: Path, monkeypatch: pytest.MonkeyPatch,
                                           tmp_path: Path) -> None:
    from migcap.config import get_settings

    url = f"sqlite:///{tmp_path / 'elsewhere.db'}"
    monkeypatch.setenv("MIGCAP_DATABASE_URL", url)
    get_settings.cache_clear()
    assert db.database_url() == url
    create_assessment("Kenya", by="a")  # migrated on first use
    assert (tmp_path / "elsewhere.db").exists() and not (store / "assessments.sqlite").exists()
    monkeypatch.setenv("MIGCAP_DATABASE_URL", "nosuchdialect://x")
    get_settings.cache_clear()
    with pytest.raises(MigcapError, match="cannot use the assessments database URL"):
        db.get_engine()
    get_settings.cache_clear()


def test_every_change_is_kept_who_when_what(store: Path) -> None:
    a = create_assessment("Ghana", by="Ama", label="2025 round", tags=["transit"])
    assert a.iso3 == "GHA" and a.declared_tags == ("transit",) and a.revision == 0
    e1 = set_item(a.uid, "lab-05", level="Partial", evidence="PDOS pilot", by="Ama", expected_version=0)
    e2 = set_item(a.uid, "LAB-05", level="established", assessed_on="2025-03-01", by="Kofi",
                  expected_version=1)
    assert (e1.version, e2.version) == (1, 2) and e2.evidence == "PDOS pilot"
    assert e2.assessed_on == date(2025, 3, 1) and e2.updated_by == "Kofi"
    # no change: no new version
    same = set_item(a.uid, "LAB-05", level="established", by="Kofi", expected_version=2)
    assert same.version == 2
    changes = history("Ghana")
    assert [(c.changed_by, c.item_id, c.field, c.old, c.new, c.version) for c in changes] == [
        ("Ama", None, None, None,
         {"label": "2025 round", "inventory": "migcap-wmr2010 1.0.0", "tags": ["transit"]}, None),
        ("Ama", "LAB-05", "level", None, "partial", 1),
        ("Ama", "LAB-05", "evidence", "", "PDOS pilot", 1),
        ("Kofi", "LAB-05", "level", "partial", "established", 2),
        ("Kofi", "LAB-05", "assessed_on", None, "2025-03-01", 2),
    ]
    assert all(c.changed_at.tzinfo is not None for c in changes)
    assert changes[1].changed_at <= changes[-1].changed_at
    assert get_assessment("GHA").revision == 2
    table = am.history_table("GHA")
    assert table.columns[:4] == ("when_utc", "who", "assessment", "item") and len(table) == 5


def test_rules_and_bad_values(store: Path) -> None:
    a = create_assessment("Peru", by="x")
    with pytest.raises(InputError, match="'not applicable' needs a reason in the notes"):
        set_item(a.uid, "ENV-05", level="not applicable", by="x", expected_version=0)
    with pytest.raises(InputError, match="'good practice' needs evidence"):
        set_item(a.uid, "ENV-05", level="good practice", by="x", expected_version=0)
    with pytest.raises(InputError, match="unknown level 'excellent'"):
        set_item(a.uid, "ENV-05", level="excellent", by="x", expected_version=0)
    with pytest.raises(MigcapError, match="no item 'ENV-50'"):
        set_item(a.uid, "ENV-50", level="absent", by="x", expected_version=0)
    with pytest.raises(InputError, match="unknown profile tag 'island'"):
        create_assessment("Peru", tags=["island"])
    with pytest.raises(InputError, match="real country or area code"):
        create_assessment("XKX", hypothetical=True)
    with pytest.raises(MigcapError, match=r"no assessment of Chile \(CHL\)"):
        get_assessment("Chile")
    with pytest.raises(MigcapError, match="only one assessment; --previous needs two"):
        get_assessment("PER", which="previous")
    with pytest.raises(UnknownAreaError,
                       match=r"no hypothetical state XHY in the assessments database.*assess example"):
        get_assessment("XHY")
    # a real code of the hypothetical pattern (Kosovo)
    assert am.resolve_state("XKX")[0::2] == ("XKX", False)


def test_two_edits_from_the_same_version_never_lose_a_change(store: Path) -> None:
    a = create_assessment("Nepal", by="setup")
    base = get_assessment(a.uid).entry("LAB-07").version  # both officials open the item: version 0
    assert base == 0
    set_item(a.uid, "LAB-07", level="partial", evidence="Fee ceiling 2024", by="Official A",
             expected_version=base)
    with pytest.raises(ConflictError, match=r"changed by Official A .* not saved") as err:
        set_item(a.uid, "LAB-07", level="planned", by="Official B", expected_version=base)
    assert (err.value.expected, err.value.current, err.value.item) == (0, 1, "LAB-07")
    assert get_assessment(a.uid).entry("LAB-07").level == "partial"  # A's change is there, B's was refused
    # B reloads and saves on top of A's change: both are in the history
    now = get_assessment(a.uid).entry("LAB-07")
    set_item(a.uid, "LAB-07", level="planned", notes="fees cap not enforced", by="Official B",
             expected_version=now.version)
    levels = [(c.changed_by, c.new) for c in history(a.uid) if c.field == "level"]
    assert levels == [("Official A", "partial"), ("Official B", "planned")]


def test_concurrent_edits_in_threads(store: Path) -> None:
    a = create_assessment("Senegal", by="setup")
    for round_ in range(4):
        version = get_assessment(a.uid).entry("DEV-04").version
        barrier = threading.Barrier(2)
        outcome: dict[str, object] = {}

        def edit(who: str, level: str, version: int = version, barrier: threading.Barrier = barrier,
                 outcome: dict[str, object] = outcome) -> None:
            barrier.wait()
            try:  # each edit differs from what is stored (its own evidence), so each is a real change
                outcome[who] = set_item(a.uid, "DEV-04", level=level, evidence=f"evidence of {who}", by=who,
                                        expected_version=version)
            except ConflictError as exc:
                outcome[who] = exc

        threads = [threading.Thread(target=edit, args=(f"user{i}-{round_}", lv))
                   for i, lv in enumerate(("partial", "established"))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        won = [w for w, o in outcome.items() if not isinstance(o, ConflictError)]
        lost = [w for w, o in outcome.items() if isinstance(o, ConflictError)]
        assert len(won) == 1 and len(lost) == 1, outcome
        entry = get_assessment(a.uid).entry("DEV-04")
        assert entry.version == version + 1 and entry.updated_by == won[0]
        assert entry.evidence == f"evidence of {won[0]}"
    # the history holds exactly the four saved changes, each by its winner; the losers were told
    saved = [(c.changed_by, c.new) for c in history(a.uid) if c.field == "evidence"]
    assert len(saved) == 4 and all(new == f"evidence of {who}" for who, new in saved)
    assert get_assessment(a.uid).revision == 4


def test_the_database_itself_refuses_a_stale_update(store: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Even if a stale edit gets past the read (another process committed in between), the UPDATE ...
    WHERE version = expected finds no row and nothing is written."""
    a = create_assessment("Mali", by="setup")
    set_item(a.uid, "RET-03", level="partial", by="A", expected_version=0)
    set_item(a.uid, "RET-03", level="established", by="B", expected_version=1)
    monkeypatch.setattr(am, "is_conflict", lambda base, current: False)  # pretend the read saw version 1
    with pytest.raises(ConflictError, match="changed by someone else while saving"):
        set_item(a.uid, "RET-03", level="absent", by="C", expected_version=1)
    entry = get_assessment(a.uid).entry("RET-03")
    assert (entry.level, entry.version, entry.updated_by) == ("established", 2, "B")
