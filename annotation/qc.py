"""Quality control: a specialist reviews a random sample of frames.

The sample size follows Cochran's formula with the finite-population
correction: for confidence level ``c`` (``z`` its two-sided normal quantile),
proportion ``p`` (0.5: the most conservative) and margin of error ``e``,

    n0 = z² p (1 - p) / e²,        n = ceil(n0 / (1 + (n0 - 1) / N))

for a population of ``N`` frames. The sample is drawn without replacement
with ``numpy.random.default_rng(seed)`` from the frames sorted by (video,
second, segment). The specialist answers, blind to the derivation, whether
the action is visible; a **false positive** is a frame derived visible
(>= threshold clicks) with no action visible, a **false negative** a frame
derived not visible where it is.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from statistics import NormalDist

import numpy as np

from stvg_bench.core.errors import InputFileError, OptionError

from .build import Build, display, local_files_url
from .errors import AnnotationInputError

VISIBLE, NOT_VISIBLE = "action visible", "no action visible"
FRAME_FIELDS = ("video", "second", "segment_id", "visible")


def _records(path: Path, what: str, key: str | None = None) -> list[dict]:
    """The frame records of ``path`` (a list, or the list under ``key``), each with video, second, segment_id
    and visible."""
    try:
        content = json.loads(Path(path).read_text())
        records = content[key] if key is not None else content
    except FileNotFoundError:
        raise InputFileError(f"no such file ({what})", path=path) from None
    except (OSError, ValueError, KeyError, TypeError, RecursionError) as exc:
        raise InputFileError(f"not {what} ({type(exc).__name__}: {exc})", path=path) from None
    for position, record in enumerate(records if isinstance(records, list) else [None]):
        if not isinstance(record, dict) or not all(k in record for k in FRAME_FIELDS):
            raise AnnotationInputError(f"not {what}: frame records have {', '.join(FRAME_FIELDS)}", path=path,
                                       position=f"frame {position}")
    return records


def read_frames(path: Path) -> list[dict]:
    """``frames.json`` of a derived dataset."""
    return _records(path, "a derived dataset's frames.json")


def read_sample(path: Path) -> list[dict]:
    """The frames of a sample written by ``qc sample``."""
    return _records(path, "a QC sample", "frames")


def cochran(population: int, confidence: float = 0.95, margin: float = 0.05, proportion: float = 0.5) -> int:
    """Sample size for ``population`` frames (see the module docstring)."""
    if not (0 < confidence < 1 and 0 < margin < 1 and 0 < proportion < 1) or population < 1:
        raise OptionError("confidence, margin and proportion must lie in (0, 1), the population be positive")
    z = NormalDist().inv_cdf(1 - (1 - confidence) / 2)
    n0 = z * z * proportion * (1 - proportion) / (margin * margin)
    return min(population, math.ceil(n0 / (1 + (n0 - 1) / population)))


def draw(frames: list[dict], size: int, seed: int = 0) -> list[dict]:
    """``size`` frame records (``frames.json`` of a derived dataset) without replacement, reproducibly."""
    ordered = sorted(frames, key=lambda f: (f["video"], f["second"], f["segment_id"]))
    chosen = np.sort(np.random.default_rng(seed).choice(len(ordered), size=size, replace=False))
    return [ordered[i] for i in chosen]


def _key(frame: dict) -> tuple[str, int, int]:
    return str(frame["video"]), int(frame["second"]), int(frame["segment_id"])


def review_tasks(sample: list[dict], build: Build, source: Path) -> list[dict]:
    """Label Studio tasks for the specialist (the derivation is not shown)."""
    frames = {(f.video, f.second, f.segment_id): f for f in build.frames}
    tasks = []
    for record in sample:
        video, second, segment_id = _key(record)
        frame = frames.get((video, second, segment_id))
        if frame is None:
            raise AnnotationInputError(f"frame {video} second {second} (segment {segment_id}) is not in the "
                                       f"build {build.directory}", path=source)
        tasks.append({"data": {"image": local_files_url(frame.path, build.document_root), "query": display(frame.step),
                               "video": video, "second": second, "segment_id": segment_id,
                               "key": f"review/{video}/{second}/{segment_id}"}})
    return tasks


def _author(annotation: dict, accounts: dict[int, str]) -> str:
    who = annotation.get("completed_by")
    who = who.get("id") if isinstance(who, dict) else who
    return accounts.get(who, f"user {who}")


def verdicts(tasks: list[dict], source, accounts: dict[int, str], specialist: str | None = None,
             ) -> dict[tuple[str, int, int], str]:
    """The specialist's verdict per sampled frame (their last non-cancelled annotation of each task).

    ``accounts``: id -> email. Without ``specialist`` the verdicts must all come from one account:
    any member can annotate the review project, and a verdict is nobody's but the specialist's."""
    answered = [a for t in tasks for a in t.get("annotations", []) if not a.get("was_cancelled")]
    authors = sorted({_author(a, accounts) for a in answered})
    if specialist is None and len(authors) > 1:
        raise AnnotationInputError(f"verdicts from {len(authors)} accounts ({', '.join(authors)}): name the "
                                   "specialist with --specialist", path=source)
    out = {}
    for task in tasks:
        data = task.get("data", {})
        key = (str(data.get("video")), int(data.get("second", -1)), int(data.get("segment_id", -1)))
        for annotation in task.get("annotations", []):
            if annotation.get("was_cancelled") or (specialist is not None
                                                   and _author(annotation, accounts) != specialist):
                continue
            for item in annotation.get("result", []):
                choices = item.get("value", {}).get("choices", [])
                if len(choices) != 1 or choices[0] not in (VISIBLE, NOT_VISIBLE):
                    raise AnnotationInputError(f"unknown verdict {choices!r}", path=source, task=task.get("id"))
                out[key] = choices[0]
    return out


def outcome(sample: list[dict], verdict: dict[tuple[str, int, int], str]) -> dict:
    """False positive / negative counts and rates among the reviewed frames."""
    reviewed = [(record, verdict[_key(record)]) for record in sample if _key(record) in verdict]
    positives = [v for record, v in reviewed if record["visible"]]
    negatives = [v for record, v in reviewed if not record["visible"]]
    fp = sum(v == NOT_VISIBLE for v in positives)
    fn = sum(v == VISIBLE for v in negatives)
    return {
        "sampled": len(sample),
        "reviewed": len(reviewed),
        "derived_visible": len(positives),
        "derived_not_visible": len(negatives),
        "false_positives": fp,
        "false_negatives": fn,
        "false_positive_rate": fp / len(positives) if positives else None,
        "false_negative_rate": fn / len(negatives) if negatives else None,
        "error_rate": (fp + fn) / len(reviewed) if reviewed else None,
    }
