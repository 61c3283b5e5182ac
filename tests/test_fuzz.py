"""Both APIs fuzzed from their own OpenAPI documents (Schemathesis): generated requests, valid and not, against
the real engine. No answer is a 5xx, every answer matches the document (status code, content type, headers, body
schema), and invalid requests are refused. Bounded: a few dozen examples per operation and mode on the search API
(over the sample corpus), a few on the ingest API (each valid write waits for a refresh); derandomized so a run is
repeatable. AKHBAR_FUZZ_EXAMPLES=500 for a long run."""
import logging
import os
import uuid
from dataclasses import replace

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.specs.openapi.checks import positive_data_acceptance

from api import create_app
from indexer.jobs import index_paths
from ingest.app import create_app as create_ingest_app
from tests.conftest import SAMPLES, drop_indices

pytestmark = pytest.mark.engine

EXAMPLES = int(os.environ.get("AKHBAR_FUZZ_EXAMPLES", "30"))  # per operation and mode
INGEST_KEY = "fuzz-ingest-key"
MODES = (schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE)


@pytest.fixture(scope="module")
def fuzz_settings(es, base_settings):
    app_settings = replace(base_settings, index_alias=f"test-fuzz-{uuid.uuid4().hex[:8]}", index_workers=0,
                           ingest_keys=(INGEST_KEY,))
    index_paths(es, app_settings, [SAMPLES], progress=False)
    yield app_settings
    drop_indices(es, app_settings.index_alias)


def fuzz(schema, examples: int, auth: dict | None = None) -> list[str]:
    """Each operation of `schema` in each mode; the failures, as Schemathesis words them. `auth` headers are part
    of every generated request (never mutated away, so a negative case is not 'accepted' thanks to them)."""
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 3
    failures = []
    for operation, mode in [(operation, mode) for operation in operations for mode in MODES]:
        # One hypothesis run per operation and mode (schemathesis' pytest plugin does not load under pytest 9).
        @given(case=operation.as_strategy(mode, headers=auth))
        @settings(max_examples=examples, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        def answers_as_documented(case):
            # Not checked: that every schema-valid request succeeds. Some are refused on meaning no schema can
            # state (a cursor this API did not issue, page x size beyond the window, an empty article): a
            # documented 400 or 422.
            case.call_and_validate(headers=PLAIN, excluded_checks=[positive_data_acceptance])

        try:
            answers_as_documented()
        except Unsatisfiable:
            assert mode is schemathesis.GenerationMode.NEGATIVE  # every request to it is valid (a free path string)
        except Exception as error:  # noqa: BLE001 - collected so every operation is reported, not just the first
            failures.append(f"{operation.label} ({mode.value}): {error}")
    return failures


# The WSGI transport hands back bodies as sent: ask for them uncompressed (gzip is tested elsewhere).
PLAIN = {"Accept-Encoding": "identity"}


def test_the_search_api_answers_as_documented(fuzz_settings, caplog):
    schema = schemathesis.openapi.from_wsgi("/openapi.json", create_app(fuzz_settings))
    failures = fuzz(schema, EXAMPLES)
    assert not failures, "\n\n".join(failures)
    # A request the API let through but the engine refused is a validation gap, even if answered with a 400.
    refused = [r.getMessage() for r in caplog.records if r.name == "akhbar.api" and r.levelno >= logging.ERROR]
    assert not refused, refused[:3]


def test_the_ingest_api_answers_as_documented(fuzz_settings):
    schema = schemathesis.openapi.from_wsgi("/openapi.json", create_ingest_app(fuzz_settings))
    failures = fuzz(schema, max(3, EXAMPLES // 6), {"Authorization": f"Bearer {INGEST_KEY}"})
    assert not failures, "\n\n".join(failures)
