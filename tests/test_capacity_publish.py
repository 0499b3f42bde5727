"""Publishing from the command line: ``migcap assess publish`` and ``unpublish`` record who and when, as
the web application does (the same domain function, :func:`migcap.capacity.teamwork.publish`)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path

import pytest

from migcap import db
from migcap.capacity import teamwork
from migcap.capacity.assessments import create_assessment, get_assessment, history, set_item
from migcap.capacity.exchange import export_assessment
from migcap.cli import main
from tests.cli import invoke

run = partial(invoke, main)


@pytest.fixture()
def store(private_store: Path) -> Iterator[Path]:
    yield private_store
    db.dispose_engines()


def test_publish_and_unpublish_from_the_command_line(store: Path, tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    from migcap.accounts import core

    a = create_assessment("Kenya", by="analyst", label="2025 round")
    set_item(a.uid, "CORE-01", level="partial", evidence="Census 2019", by="analyst", expected_version=0)
    # an assessment made with the command line belongs to no organisation yet: one line says what to do
    code, _, err = run(capsys, "assess", "publish", "KEN", "--by", "Focal point")
    assert code == 1 and "Traceback" not in err and err.count("\n") == 1
    assert ("belongs to no organisation, so it cannot be published; give it to one first: "
            f"migcap users assign {a.uid} --org SLUG") in err
    org = core.create_organisation("Kenya team", kind="state", iso3="KEN")
    teamwork.assign(a.uid, org.slug)
    path = tmp_path / "before.xlsx"
    path.write_bytes(export_assessment(a.uid, "xlsx"))
    start = datetime.now(UTC) - timedelta(seconds=1)
    code, out, err = run(capsys, "assess", "publish", "KEN", "--by", "Focal point")
    assert code == 0, err
    owned = teamwork.ownership(a.uid)
    assert owned is not None
    own = owned[1]
    assert (own.status, own.published_by) == ("published", "Focal point") and own.published_at is not None
    assert start <= own.published_at <= datetime.now(UTC)
    assert out.startswith("Published Kenya (KEN), 2025 round (Kenya team) on ") and "by Focal point" in out
    last = history(a.uid)[-1]
    assert (last.action, last.old, last.new, last.changed_by, last.source) == (
        "publish", "draft", "published", "Focal point", "cli")
    assert [x.uid for x in teamwork.published_latest()] == [a.uid]
    # published: read-only for the command line too, and publishing twice is refused
    code, _, err = run(capsys, "assess", "import", str(path), "--by", "x")
    assert code == 1 and "read-only" in err
    code, _, err = run(capsys, "assess", "publish", a.uid, "--by", "Focal point")
    assert code == 1 and err == "error: the assessment '2025 round' is already published\n"
    # unpublish: a draft again, recorded; twice is refused
    code, out, err = run(capsys, "assess", "unpublish", "KEN", "--by", "Reviewer")
    assert code == 0 and "is a draft of Kenya team again" in out, err
    owned = teamwork.ownership(a.uid)
    assert owned is not None
    assert (owned[1].status, owned[1].published_at, owned[1].published_by) == ("draft", None, None)
    last = history(a.uid)[-1]
    assert (last.action, last.old, last.new, last.changed_by, last.source) == (
        "unpublish", "published", "draft", "Reviewer", "cli")
    assert teamwork.published_latest() == []
    set_item(a.uid, "CORE-01", level="established", evidence="Census 2019", by="analyst", expected_version=1)
    code, _, err = run(capsys, "assess", "unpublish", "KEN", "--by", "Reviewer")
    assert code == 1 and err == "error: the assessment '2025 round' is not published (it is a draft)\n"
    assert get_assessment("KEN").entry("CORE-01").level == "established"


def test_the_web_records_its_publications_as_web(store: Path) -> None:
    from migcap.accounts import core

    org = core.create_organisation("Kenya team", kind="state", iso3="KEN")
    a = teamwork.create_for(org.id, "KEN", by="editor")
    own = teamwork.publish(a.uid, by="Reviewer R")
    assert (own.status, own.published_by) == ("published", "Reviewer R")
    assert history(a.uid)[-1].source == "web"
