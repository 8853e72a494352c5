"""The envelope checks at read time accept and refuse exactly what the published JSON Schemas do."""

from __future__ import annotations

import json
from importlib import resources

import jsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stvg_bench.core.errors import FormatError
from stvg_bench.formats.envelope import ACTION_PREDICTIONS, TUBE_PREDICTIONS, check_envelope

SCHEMAS = {TUBE_PREDICTIONS: "predictions-v1.schema.json", ACTION_PREDICTIONS: "action-grounding-v1.schema.json"}
VALUES = st.one_of(st.none(), st.booleans(), st.integers(-2, 3), st.floats(allow_nan=False), st.text(max_size=3),
                   st.lists(st.integers(), max_size=2), st.dictionaries(st.text(max_size=2), st.integers(), max_size=2))


def valid(document) -> dict:
    envelope = {"format": document.format, "version": document.version, "dataset": "vidstg", "split": "test",
                "method": {"name": "m"}, "predictions": {}}
    if document is ACTION_PREDICTIONS:
        envelope["task"] = "spatial"
    return envelope


@settings(max_examples=300, deadline=None)
@given(document=st.sampled_from(list(SCHEMAS)), changes=st.dictionaries(
    st.sampled_from(["format", "version", "dataset", "split", "method", "task", "extra"]),
    st.one_of(st.just("<drop>"), VALUES, st.sampled_from(["", "spatial", "temporal", "stvg-bench/predictions"])),
    max_size=3))
def test_the_runtime_check_agrees_with_the_schema(document, changes):
    envelope = valid(document)
    for key, value in changes.items():
        if value == "<drop>":
            envelope.pop(key, None)
        else:
            envelope[key] = value
    schema = json.loads(resources.files("stvg_bench.formats").joinpath(f"schemas/{SCHEMAS[document]}").read_text())
    by_schema = jsonschema.Draft202012Validator(schema).is_valid(envelope)
    try:
        check_envelope(document, envelope, "p.json")
        at_runtime = True
    except FormatError:
        at_runtime = False
    assert at_runtime == by_schema, envelope


@pytest.mark.parametrize("document", list(SCHEMAS))
def test_a_valid_envelope_passes_both(document):
    envelope = valid(document)
    checked = check_envelope(document, envelope, "p.json")
    assert checked.dataset == "vidstg" and checked.method == {"name": "m"}
