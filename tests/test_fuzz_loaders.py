"""Hypothesis fuzzing of every prediction and annotation loader with mutated valid files.

Each fuzzer starts from a small valid file (built here, or a few entries sliced from the real annotations
beside the repository), mutates it (bytes truncated, flipped or inserted; values replaced by NaN, inf, huge,
negative, strings, nulls or nested lists; keys dropped, duplicated or replaced by Unicode digits and control
characters) and checks that loading it, and scoring what loaded, either succeeds or raises a
:class:`~stvg_bench.core.errors.StvgBenchError` with a one-line message: never another exception, never a
warning (warnings are errors here). The examples are derandomized so that a red run is reproducible.
"""

from __future__ import annotations

import contextlib
import copy
import gzip
import io
import itertools
import json
import os
import warnings
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from stvg_bench.core.errors import OptionError, StvgBenchError
from stvg_bench.data.tubes import Predictions
from stvg_bench.datasets import load_dataset, synthetic
from stvg_bench.datasets.base import Dataset
from stvg_bench.formats import load_predictions, write_predictions
from stvg_bench.formats.action_grounding import FORMAT as ACTION_DOCUMENT
from stvg_bench.tasks.base import Evaluator, ScoringPlan

from .gyt_helpers import document as action_document
from .helpers import hcstvg_proc, make_hcstvg_official

#: 40 fixed examples per fuzzer; ``FUZZ_EXAMPLES=1000 FUZZ_EXPLORE=1`` runs a longer, randomised local search.
FUZZ = settings(
    max_examples=int(os.environ.get("FUZZ_EXAMPLES", "40")),
    derandomize=not os.environ.get("FUZZ_EXPLORE"),
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

#: A message is one line, and quotes hostile values only in part: longer than this it echoes a whole value.
MESSAGE_LIMIT = 600

HOSTILE_VALUES = (
    float("nan"),
    float("inf"),
    float("-inf"),
    1e308,
    10**30,
    -(10**12),
    -1,
    0,
    0.5,
    "12",
    "",
    "١٢",
    "１２",
    "\x00",
    "a\nb",
    None,
    True,
    [],
    [[1, 2]],
    [1, [2, [3]]],
    {},
    {"1": [1]},
    "x" * 500,
)
HOSTILE_KEYS = ("٣", "３", "1\x00", "\x07", "-1", "+1", "1.0", " 1", "1e3", "0" * 30, "9" * 25, "k" * 300, "")
DUPLICATE = "__second_copy_of__"


def nodes(tree, trail=()):
    """Every (container, key) pair of a JSON tree, outermost first."""
    items = tree.items() if isinstance(tree, dict) else enumerate(tree) if isinstance(tree, list) else ()
    for key, value in items:
        yield tree, key
        yield from nodes(value, (*trail, key))


@st.composite
def structural_mutation(draw, tree):
    """Mutate a parsed JSON tree in place once: replace a value, drop, rename or duplicate a key."""
    places = list(nodes(tree))
    if not places:
        return
    container, key = draw(st.sampled_from(places))
    action = draw(st.sampled_from(("value", "value", "drop", "rename", "duplicate")))
    if action == "value":
        container[key] = copy.deepcopy(draw(st.sampled_from(HOSTILE_VALUES)))
    elif action == "drop" and isinstance(container, dict):
        del container[key]
    elif action == "drop":
        container.pop(key)
    elif action == "rename" and isinstance(container, dict):
        container[draw(st.sampled_from(HOSTILE_KEYS))] = container.pop(key)
    elif action == "duplicate" and isinstance(container, dict):
        container[DUPLICATE + key] = copy.deepcopy(container[key])
    elif isinstance(container, list):
        container.insert(key, copy.deepcopy(container[key]))


def serialise(tree) -> bytes:
    """JSON with NaN / Infinity literals; a key ``DUPLICATE + name`` becomes a second ``name``."""
    return json.dumps(tree, allow_nan=True).replace(f'"{DUPLICATE}', '"').encode()


@st.composite
def byte_mutation(draw, data: bytes) -> bytes:
    """``data`` truncated at a random byte, with a byte flipped, or with random bytes inserted."""
    at = draw(st.integers(0, max(len(data) - 1, 0)))
    action = draw(st.sampled_from(("truncate", "flip", "insert", "delete")))
    if action == "truncate":
        return data[:at]
    if action == "flip":
        return data[:at] + bytes([data[at] ^ draw(st.integers(1, 255))]) + data[at + 1 :] if data else data
    if action == "insert":
        return data[:at] + draw(st.binary(min_size=1, max_size=8)) + data[at:]
    return data[:at] + data[at + draw(st.integers(1, 16)) :]


@st.composite
def mutated_json(draw, valid: bytes) -> bytes:
    """A valid JSON file mutated by 1-3 structural changes, and/or a byte-level one."""
    tree = json.loads(valid)
    for _ in range(draw(st.integers(0, 3))):
        draw(structural_mutation(tree))
    data = serialise(tree)
    if draw(st.booleans()):
        data = draw(byte_mutation(data))
    return data


def check_clean(call) -> None:
    """``call()`` succeeds or raises a one-line StvgBenchError; any warning fails."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        try:
            call()
        except StvgBenchError as error:
            message = str(error)
            assert "\n" not in message and len(message) <= MESSAGE_LIMIT, message


class _Quiet:
    """A fixture value that hypothesis prints by its type only, not as the whole file it holds."""

    def _repr_pretty_(self, printer, cycle):
        printer.text(f"<{type(self).__name__}>")


class QuietTuple(_Quiet, tuple):
    pass


class QuietDict(_Quiet, dict):
    pass


class QuietBytes(_Quiet, bytes):
    pass


def quiet(value):
    kinds = {tuple: QuietTuple, dict: QuietDict, bytes: QuietBytes}
    return kinds[type(value)](value)


_counter = itertools.count()


def fresh(directory: Path, name: str) -> Path:
    """A new empty subdirectory's ``name``: every example gets its own file, never a stale one."""
    folder = directory / f"e{next(_counter)}"
    folder.mkdir()
    return folder / name


# --- tube predictions -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def tiny_tubes():
    """Six synthetic sentences as a dataset, with an evaluator per protocol (missing samples score zero)."""
    entries = synthetic.make_entries(6, seed=3)
    videos = synthetic.make_vidor(entries, seed=3)
    gt = synthetic.groundtruth_from(entries, videos, "synthetic", "test")
    dataset = Dataset(
        adapter=synthetic.ADAPTER, gt=gt, inputs={"annotations": {"path": None, "sha256": "0" * 64}}
    )
    evaluators = {p: Evaluator(dataset, p, missing="zero") for p in ("dense", "tubedetr", "stcat")}
    return quiet((dataset, evaluators))


def tube_file(tmp_path_factory, dataset, fmt: str, frames: str, name: str) -> bytes:
    path = tmp_path_factory.mktemp("valid") / name
    write_predictions(
        synthetic.make_predictions(dataset.gt, "good", seed=1, frames=frames), path, fmt, dataset
    )
    return path.read_bytes()


@pytest.fixture(scope="module")
def valid_tube_files(tmp_path_factory, tiny_tubes):
    dataset, _ = tiny_tubes
    return quiet(
        {
            "stvg-bench": tube_file(tmp_path_factory, dataset, "stvg-bench", "sparse", "p.json"),
            "tubedetr": tube_file(tmp_path_factory, dataset, "tubedetr", "tubedetr", "p.json"),
            "stcat": tube_file(tmp_path_factory, dataset, "stcat", "input", "p.json"),
        }
    )


def load_and_score(path: Path, dataset, evaluator, fmt: str = "auto") -> None:
    predictions = load_predictions(path, dataset, fmt)
    evaluator.score(predictions, ci=False)


PROTOCOL_OF = {"stvg-bench": "dense", "tubedetr": "tubedetr", "stcat": "stcat"}


@pytest.mark.parametrize("fmt", ["stvg-bench", "tubedetr", "stcat"])
@FUZZ
@given(data=st.data())
def test_tube_json_formats(fmt, data, tiny_tubes, valid_tube_files, tmp_path_factory):
    dataset, evaluators = tiny_tubes
    path = fresh(tmp_path_factory.getbasetemp(), "predictions.json")
    path.write_bytes(data.draw(mutated_json(valid_tube_files[fmt])))
    check_clean(
        lambda: load_and_score(
            path, dataset, evaluators[PROTOCOL_OF[fmt]], data.draw(st.sampled_from(("auto", fmt)))
        )
    )


@FUZZ
@given(data=st.data())
def test_gzipped_json(data, tiny_tubes, valid_tube_files, tmp_path_factory):
    dataset, evaluators = tiny_tubes
    compressed = gzip.compress(data.draw(mutated_json(valid_tube_files["stvg-bench"])), mtime=0)
    if data.draw(st.booleans()):
        compressed = data.draw(byte_mutation(compressed))
    path = fresh(tmp_path_factory.getbasetemp(), "predictions.json.gz")
    path.write_bytes(compressed)
    check_clean(lambda: load_and_score(path, dataset, evaluators["dense"]))


HOSTILE_COLUMNS = {
    "nan": [float("nan")],
    "inf": [float("inf")],
    "negative": [-5],
    "huge": [2**62],
    "float_ids": [1.5],
    "null": [None],
    "strings": ["3"],
    "bools": [True],
}


@pytest.fixture(scope="module")
def valid_parquet(tmp_path_factory, tiny_tubes):
    import pyarrow.parquet as pq

    dataset, _ = tiny_tubes
    path = tmp_path_factory.mktemp("valid") / "container"
    write_predictions(
        synthetic.make_predictions(dataset.gt, "good", seed=1, frames="sparse"), path, "parquet", dataset
    )
    return quiet({name: pq.read_table(path / name) for name in ("boxes.parquet", "segments.parquet")})


@FUZZ
@given(data=st.data())
def test_parquet_container(data, tiny_tubes, valid_parquet, tmp_path_factory):
    import pyarrow as pa
    import pyarrow.parquet as pq

    dataset, evaluators = tiny_tubes
    path = fresh(tmp_path_factory.getbasetemp(), "container")
    path.mkdir()
    target = data.draw(st.sampled_from(sorted(valid_parquet)))
    for name, table in valid_parquet.items():
        if name == target and data.draw(st.booleans()):
            column = data.draw(st.sampled_from(table.column_names))
            values = table.column(column).to_pylist()
            row = data.draw(st.integers(0, max(len(values) - 1, 0)))
            hostile = data.draw(st.sampled_from(sorted(HOSTILE_COLUMNS)))
            values[row : row + 1] = HOSTILE_COLUMNS[hostile]
            try:
                array = pa.array(values)
            except (pa.ArrowException, OverflowError):
                array = pa.array([str(v) for v in values])
            index = table.column_names.index(column)
            table = (
                table.set_column(index, column, array)
                if data.draw(st.booleans())
                else table.remove_column(index)
            )
        if name == target and data.draw(st.booleans()):
            envelope = json.dumps(json.loads(table.schema.metadata[b"stvg-bench"])).encode()
            table = table.replace_schema_metadata({b"stvg-bench": data.draw(mutated_json(envelope))})
        pq.write_table(table, path / name)
    if data.draw(st.booleans()):
        file = path / target
        file.write_bytes(data.draw(byte_mutation(file.read_bytes())))
    check_clean(lambda: load_and_score(path, dataset, evaluators["dense"]))


# --- action predictions -----------------------------------------------------------------------------------


GYT_VIDEOS = 2


def sliced(shared_data: Path, name: str, videos: list[str]) -> bytes:
    """The entries of ``videos`` in a real GroundingYouTube file (read, never copied into the repository)."""
    whole = json.loads((shared_data / "groundingyoutube" / name).read_text())
    return json.dumps({v: whole[v] for v in videos}).encode()


@pytest.fixture(scope="module")
def gyt_slice(shared_data, tmp_path_factory):
    """The first GroundingYouTube videos in every release file, and the dataset loaded from them."""
    boxes = json.loads((shared_data / "groundingyoutube" / "box_anno.json").read_text())
    videos = sorted(boxes)[:GYT_VIDEOS]
    files = {
        name: sliced(shared_data, name, videos)
        for name in (
            "box_anno.json",
            "GoundingYouTubeBox.json",
            "ground_seg.json",
            "seg.json",
            "vid2step.json",
            "id2wh_new.json",
        )
    }
    directory = tmp_path_factory.mktemp("gyt")
    for name, content in files.items():
        if name != "GoundingYouTubeBox.json":
            (directory / name).write_bytes(content)
    dataset = load_dataset("groundingyoutube", "test", directory, use_cache=False)
    return quiet((videos, files, dataset))


def gyt_documents(dataset) -> dict[str, bytes]:
    """Valid spatial (point, box and heatmap rows), temporal and spatio-temporal documents for ``dataset``."""
    gt = dataset.gt
    queries = list(zip(gt.queries.group.tolist(), gt.queries.second.tolist(), gt.queries.step.tolist()))[:12]
    spatial, temporal, both = {}, {}, {}
    for k, (group, second, step) in enumerate(queries):
        video, name = str(gt.video_ids[group]), gt.steps[step]
        shape = (
            {"point": [100.5, 80]},
            {"box": [10, 20, 200, 240]},
            {"heatmap": [[0, 1, 0], [0.5, 2, 0]], "frame_size": [640, 480]},
        )[k % 3]
        spatial.setdefault(video, {})[str(second)] = shape
        temporal.setdefault(video, {})[str(second)] = name
        both.setdefault(video, {"seconds": {}, "tubes": []})["seconds"][str(second)] = {
            "step": name,
            "point": [50, 60],
        }
    for video, entry in both.items():
        entry["tubes"].append(
            {
                "step": next(iter(entry["seconds"].values()))["step"],
                "score": 0.75,
                "boxes": {s: [10, 20, 100, 120] for s in entry["seconds"]},
            }
        )
    return {
        task: json.dumps(action_document(task, body)).encode()
        for task, body in (("spatial", spatial), ("temporal", temporal), ("spatio-temporal", both))
    }


@pytest.fixture(scope="module")
def gyt_scoring(gyt_slice):
    _, _, dataset = gyt_slice
    tasks = {
        "spatial": "action-spatial",
        "temporal": "action-temporal",
        "spatio-temporal": "action-spatio-temporal",
    }
    evaluators = {layout: Evaluator(dataset, task=task, missing="zero") for layout, task in tasks.items()}
    return quiet((gyt_documents(dataset), evaluators))


@pytest.mark.parametrize("task", ["spatial", "temporal", "spatio-temporal"])
@FUZZ
@given(data=st.data())
def test_action_documents(task, data, gyt_slice, gyt_scoring, tmp_path_factory):
    _, _, dataset = gyt_slice
    documents, evaluators = gyt_scoring
    path = fresh(tmp_path_factory.getbasetemp(), "actions.json")
    path.write_bytes(data.draw(mutated_json(documents[task])))
    check_clean(lambda: load_and_score(path, dataset, evaluators[task]))


@pytest.fixture(scope="module")
def gyt_clicks(shared_data, gyt_slice):
    videos, _, _ = gyt_slice
    clicks = json.loads(
        (shared_data / "groundingyoutube" / "pumpkin_youtube_FPS_21k_annotation_full_agg_p.json").read_text()
    )
    return quiet(json.dumps([c for c in clicks if c["image_url"].split("/")[-2] in videos][:40]).encode())


@FUZZ
@given(data=st.data())
def test_gyt_clicks(data, gyt_slice, gyt_scoring, gyt_clicks, tmp_path_factory):
    _, _, dataset = gyt_slice
    _, evaluators = gyt_scoring
    path = fresh(tmp_path_factory.getbasetemp(), "clicks.json")
    path.write_bytes(data.draw(mutated_json(gyt_clicks)))
    check_clean(
        lambda: load_and_score(
            path, dataset, evaluators["spatial"], data.draw(st.sampled_from(("auto", "gyt-clicks")))
        )
    )


# --- annotation loaders -----------------------------------------------------------------------------------


def load_tubes_and_resolve(name: str, path: Path, vidor_dir: Path | None = None) -> None:
    """Load, resolve under every protocol, and score a prediction of sample 0 (its GT window, one box a
    frame) with every other sample missing."""
    dataset = load_dataset(name, None, path, vidor_dir, use_cache=False)
    start = int(dataset.gt.window_start_frame[0]) if dataset.n_samples else 0
    frames = list(range(start, start + 5))
    predictions = Predictions.from_arrays(
        sample_ids=[0],
        segments=[[start, start + 5]],
        box_sample_ids=[0] * 5,
        box_frames=frames,
        boxes=[[10, 10, 100, 120]] * 5,
    )
    for protocol in ("dense", "tubedetr", "stcat"):
        dataset.scoring_table(protocol)
        Evaluator(dataset, protocol, missing="zero").score(predictions, ci=False)


@pytest.fixture(scope="module")
def vidstg_slice(shared_data):
    entries = json.loads((shared_data / "vidstg" / "test_annotations.json").read_text())[:3]
    return quiet(json.dumps(entries).encode())


@FUZZ
@given(data=st.data())
def test_vidstg_official(data, vidstg_slice, tmp_path_factory):
    path = fresh(tmp_path_factory.getbasetemp(), "test_annotations.json")
    path.write_bytes(data.draw(mutated_json(vidstg_slice)))
    check_clean(lambda: load_tubes_and_resolve("vidstg", path))


@pytest.fixture(scope="module")
def synthetic_vidstg():
    entries = synthetic.make_entries(4, seed=5)
    return quiet((entries, synthetic.make_vidor(entries, seed=5)))


@FUZZ
@given(data=st.data())
def test_vidstg_official_with_vidor(data, synthetic_vidstg, tmp_path_factory):
    entries, videos = synthetic_vidstg
    path = fresh(tmp_path_factory.getbasetemp(), "test_annotations.json")
    annotations, vidor_dir = synthetic.write_official(entries, videos, path.parent)
    target = data.draw(st.sampled_from([annotations, *sorted(vidor_dir.rglob("*.json"))]))
    target.write_bytes(data.draw(mutated_json(target.read_bytes())))
    check_clean(lambda: load_tubes_and_resolve("vidstg", annotations, vidor_dir))


@FUZZ
@given(data=st.data())
def test_vidstg_tubedetr(data, synthetic_vidstg, tmp_path_factory):
    entries, videos = synthetic_vidstg
    valid = json.dumps(synthetic.tubedetr_layout(entries, videos)).encode()
    path = fresh(tmp_path_factory.getbasetemp(), "test.json")
    path.write_bytes(data.draw(mutated_json(valid)))
    check_clean(lambda: load_tubes_and_resolve("vidstg", path))


@pytest.mark.parametrize("v2", [False, True])
@pytest.mark.parametrize("layout", ["official", "proc"])
@FUZZ
@given(data=st.data())
def test_hcstvg(v2, layout, data, tmp_path_factory):
    official = make_hcstvg_official(3, 4, v2=v2)
    valid = json.dumps(official if layout == "official" else hcstvg_proc(official, v2=v2)).encode()
    split = "val" if v2 else "test"
    path = fresh(tmp_path_factory.getbasetemp(), f"{split}_{layout}.json")
    path.write_bytes(data.draw(mutated_json(valid)))
    check_clean(lambda: load_tubes_and_resolve("hcstvg-v2" if v2 else "hcstvg-v1", path))


@pytest.mark.parametrize("boxes", ["box_anno.json", "GoundingYouTubeBox.json"])
@FUZZ
@given(data=st.data())
def test_groundingyoutube(boxes, data, gyt_slice, tmp_path_factory):
    videos, files, _ = gyt_slice
    directory = fresh(tmp_path_factory.getbasetemp(), "gyt")
    directory.mkdir()
    segments = data.draw(st.sampled_from(("ground_seg", "seg")))
    files = {**files, "durations.json": json.dumps({v: 600 for v in videos}).encode()}
    names = [boxes, f"{segments}.json", "vid2step.json", "id2wh_new.json", "durations.json"]
    target = data.draw(st.sampled_from(names))
    for name in names:
        content = files[name]
        (directory / name).write_bytes(data.draw(mutated_json(content)) if name == target else content)
    options = {
        "segments": segments,
        "box_policy": data.draw(st.sampled_from(("drop-inverted", "drop-defective", "clip-to-frame"))),
        "durations": directory / "durations.json" if data.draw(st.booleans()) else None,
    }
    check_clean(lambda: load_actions_and_score(directory, **options))


def load_actions_and_score(directory: Path, **options) -> None:
    """Load, and score a valid document of every task made from what loaded (missing queries score zero)."""
    dataset = load_dataset("groundingyoutube", "test", directory, use_cache=False, **options)
    tasks = {
        "spatial": "action-spatial",
        "temporal": "action-temporal",
        "spatio-temporal": "action-spatio-temporal",
    }
    for layout, content in gyt_documents(dataset).items():
        predictions = ACTION_DOCUMENT.read_bytes(content, directory / "generated.json", "0" * 64, dataset)
        Evaluator(dataset, task=tasks[layout], missing="zero").score(predictions, ci=False)


@pytest.fixture(scope="module")
def youcook2_slice(shared_data):
    release = json.loads((shared_data / "youcook2_interactions" / "youcook2_interactions.json").read_text())
    videos = list(release["boxes"])[:3]
    return quiet(
        json.dumps(
            {
                "boxes": {v: release["boxes"][v] for v in videos},
                "segments": [s for s in release["segments"] if s["video_id"] in videos],
            }
        ).encode()
    )


@FUZZ
@given(data=st.data())
def test_youcook2_interactions(data, youcook2_slice, tmp_path_factory):
    path = fresh(tmp_path_factory.getbasetemp(), "youcook2_interactions.json")
    path.write_bytes(data.draw(mutated_json(youcook2_slice)))
    check_clean(lambda: load_dataset("youcook2-interactions", "val", path, use_cache=False))


# --- numeric options --------------------------------------------------------------------------------------

ANY_FLOAT = st.floats(allow_nan=True, allow_infinity=True)


@FUZZ
@given(
    values=st.lists(st.one_of(ANY_FLOAT, st.integers(-(10**30), 10**30)), max_size=4),
    junk=st.text(max_size=6),
)
def test_thresholds_are_checked_or_refused(values, junk):
    text = ",".join(map(repr, values)) + junk
    try:
        plan = ScoringPlan.resolve("synthetic", thresholds=text)
    except OptionError as error:
        assert "\n" not in str(error) and len(str(error)) <= MESSAGE_LIMIT
    else:
        assert all(0 <= t < 1 for t in plan.options["thresholds"])


@FUZZ
@given(value=ANY_FLOAT)
def test_mask_threshold_is_finite_or_refused(value):
    try:
        plan = ScoringPlan.resolve("groundingyoutube", task="spatial", mask_threshold=value)
    except OptionError as error:
        assert "\n" not in str(error)
    else:
        assert plan.options["mask_threshold"] == value and abs(value) < float("inf")


# --- every reader on every other format's valid file ------------------------------------------------------


@pytest.fixture(scope="module")
def every_valid_file(tmp_path_factory, tiny_tubes, valid_tube_files, gyt_scoring, gyt_clicks):
    """One small valid file (or container) of each format and action layout."""
    dataset, _ = tiny_tubes
    documents, _ = gyt_scoring
    folder = tmp_path_factory.mktemp("every-format")
    files = {f"{name}.json": content for name, content in valid_tube_files.items()}
    files.update({f"actions-{task}.json": content for task, content in documents.items()})
    files["clicks.json"] = bytes(gyt_clicks)
    files["stvg-bench.json.gz"] = gzip.compress(valid_tube_files["stvg-bench"], mtime=0)
    for name, content in files.items():
        (folder / name).write_bytes(content)
    container = folder / "container"
    write_predictions(
        synthetic.make_predictions(dataset.gt, "good", seed=1, frames="sparse"), container, "parquet", dataset
    )
    return quiet(tuple(sorted([*(folder / name for name in files), container])))


@pytest.mark.parametrize("fmt", ["auto", "stvg-bench", "tubedetr", "stcat", "parquet", "gyt-clicks"])
def test_every_reader_on_every_format(fmt, every_valid_file, tiny_tubes, gyt_slice):
    """A file read as another format, or against a dataset of the other family, is a one-line error."""
    tubes, _ = tiny_tubes
    _, _, actions = gyt_slice
    for path in every_valid_file:
        for dataset in (tubes, actions):
            check_clean(lambda: load_predictions(path, dataset, fmt))  # noqa: B023 (called at once)


# --- the command line on mutated files: it also peeks at the declared split, checks outputs, prints -------


def cli(*args) -> tuple[int, str]:
    from stvg_bench.cli import main

    stderr, stdout = io.StringIO(), io.StringIO()
    with contextlib.redirect_stderr(stderr), contextlib.redirect_stdout(stdout):
        code = main([str(a) for a in args])
    return code, stderr.getvalue()


@FUZZ
@given(data=st.data())
def test_the_command_line_on_mutated_files(
    data, valid_tube_files, valid_parquet, gyt_slice, gyt_scoring, tmp_path_factory
):
    import pyarrow.parquet as pq

    kind = data.draw(st.sampled_from(("json", "parquet", "actions")))
    dataset = ("--dataset", "synthetic")
    if kind == "json":
        path = fresh(tmp_path_factory.getbasetemp(), "predictions.json")
        path.write_bytes(
            data.draw(mutated_json(valid_tube_files[data.draw(st.sampled_from(sorted(PROTOCOL_OF)))]))
        )
    elif kind == "parquet":
        path = fresh(tmp_path_factory.getbasetemp(), "container")
        path.mkdir()
        for name, table in valid_parquet.items():
            envelope = json.dumps(json.loads(table.schema.metadata[b"stvg-bench"])).encode()
            metadata = {b"stvg-bench": data.draw(mutated_json(envelope))}
            pq.write_table(table.replace_schema_metadata(metadata), path / name)
    else:
        _, files, _ = gyt_slice
        documents, _ = gyt_scoring
        path = fresh(tmp_path_factory.getbasetemp(), "actions.json")
        for name in ("box_anno.json", "ground_seg.json", "vid2step.json", "id2wh_new.json"):
            (path.parent / "gyt").mkdir(exist_ok=True)
            (path.parent / "gyt" / name).write_bytes(files[name])
        task = data.draw(st.sampled_from(sorted(documents)))
        path.write_bytes(data.draw(mutated_json(documents[task])))
        dataset = ("--dataset", "groundingyoutube", "--annotations", path.parent / "gyt", "--task", task)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        code, stderr = cli("validate", path, *dataset, "--missing", "zero")
    assert code in (0, 2) and stderr.count("\n") <= 1 and "internal error" not in stderr, stderr
