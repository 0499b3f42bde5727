"""schemathesis against the API's OpenAPI document: generated requests (valid and not) never get a 500, and
every response matches the documented status codes, media types and schemas.

Every operation of the document is run — every method of every path, the assessment API included, with a real
token of an editor and, for half of the valid requests, the id of a real assessment (and a real item) of the
editor's organisation, so that reading, changing (versions, conflicts) and refusing (publishing) are
exercised, not only "not found".

Bounded: a fixed number of examples per operation, derandomized, so that the run is reproducible and short.
"""

from __future__ import annotations

import shutil
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    import schemathesis
    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis import strategies as st
    from schemathesis.checks import not_a_server_error
    from schemathesis.generation.modes import GenerationMode
    from schemathesis.specs.openapi.checks import (
        content_type_conformance,
        response_schema_conformance,
        status_code_conformance,
    )

from migcap.web.settings import WebSettings
from tests.conftest import _clear_caches

EXAMPLES = 10
# each new combination of these is an estimate or a fit of about a second or more
SLOW = {"/api/v1/flows": 4}
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


def _settings(tmp: Path) -> WebSettings:
    return WebSettings(report_dir=tmp / "no-report", report_build="never", warm=False, log_format="text",
                       log_level="error", secret_key="schema-test-secret-" + "x" * 32)


def _cases() -> list[Any]:
    """(path, method, mode) for every operation, read from an app that is built but not started (no warehouse
    needed); invalid requests only where there are parameters or a body to get wrong."""
    import tempfile

    from migcap.web import create_app

    spec = create_app(_settings(Path(tempfile.gettempdir()))).openapi()
    out = []
    for path in sorted(spec["paths"]):
        for method, op in sorted(spec["paths"][path].items()):
            out.append(pytest.param(path, method, GenerationMode.POSITIVE,
                                    id=f"{method.upper()} {path}-valid"))
            if op.get("parameters") or op.get("requestBody"):
                out.append(pytest.param(path, method, GenerationMode.NEGATIVE,
                                        id=f"{method.upper()} {path}-invalid"))
    return out


@dataclass
class Api:
    app: Any
    schema: Any
    token: str
    uid: str


@pytest.fixture(scope="module")
def api(model_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    """The app on a private copy of the warehouse (with a small fitted model) and its own assessments
    database: an organisation, an editor with an API token, and a draft with one answered item."""
    from fastapi.testclient import TestClient

    from migcap import db
    from migcap.accounts import core
    from migcap.capacity import teamwork
    from migcap.capacity.assessments import set_item
    from migcap.web import create_app

    data = tmp_path_factory.mktemp("schema") / "data"
    shutil.copytree(model_store, data)  # the warehouse and a small fitted model: no request waits for a fit
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("MIGCAP_DATA_DIR", str(data))
        mp.setenv("MIGCAP_DATABASE_URL", f"sqlite:///{data / 'assessments.sqlite'}")
        _clear_caches()
        db.upgrade()
        org = core.create_organisation("Schema team", iso3="KEN")
        user = core.create_user("editor@schema.example", "Editor", "correct horse battery staple")
        core.add_member(org.id, user.id, "editor")
        _tok, token = core.create_api_token(user.id, "schemathesis")
        draft = teamwork.create_for(org.id, "KEN", by="Editor", label="draft")
        set_item(draft.uid, "LAB-01", level="partial", evidence="census", by="Editor", expected_version=0)
        app = create_app(_settings(data))
        with TestClient(app, raise_server_exceptions=False):  # the lifespan: the warehouse is opened
            yield Api(app, schemathesis.openapi.from_dict(app.openapi()), token, draft.uid)
        db.dispose_engines()
    _clear_caches()


@pytest.mark.parametrize(("path", "method", "mode"), _cases())
def test_api_conforms_to_its_schema(api: Api, path: str, method: str, mode: GenerationMode) -> None:
    """Valid requests (by the schema) and invalid ones: documented statuses and bodies, never a 500."""
    operation = api.schema[path][method.upper()]
    secured = bool(operation.definition.raw.get("security"))

    @settings(max_examples=SLOW.get(path, EXAMPLES), deadline=None, database=None, derandomize=True,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy(generation_mode=mode), real=st.booleans())
    def run(case: Any, real: bool) -> None:
        if secured:
            case.headers = {**(case.headers or {}), "Authorization": f"Bearer {api.token}"}
        if real and mode == GenerationMode.POSITIVE and case.path_parameters:
            if "uid" in case.path_parameters:
                case.path_parameters["uid"] = api.uid
            if "item_id" in case.path_parameters:
                case.path_parameters["item_id"] = "LAB-01"
        response = case.call(app=api.app)
        case.validate_response(response, checks=CHECKS)

    run()


def test_every_operation_is_run() -> None:
    """The cases above hold every operation of the document, the assessment API's GET and PUT included."""
    ops = {(p.values[0], p.values[1]) for p in _cases()}
    assert ("/api/v1/assessments/{uid}/items/{item_id}", "put") in ops
    assert ("/api/v1/assessments/{uid}/status", "put") in ops
    assert ("/api/v1/me", "get") in ops and ("/api/v1/stocks", "get") in ops
