"""schemathesis against the API's OpenAPI document: generated requests (valid and not) never get a 500, and every
response matches the documented status codes, media types and schemas.

Bounded: a fixed number of examples per operation, derandomized, so that the run is reproducible and short.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    import schemathesis
    from hypothesis import HealthCheck, Phase, given, settings
    from schemathesis.checks import not_a_server_error
    from schemathesis.generation.modes import GenerationMode
    from schemathesis.specs.openapi.checks import (
        content_type_conformance,
        response_schema_conformance,
        status_code_conformance,
    )

from migcap.web.settings import WebSettings

EXAMPLES = 10
SLOW = {"/api/v1/flows": 4}  # each new combination of a flows request is an estimate of about a second


def _settings(tmp: Path) -> WebSettings:
    return WebSettings(report_dir=tmp / "no-report", report_build="never", warm=False, log_format="text",
                       log_level="error")


def _cases() -> list[Any]:
    """(path, mode) for every operation, read from an app that is built but not started (no warehouse needed);
    invalid requests only where there are parameters to get wrong."""
    import tempfile

    from migcap.web import create_app

    spec = create_app(_settings(Path(tempfile.gettempdir()))).openapi()
    out = []
    for path in sorted(spec["paths"]):
        out.append(pytest.param(path, GenerationMode.POSITIVE, id=f"{path}-valid"))
        if spec["paths"][path]["get"].get("parameters"):
            out.append(pytest.param(path, GenerationMode.NEGATIVE, id=f"{path}-invalid"))
    return out


@pytest.fixture(scope="module")
def api(model_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, Any]]:
    from migcap.web import create_app

    app = create_app(_settings(tmp_path_factory.mktemp("schema")))
    schema = schemathesis.openapi.from_dict(app.openapi())
    yield app, schema


@pytest.mark.parametrize(("path", "mode"), _cases())
def test_api_conforms_to_its_schema(api: tuple[Any, Any], path: str, mode: GenerationMode) -> None:
    """Valid requests (by the schema) and invalid ones: documented statuses and bodies, never a 500."""
    app, schema = api
    operation = schema[path]["GET"]

    @settings(max_examples=SLOW.get(path, EXAMPLES), deadline=None, database=None, derandomize=True,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy(generation_mode=mode))
    def run(case: Any) -> None:
        response = case.call(app=app)
        case.validate_response(response, checks=[not_a_server_error, status_code_conformance,
                                                  content_type_conformance, response_schema_conformance])

    run()
