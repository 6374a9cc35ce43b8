"""Property-based run over the OpenAPI schema (schemathesis): whatever a client sends
within or around the schema, the API answers without a server error."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

from tests.support.histories import build_history
from tests.support.site import NewsSite
from tracker.config import load_config
from tracker.store import db
from tracker.web import create_app

TOKEN = "a-long-enough-fuzzing-token"


@pytest.fixture(scope="module")
def api_schema(tmp_path_factory: pytest.TempPathFactory) -> Any:
    site = NewsSite().start()
    config_path: Path
    config_path, _stories = build_history(tmp_path_factory.mktemp("fuzz"), site, web={"token": TOKEN})
    site.stop()
    config = load_config(config_path)
    app = create_app(config, db.session_factory(db.create_engine(config.database.url)))
    return schemathesis.openapi.from_asgi("/openapi.json", app)


def test_no_input_makes_a_server_error(api_schema: Any) -> None:
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 12  # the watch list, a version and a compare among them
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=60,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            database=None,
            derandomize=True,
        )
        def answers(case: Any) -> None:
            if case.method == "POST":  # with the token: the write path is fuzzed too
                given_headers = {
                    k: v for k, v in (case.headers or {}).items() if k.lower() != "authorization"
                }
                case.headers = given_headers | {"Authorization": f"Bearer {TOKEN}"}
            response = case.call()
            where = f"{case.method} {case.formatted_path} {case.query}"
            assert response.status_code < 500, f"{where}: HTTP {response.status_code} {response.text[:200]}"

        answers()
