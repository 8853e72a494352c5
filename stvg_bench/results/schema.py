"""JSON Schemas of ``stvg-bench/results`` version 2, generated from a task's declared metric fields.

``result_schema(task_name, fields)`` describes the results file of that task
with exactly those fields: metric names, which have intervals, and the range
of each unit. ``stvg-bench tasks show NAME --schema`` prints it for the task's
default options; version 1's fixed schema is kept beside this module.
"""

from __future__ import annotations

from .result import MetricField

UNIT_RANGES = {"fraction": {"type": "number", "minimum": 0, "maximum": 1}}
_INPUT = {
    "type": "object",
    "required": ["path"],
    "properties": {
        "path": {"type": ["string", "null"]},
        "sha256": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
        "signature": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
        "format": {"type": "string"},
    },
    "additionalProperties": False,
}


def result_schema(task_name: str, fields: tuple[MetricField, ...]) -> dict:
    """The JSON Schema (draft 2020-12) of a version 2 results file of ``task_name`` with ``fields``."""
    values = {f.name: UNIT_RANGES.get(f.unit, {"type": "number"}) for f in fields}
    intervals = {
        f.name: {"type": "array", "items": values[f.name], "minItems": 2, "maxItems": 2} for f in fields if f.has_ci
    }

    def per_group(properties: dict) -> dict:
        return {"type": "object", "additionalProperties": {
            "type": "object", "properties": properties, "additionalProperties": False}}

    field_schema = {
        "type": "object",
        "required": ["name", "description", "unit", "higher_is_better", "has_ci"],
        "properties": {"name": {"enum": [f.name for f in fields]}, "description": {"type": "string"},
                       "unit": {"type": "string"}, "higher_is_better": {"type": "boolean"},
                       "has_ci": {"type": "boolean"}},
    }
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": f"stvg-bench results, version 2, task {task_name}",
        "type": "object",
        "required": ["format", "version", "task", "dataset", "split", "protocol", "options", "fields", "bootstrap",
                     "inputs", "method", "provenance", "n_samples", "unit", "group_sizes", "metrics", "warnings",
                     "unavailable"],
        "additionalProperties": False,
        "properties": {
            "format": {"const": "stvg-bench/results"},
            "version": {"const": 2},
            "task": {"const": task_name},
            "dataset": {"type": "string"},
            "split": {"type": "string"},
            "protocol": {"type": "object", "required": ["name", "version", "family"]},
            "options": {"type": "object"},
            "fields": {"type": "array", "items": field_schema},
            "bootstrap": {"oneOf": [{"type": "null"}, {
                "type": "object", "required": ["n_resamples", "seed", "unit", "level", "interval"]}]},
            "inputs": {"type": "object", "required": ["predictions"], "additionalProperties": _INPUT},
            "method": {"type": "object"},
            "provenance": {
                "type": "object",
                "required": ["stvg_bench_version", "git_commit", "started_at", "duration_seconds"],
                "properties": {"git_commit": {"type": ["string", "null"]},
                               "duration_seconds": {"type": "number", "minimum": 0},
                               "command": {"type": "array", "items": {"type": "string"}}},
            },
            "n_samples": {"type": "integer", "minimum": 0},
            "unit": {"enum": ["samples", "videos"]},
            "group_sizes": {"type": "object", "additionalProperties": {"type": "integer", "minimum": 0}},
            "metrics": {**per_group(values), "required": ["all"]},
            "ci95": per_group(intervals),
            "warnings": {"type": "object", "additionalProperties": {"type": "integer", "minimum": 0}},
            "unavailable": {"type": "object", "additionalProperties": {"type": "string"}},
        },
    }
