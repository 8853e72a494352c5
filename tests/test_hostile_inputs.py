"""Hostile input through the real command line, every class of it at least twice.

The rule for every bad input: ONE line on stderr naming the file (and the sample id and field where there is
one), exit code 2, no traceback, no warning, nothing written: the working directory holds the same files with
the same bytes afterwards (an existing results file is left as it was, no temporary is left behind). The
classes: empty submissions, identifiers, resource limits, annotation sanity, options, outputs, action
predictions, and the bugs the loader fuzzers (``test_fuzz_loaders.py``) found.
"""

from __future__ import annotations

import gzip
import json
import os
import threading
from pathlib import Path

import pytest

from stvg_bench.datasets import load_dataset, synthetic
from stvg_bench.datasets.synthetic import make_predictions
from stvg_bench.formats import write_predictions
from stvg_bench.formats.canonical import canonical_document

from .gyt_helpers import document as action_document
from .gyt_helpers import write_gyt
from .helpers import make_hcstvg_official
from .test_actions_cli import SQUARE, labels, spatial_points, spatio_temporal

PREVIOUS = b"previous results, to be left untouched"


def snapshot(directory: Path) -> dict:
    """Every file under ``directory`` with its bytes (FIFOs by name only)."""
    return {p: (p.read_bytes() if p.is_file() else None) for p in sorted(directory.rglob("*"))}


class Work:
    """The inputs of one case, all under ``root``: a results file that exists already, writers of small valid
    files, and the option lists that name the datasets."""

    def __init__(self, root: Path, synthetic_document: dict, shared_data: Path, monkeypatch) -> None:
        self.root = root
        self.setenv = monkeypatch.setenv
        self.synthetic_document = synthetic_document
        self.shared_data = shared_data
        self.out = root / "results.json"
        self.out.write_bytes(PREVIOUS)
        self.feeders: list[Path] = []

    def write(self, name: str, content) -> Path:
        path = self.root / name
        path.write_bytes(content if isinstance(content, bytes) else json.dumps(content).encode())
        return path

    def tubes(self, name: str = "predictions.json", edit=None) -> Path:
        """The valid synthetic canonical document, after ``edit(document)``."""
        document = json.loads(json.dumps(self.synthetic_document))
        if edit is not None:
            edit(document)
        return self.write(name, document)

    def gyt(self) -> Path:
        directory = self.root / "gyt"
        if not directory.is_dir():
            videos = {
                "vid-a": {
                    "segments": [("crack eggs", 2, 5), ("pour milk", 5, 8)],
                    "boxes": {
                        s: (tuple(SQUARE), "crack eggs" if s < 5 else "pour milk") for s in range(2, 9)
                    },
                },
                "vid_b": {
                    "segments": [("stir", 0, 3)],
                    "boxes": {s: ((10, 10, 50, 60), "stir") for s in range(4)},
                },
            }
            pools = {"vid-a": ["crack eggs", "background"], "vid_b": ["stir", "background"]}
            write_gyt(directory, videos, sizes={"vid-a": [640, 480], "vid_b": [480, 640]}, pools=pools)
        return directory

    def actions(self, task: str, predictions: dict, name: str = "actions.json") -> tuple:
        """Arguments scoring ``predictions`` for ``task`` on the small GroundingYouTube directory."""
        path = self.write(name, action_document(task, predictions))
        return path, "--dataset", "groundingyoutube", "--annotations", self.gyt(), "--task", task

    def vidstg_entries(self) -> list:
        return json.loads((self.shared_data / "vidstg" / "test_annotations.json").read_text())[:3]

    def endless_fifo(self, name: str) -> Path:
        """A FIFO a thread keeps writing JSON-looking bytes into until its reader goes away."""
        path = self.root / name
        os.mkfifo(path)

        def feed() -> None:
            try:
                with open(path, "wb") as pipe:
                    while True:
                        pipe.write(b"[" * 65536)
            except OSError:  # the reader closed the pipe: the input limit refused it
                pass

        threading.Thread(target=feed, daemon=True).start()
        self.feeders.append(path)
        return path

    def release_feeders(self) -> None:
        """Let a feeder whose FIFO was never opened finish (a reader opens and closes it)."""
        for path in self.feeders:
            fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
            os.close(fd)

    def synthetic(self) -> tuple:
        return "--dataset", "synthetic"


@pytest.fixture(scope="module")
def synthetic_document():
    dataset = load_dataset("synthetic")
    return canonical_document(make_predictions(dataset.gt, "good", seed=1, frames="sparse"), dataset)


@pytest.fixture
def work(tmp_path, synthetic_document, shared_data, monkeypatch):
    work = Work(tmp_path, synthetic_document, shared_data, monkeypatch)
    yield work
    work.release_feeders()


CASES: dict = {}


def case(name: str):
    """Register ``build(work) -> (arguments, expected fragments)`` as the hostile case ``name``."""

    def register(build):
        CASES[name] = build
        return build

    return register


def empty_tubes(work):
    return work.tubes("empty.json", lambda d: d.__setitem__("predictions", {}))


NO_PREDICTIONS = "the file holds no predictions (--missing zero scores every sample 0)"

# -- empty submissions: an error without --missing zero (with it, zeros: see the tests below) ----------------


@case("empty/score-tubes")
def _(w):
    path = empty_tubes(w)
    return ("score", path, *w.synthetic(), "--out", w.out), (f"{path}: {NO_PREDICTIONS}",)


@case("empty/validate-tubes")
def _(w):
    path = empty_tubes(w)
    return ("validate", path, *w.synthetic()), (f"{path}: {NO_PREDICTIONS}",)


@case("empty/compare-tubes")
def _(w):
    path = empty_tubes(w)
    return ("compare", w.tubes(), path, *w.synthetic(), "--out", w.out), (f"{path}: {NO_PREDICTIONS}",)


@case("empty/score-actions")
def _(w):
    path, *rest = w.actions("temporal", {})
    return ("score", path, *rest, "--out", w.out), (f"{path}: {NO_PREDICTIONS}",)


@case("empty/validate-actions")
def _(w):
    path, *rest = w.actions("spatial", {})
    return ("validate", path, *rest), (f"{path}: {NO_PREDICTIONS}",)


@case("empty/compare-actions")
def _(w):
    a, *rest = w.actions("temporal", labels(), "a.json")
    b, *_ = w.actions("temporal", {}, "b.json")
    return ("compare", a, b, *rest), (f"{b}: {NO_PREDICTIONS}",)


# -- identifiers: only ASCII digits make ids; control characters are refused, not stripped ------------------


def renamed_sample(key: str):
    def edit(document):
        document["predictions"][key] = document["predictions"].pop("0")

    return edit


NOT_DECIMAL = "is not a non-negative decimal integer"
FULLWIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


def first_frame(document) -> str:
    return next(iter(document["predictions"]["0"]["boxes"]))


@case("ids/arabic-indic-sample-id")
def _(w):
    path = w.tubes(edit=renamed_sample("١٢"))
    return ("score", path, *w.synthetic()), (f"{path}: sample id '١٢' {NOT_DECIMAL}",)


@case("ids/fullwidth-sample-id")
def _(w):
    path = w.tubes(edit=renamed_sample("１２"))
    return ("score", path, *w.synthetic()), (f"sample id '１２' {NOT_DECIMAL}",)


@case("ids/fullwidth-frame-key")
def _(w):
    def edit(document):
        frame = first_frame(document)
        boxes = document["predictions"]["0"]["boxes"]
        boxes[frame.translate(FULLWIDTH)] = boxes.pop(frame)

    path = w.tubes(edit=edit)
    fullwidth = first_frame(w.synthetic_document).translate(FULLWIDTH)
    return ("score", path, *w.synthetic()), (f"{path}: sample 0: frame id '{fullwidth}' {NOT_DECIMAL}",)


@case("ids/arabic-indic-second")
def _(w):
    predictions = labels()
    predictions["vid-a"]["٤"] = "stir"
    path, *rest = w.actions("temporal", predictions)
    return ("score", path, *rest), (f"{path}: sample vid-a: second '٤' {NOT_DECIMAL}",)


@case("ids/nul-in-sample-id")
def _(w):
    path = w.tubes(edit=renamed_sample("1\x00"))
    return ("score", path, *w.synthetic()), (r"sample id '1\x00' " + NOT_DECIMAL,)


@case("ids/nul-in-video-id")
def _(w):
    predictions = labels()
    predictions["vid-a\x00"] = predictions.pop("vid-a")
    path, *rest = w.actions("temporal", predictions)
    return ("score", path, *rest), (f"{path}: a video id 'vid-a\\x00' holds a control character",)


@case("ids/bell-in-step-name")
def _(w):
    predictions = labels()
    predictions["vid-a"]["4"] = "stir\x07"
    path, *rest = w.actions("temporal", predictions)
    return ("score", path, *rest), (
        "sample vid-a: field second 4: a step 'stir\\x07' holds a control character",
    )


@case("ids/escape-in-tube-step")
def _(w):
    predictions = spatio_temporal()
    predictions["vid-a"]["tubes"][0]["step"] = "crack\x1beggs"
    path, *rest = w.actions("spatio-temporal", predictions)
    return ("score", path, *rest), ("field tubes[0].step: a step 'crack\\x1beggs' holds a control character",)


@case("ids/long-sample-id-quoted-in-part")
def _(w):
    path = w.tubes(edit=renamed_sample("k" * 5000))
    return ("score", path, *w.synthetic()), ("sample id 'k", "k...k' " + NOT_DECIMAL)


@case("ids/long-video-id-quoted-in-part")
def _(w):
    predictions = labels()
    predictions["v\x00" + "x" * 5000] = {"1": "stir"}
    path, *rest = w.actions("temporal", predictions)
    return ("score", path, *rest), ("a video id 'v\\x00xx", "x...x' holds a control character")


@case("ids/long-video-id-with-a-bad-second")
def _(w):
    predictions = spatial_points()
    predictions["v" * 5000] = {"١": {"point": [1, 1]}}
    path, *rest = w.actions("spatial", predictions)
    return ("score", path, *rest), (f"{path}: sample vvvv", f"v...vv: second '١' {NOT_DECIMAL}")


# -- resource limits: checked while streaming ---------------------------------------------------------------

LIMIT = "more than the input limit of 1 MB (--max-input-mb raises it)"


@case("limits/gzip-bomb-predictions")
def _(w):
    path = w.write("bomb.json.gz", gzip.compress(b" " * (8 << 20), mtime=0))
    return ("score", path, *w.synthetic(), "--max-input-mb", "1"), (f"{path}: decompresses to {LIMIT}",)


@case("limits/gzip-members-over-the-limit-together")
def _(w):
    path = w.write("members.json.gz", gzip.compress(b" " * (600 << 10), mtime=0) * 3)
    return ("validate", path, *w.synthetic(), "--max-input-mb", "1"), (f"{path}: decompresses to {LIMIT}",)


@case("limits/gzip-bomb-annotations")
def _(w):
    entries = json.dumps(w.vidstg_entries()).encode()  # a VidSTG head, then megabytes of blanks
    path = w.write("test_annotations.json.gz", gzip.compress(entries[:-1] + b" " * (8 << 20) + b"]", mtime=0))
    return (
        ("score", w.tubes(), "--dataset", "vidstg", "--annotations", path, "--max-input-mb", "1"),
        (f"{path}: decompresses to {LIMIT}",),
    )


@case("limits/dev-zero-predictions")
def _(w):
    return ("score", "/dev/zero", *w.synthetic(), "--max-input-mb", "1"), (f"/dev/zero: holds {LIMIT}",)


@case("limits/dev-zero-annotations")
def _(w):
    return (
        (
            "score",
            w.tubes(),
            "--dataset",
            "vidstg",
            "--split",
            "test",
            "--annotations",
            "/dev/zero",
            "--max-input-mb",
            "1",
        ),
        (f"/dev/zero: holds {LIMIT}",),
    )


@case("limits/endless-fifo-predictions")
def _(w):
    path = w.endless_fifo("endless.json")
    return ("score", path, *w.synthetic(), "--max-input-mb", "1", "--out", w.out), (f"{path}: holds {LIMIT}",)


@case("limits/endless-fifo-annotations")
def _(w):
    path = w.endless_fifo("endless-annotations.json")
    return (
        (
            "validate",
            w.tubes(),
            "--dataset",
            "vidstg",
            "--split",
            "test",
            "--annotations",
            path,
            "--max-input-mb",
            "1",
        ),
        (f"{path}: holds {LIMIT}",),
    )


# -- annotation sanity: the ANNOTATION file and entry are named, never the predictions ----------------------


def vidstg_annotations(w, edit) -> tuple:
    entries = w.vidstg_entries()
    edit(entries)
    path = w.write("test_annotations.json", json.dumps(entries).replace("123456.789", "1e999").encode())
    return ("score", w.tubes(), "--dataset", "vidstg", "--annotations", path, "--out", w.out), path, entries


@case("annotations/negative-fps")
def _(w):
    args, path, entries = vidstg_annotations(w, lambda e: e[1].__setitem__("fps", -0.5))
    return args, (
        f"{path}: sample {entries[1]['vid']}: field fps: is -0.5; a frame rate is a positive finite",
    )


@case("annotations/fps-beyond-a-double")
def _(w):
    args, path, _ = vidstg_annotations(w, lambda e: e[1].__setitem__("fps", 123456.789))
    return args, (f"{path}: invalid VidSTG annotation: Number out of range - at `$[1].fps`",)


@case("annotations/nan-fps")
def _(w):
    args, path, _ = vidstg_annotations(w, lambda e: e[1].__setitem__("fps", float("nan")))
    return args, (f"{path}: not valid JSON: NaN is not a JSON number", ", in field 'fps'")


@case("annotations/minus-infinity-bbox-literal")
def _(w):
    entries = synthetic.make_entries(4, seed=5)
    layout = synthetic.tubedetr_layout(entries, synthetic.make_vidor(entries, seed=5))
    trajectory = next(iter(next(iter(layout["trajectories"].values())).values()))
    next(iter(trajectory.values()))["bbox"][2] = float("-inf")
    path = w.write("test.json", json.dumps(layout).encode())
    return ("score", w.tubes(), "--dataset", "vidstg", "--annotations", path), (
        f"{path}: not valid JSON: -Infinity is not a JSON number (write a finite number) at line 1, column ",
        ", in field 'bbox'",
    )


@case("annotations/zero-frame-count")
def _(w):
    args, path, entries = vidstg_annotations(w, lambda e: e[2].__setitem__("frame_count", 0))
    return args, (f"{path}: sample {entries[2]['vid']}: field frame_count: is 0; a video has 1 to",)


@case("annotations/zero-frame-width")
def _(w):
    official = make_hcstvg_official(3, 4)
    name = list(official)[2]
    official[name]["width"] = 0
    path = w.write("test_hcstvg.json", official)
    return (
        ("score", w.tubes(), "--dataset", "hcstvg-v1", "--annotations", path),
        (f"{path}: sample {name}: field width: is 0; a frame side has 1 to",),
    )


@case("annotations/gt-frames-outside-the-video-tubedetr")
def _(w):
    entries = synthetic.make_entries(4, seed=5)
    layout = synthetic.tubedetr_layout(entries, synthetic.make_vidor(entries, seed=5))
    video = next(v for v in layout["videos"])
    trajectory = layout["trajectories"][video["original_video_id"]][str(video["target_id"])]
    trajectory[str(video["frame_count"] + 3)] = {"bbox": [1, 2, 3, 4]}
    path = w.write("test.json", layout)
    return (
        ("score", w.tubes(), "--dataset", "vidstg", "--annotations", path),
        (
            (
                f"{path}: trajectories['{video['original_video_id']}']['{video['target_id']}'] has frame keys "
                f"outside 0-{video['frame_count'] - 1}"
            ),
        ),
    )


def tubedetr_with_frame_key(w, key: str) -> tuple:
    entries = synthetic.make_entries(4, seed=5)
    layout = synthetic.tubedetr_layout(entries, synthetic.make_vidor(entries, seed=5))
    video = layout["videos"][0]
    layout["trajectories"][video["original_video_id"]][str(video["target_id"])][key] = {"bbox": [1, 2, 3, 4]}
    path = w.write("test.json", layout)
    where = f"trajectories['{video['original_video_id']}']['{video['target_id']}']"
    return ("score", w.tubes(), "--dataset", "vidstg", "--annotations", path), (
        f"{path}: {where} has frame key ",
        ": not an ASCII-digit frame key",
    )


@case("annotations/arabic-indic-trajectory-frame-key")
def _(w):
    args, expected = tubedetr_with_frame_key(w, "\u0661\u0662")
    return args, (*expected, "'\u0661\u0662'")


@case("annotations/long-fullwidth-trajectory-frame-key")
def _(w):
    return tubedetr_with_frame_key(w, "\uff11" * 500)


@case("annotations/gt-frames-outside-the-video-vidor")
def _(w):
    entries = synthetic.make_entries(4, seed=5)
    annotations, vidor_dir = synthetic.write_official(
        entries, synthetic.make_vidor(entries, seed=5), w.root / "official"
    )
    first = min(vidor_dir.rglob("*.json"))
    video = json.loads(first.read_text())
    frames = video["frame_count"]
    video["frame_count"] = 3
    first.write_text(json.dumps(video))
    return (
        ("score", w.tubes(), "--dataset", "vidstg", "--annotations", annotations, "--vidor-dir", vidor_dir),
        (f"{first}: VidOR says 3 frames ({frames} trajectory entries), the sentence annotation",),
    )


# -- options: refused before any file is read (the predictions named here do not exist) ---------------------


def missing_input(w) -> Path:
    return w.root / "never-read.json"


@case("options/nan-threshold")
def _(w):
    return ("score", missing_input(w), *w.synthetic(), "--thresholds", "0.3,nan"), (
        "thresholds must be numbers in [0, 1), got '0.3,nan'",
    )


@case("options/infinite-threshold")
def _(w):
    return ("validate", missing_input(w), *w.synthetic(), "--thresholds", "inf"), (
        "thresholds must be numbers in [0, 1), got 'inf'",
    )


@case("options/threshold-out-of-range")
def _(w):
    return ("compare", missing_input(w), missing_input(w), *w.synthetic(), "--thresholds", "1e999"), (
        "thresholds must be numbers in [0, 1), got '1e999'",
    )


@case("options/arabic-indic-digits-in-thresholds")
def _(w):
    return ("score", missing_input(w), *w.synthetic(), "--thresholds", "0.3,\u0660.\u0665"), (
        "--thresholds must be comma-separated numbers, got '0.3,\u0660.\u0665'",
    )


@case("options/fullwidth-digits-in-mask-threshold")
def _(w):
    return ("score", missing_input(w), "--dataset", "groundingyoutube", "--task", "spatial",
            "--mask-threshold", "\uff10.5"), ("argument --mask-threshold: invalid number value: '\uff10.5'",)


@case("options/fullwidth-digits-in-max-input-mb")
def _(w):
    return ("score", missing_input(w), *w.synthetic(), "--max-input-mb", "\uff11\uff10"), (
        "argument --max-input-mb: invalid number value: '\uff11\uff10'",
    )


@case("options/other-script-digits-in-limit")
def _(w):
    return ("baseline", "run", "full-frame", *w.synthetic(), "--out", w.out, "--limit", "\u0663"), (
        "argument --limit: invalid integer value: '\u0663'",
    )


@case("options/unknown-decoder-without-videos")
def _(w):
    return ("baseline", "run", "full-frame", *w.synthetic(), "--out", w.out, "--decoder", "ffmpeg"), (
        "argument --decoder: invalid choice: 'ffmpeg'",
    )


@case("options/nan-mask-threshold")
def _(w):
    return (
        (
            "score",
            missing_input(w),
            "--dataset",
            "groundingyoutube",
            "--annotations",
            missing_input(w),
            "--task",
            "spatial",
            "--mask-threshold",
            "nan",
        ),
        ("--mask-threshold must be a finite number, got nan",),
    )


@case("options/infinite-mask-threshold")
def _(w):
    return (
        (
            "validate",
            missing_input(w),
            "--dataset",
            "groundingyoutube",
            "--annotations",
            missing_input(w),
            "--task",
            "spatial",
            "--mask-threshold",
            "1e999",
        ),
        ("--mask-threshold must be a finite number, got inf",),
    )


@case("options/nan-max-input-mb")
def _(w):
    return ("score", missing_input(w), *w.synthetic(), "--max-input-mb", "nan"), (
        "--max-input-mb must be a positive number, got nan",
    )


@case("options/negative-max-input-mb")
def _(w):
    return ("score", missing_input(w), *w.synthetic(), "--max-input-mb", "-3"), (
        "--max-input-mb must be a positive number, got -3.0",
    )


@case("options/unknown-tube-iou")
def _(w):
    return (
        (
            "score",
            missing_input(w),
            "--dataset",
            "groundingyoutube",
            "--annotations",
            missing_input(w),
            "--task",
            "spatio-temporal",
            "--tube-iou",
            "nan",
        ),
        ("--tube-iou must be one of voxel, act, got 'nan'",),
    )


@case("options/long-split-against-a-named-file")
def _(w):
    annotations = w.write("test_annotations.json", w.vidstg_entries())
    return (
        ("score", w.tubes(), "--dataset", "vidstg", "--annotations", annotations, "--split", "s" * 5000),
        ("vidstg has no split 'sss", "s...s'; choose one of train, val, test"),
    )


# -- outputs: checked before any scoring (the inputs named here are valid and never read) ------------------


@case("outputs/per-frame-is-the-annotations")
def _(w):
    annotations = w.write("test_annotations.json", w.vidstg_entries())
    return (
        ("score", w.tubes(), "--dataset", "vidstg", "--annotations", annotations, "--per-frame", annotations),
        (f"--per-frame {annotations} is the input --annotations",),
    )


@case("outputs/per-frame-and-out-the-same-file")
def _(w):
    return (
        ("score", w.tubes(), *w.synthetic(), "--out", w.out, "--per-frame", w.root / "." / "results.json"),
        ("are the same file",),
    )


@case("outputs/plot-is-a-file")
def _(w):
    return (
        ("score", w.tubes(), *w.synthetic(), "--plot", w.out),
        (f"--plot {w.out}: is a file, expected a directory",),
    )


@case("outputs/convert-out-is-a-directory")
def _(w):
    return (
        ("convert", w.tubes(), "--to", "tubedetr", "--out", w.root, *w.synthetic()),
        (f"--out {w.root}: is a directory, expected a file",),
    )


@case("outputs/per-sample-in-an-unwritable-place")
def _(w):
    return (
        ("score", w.tubes(), *w.synthetic(), "--per-sample", "/proc/stvg-bench/rows.csv"),
        ("--per-sample /proc/stvg-bench/rows.csv: /proc is not writable",),
    )


# -- action predictions ------------------------------------------------------------------------------------


def spatial_with(second: str, entry: dict) -> dict:
    predictions = spatial_points()
    predictions["vid-a"][second] = entry
    return predictions


@case("actions/point-left-of-the-frame")
def _(w):
    path, *rest = w.actions("spatial", spatial_with("2", {"point": [-1, 5]}))
    return ("score", path, *rest, "--out", w.out), (
        f"{path}: sample vid-a: field second 2: point: point (-1, 5) outside the frame (640x480)",
    )


@case("actions/point-below-the-frame")
def _(w):
    predictions = spatial_points()
    predictions["vid_b"]["1"] = {"point": [20, 640.5]}  # vid_b is 480 wide, 640 high
    path, *rest = w.actions("spatial", predictions)
    return ("score", path, *rest), (
        "sample vid_b: field second 1: point: point (20, 640.5) outside the frame",
    )


NEGATIVE_HEATMAP = "negative heatmap value (a heatmap is a non-negative map: shift or clip it)"


@case("actions/negative-heatmap-value")
def _(w):
    path, *rest = w.actions(
        "spatial", spatial_with("3", {"heatmap": [[0, -1], [1, 0]], "frame_size": [640, 480]})
    )
    return ("score", path, *rest), (f"{path}: sample vid-a: field second 3: heatmap: {NEGATIVE_HEATMAP}",)


@case("actions/tiny-negative-heatmap-value")
def _(w):
    entry = {"heatmap": [[0, 0], [1, -1e-300]], "frame_size": [640, 480]}
    path, *rest = w.actions("spatial", spatial_with("4", entry), "tiny.json")
    return ("validate", path, *rest), (f"field second 4: heatmap: {NEGATIVE_HEATMAP}",)


ONE_KIND = "give exactly one of 'point', 'box' or 'heatmap' (with 'frame_size')"


@case("actions/point-and-box-in-one-second")
def _(w):
    path, *rest = w.actions("spatial", spatial_with("2", {"point": [1, 1], "box": SQUARE}))
    return ("score", path, *rest), (f"{path}: sample vid-a: field second 2: {ONE_KIND}",)


@case("actions/heatmap-without-frame-size")
def _(w):
    path, *rest = w.actions("spatial", spatial_with("2", {"heatmap": [[1]]}))
    return ("score", path, *rest), (f"sample vid-a: field second 2: {ONE_KIND}",)


# -- found by the loader fuzzers ---------------------------------------------------------------------------


@case("fuzz/huge-box-coordinate")
def _(w):
    def edit(document):
        document["predictions"]["0"]["boxes"][first_frame(document)][2] = 1e308

    path = w.tubes(edit=edit)
    frame = first_frame(w.synthetic_document)
    return ("score", path, *w.synthetic(), "--out", w.out), (
        f"{path}: sample 0: field boxes (frame {frame}): coordinate out of range (beyond ±1e+09 pixels)",
    )


@case("fuzz/huge-action-box")
def _(w):
    path, *rest = w.actions("spatial", spatial_with("2", {"box": [0, 0, 1e300, 10]}))
    return ("score", path, *rest), (f"{path}: sample vid-a: field second 2: coordinate out of range",)


@case("fuzz/huge-tube-box")
def _(w):
    predictions = spatio_temporal()
    predictions["vid-a"]["tubes"][0]["boxes"]["2"] = [0, 0, 10, -1e200]
    path, *rest = w.actions("spatio-temporal", predictions)
    return ("score", path, *rest), ("sample vid-a: field tubes[0].boxes (second 2): coordinate out of range",)


FRAME_SIZE = "frame_size must be two integers [width, height] in 1-65,536"


def tubedetr_vidstg(w, edit) -> tuple:
    """A small TubeDETR-layout VidSTG file after ``edit(layout, video, trajectory)``; the score arguments."""
    entries = synthetic.make_entries(4, seed=5)
    layout = synthetic.tubedetr_layout(entries, synthetic.make_vidor(entries, seed=5))
    video = layout["videos"][0]
    trajectory = layout["trajectories"][video["original_video_id"]][str(video["target_id"])]
    edit(trajectory)
    path = w.write("test.json", json.dumps(layout).replace("123456.789", "1e999").encode())
    where = f"trajectories['{video['original_video_id']}']['{video['target_id']}']"
    return ("score", w.tubes(), "--dataset", "vidstg", "--annotations", path), path, video, where


@case("fuzz/huge-ground-truth-box-tubedetr")
def _(w):
    args, path, video, where = tubedetr_vidstg(
        w, lambda t: next(iter(t.values()))["bbox"].__setitem__(2, 1e300)
    )
    return args, (
        f"{path}: sample {video['original_video_id']}: field {where}: box [",
        "beyond ±1e+09 pixels",
    )


@case("fuzz/invalid-utf8-in-a-trajectory")
def _(w):
    args, path, _, where = tubedetr_vidstg(w, lambda t: t.__setitem__("NOT-UTF-8", t.pop(next(iter(t)))))
    path.write_bytes(path.read_bytes().replace(b'"NOT-UTF-8"', b'"\xff"', 1))
    return args, (f"{path}: invalid {where}: Invalid UTF-8 encoded string",)


@case("fuzz/huge-ground-truth-box-hcstvg")
def _(w):
    official = make_hcstvg_official(3, 4)
    name = list(official)[1]
    official[name]["bbox"][2][3] = 1e200
    path = w.write("test_hcstvg.json", official)
    return (
        ("score", w.tubes(), "--dataset", "hcstvg-v1", "--annotations", path),
        (f"{path}: sample {name}: field bbox: box [", "has a number beyond ±1e+09 pixels"),
    )


@case("fuzz/huge-ground-truth-box-youcook2")
def _(w):
    release = {
        "boxes": {"vid": {"3": [0, 0, 1e300, 1e300]}},
        "segments": [{"video_id": "vid", "segment": [0, 9], "sentence": "cut"}],
    }
    path = w.write("youcook2_interactions.json", release)
    return (
        ("score", w.tubes(), "--dataset", "youcook2-interactions", "--annotations", path),
        (f"{path}: sample vid: field boxes: box [0.0, 0.0, 1e+300, 1e+300] has a number beyond",),
    )


@case("fuzz/huge-ground-truth-box-groundingyoutube")
def _(w):
    directory = w.gyt()
    boxes = json.loads((directory / "box_anno.json").read_text())
    boxes["vid_b"][1]["box"] = [0, -1e20, 10, 10]
    (directory / "box_anno.json").write_text(json.dumps(boxes))
    return (
        (
            "score",
            w.tubes(),
            "--dataset",
            "groundingyoutube",
            "--annotations",
            directory,
            "--task",
            "spatial",
        ),
        (f"{directory / 'box_anno.json'}: sample vid_b: field box: box [0.0, -1e+20, 10.0, 10.0]",),
    )


@case("fuzz/infinite-heatmap-frame-size")
def _(w):
    path, *rest = w.actions(
        "spatial", spatial_with("2", {"heatmap": [[1]], "frame_size": [float("inf"), 480]})
    )
    return ("score", path, *rest), (f"{path}: sample vid-a: field second 2: frame_size: {FRAME_SIZE}",)


@case("fuzz/nan-and-huge-heatmap-frame-size")
def _(w):
    path, *rest = w.actions("spatial", spatial_with("2", {"heatmap": [[1]], "frame_size": [640, 1e30]}))
    return ("score", path, *rest), (f"field second 2: frame_size: {FRAME_SIZE}",)


def clicks_file(w, url: str) -> tuple:
    path = w.write("clicks.json", [{"image_url": url, "x": 1.0, "y": 2.0, "mean_dist": 1.0}])
    return (
        "score",
        path,
        "--dataset",
        "groundingyoutube",
        "--annotations",
        w.gyt(),
        "--task",
        "spatial",
        "--format",
        "gyt-clicks",
    ), path


@case("fuzz/click-url-without-a-folder")
def _(w):
    args, path = clicks_file(w, "vid-a_2_crack_eggs.jpg")
    return args, (f"{path}: sample entry 0: cannot read video and second from 'vid-a_2_crack_eggs.jpg'",)


@case("fuzz/click-url-of-another-folder")
def _(w):
    args, path = clicks_file(w, "https://x/vid_b/vid-a_2_crack_eggs.jpg")
    return args, (f"{path}: sample entry 0: cannot read video and second from",)


def parquet_with_bad_column_name(w) -> Path:
    path = w.root / "container"
    dataset = load_dataset("synthetic")
    write_predictions(make_predictions(dataset.gt, "good", seed=1, frames="sparse"), path, "parquet", dataset)
    segments = path / "segments.parquet"
    segments.write_bytes(segments.read_bytes().replace(b"\x18\tsample_id", b"\x18\t\xf3ample_id", 1))
    return path


@case("fuzz/deeply-nested-split")
def _(w):
    path = w.write("deep.json", b'{"format": "stvg-bench/predictions", "split": ' + b"[" * 100000)
    return ("score", path, *w.synthetic(), "--out", w.out), (f"{path}: JSON nested too deeply",)


@case("fuzz/parquet-envelope-not-an-object")
def _(w):
    import pyarrow.parquet as pq

    path = w.root / "container"
    dataset = load_dataset("synthetic")
    write_predictions(make_predictions(dataset.gt, "good", seed=1, frames="sparse"), path, "parquet", dataset)
    for name in ("boxes.parquet", "segments.parquet"):
        table = pq.read_table(path / name)
        pq.write_table(table.replace_schema_metadata({b"stvg-bench": b'["test"]'}), path / name)
    return ("score", path, *w.synthetic()), (f"{path}: the 'stvg-bench' metadata must be a JSON object",)


@case("fuzz/parquet-column-name-not-utf8")
def _(w):
    path = parquet_with_bad_column_name(w)
    return ("score", path, *w.synthetic(), "--out", w.out), (
        f"{path / 'segments.parquet'}: not a readable Parquet",
    )


@case("fuzz/parquet-column-name-not-utf8-convert")
def _(w):
    path = parquet_with_bad_column_name(w)
    return ("convert", path, "--to", "stvg-bench", "--out", w.out, *w.synthetic()), (
        f"{path / 'segments.parquet'}: not a readable Parquet",
    )


# -- the other commands: cache, datasets, leaderboard, baseline, annotate (second round) ---------------------


@case("commands/cache-list-root-is-a-file")
def _(w):
    w.setenv("STVG_BENCH_CACHE", str(w.out))
    return ("cache", "list"), (f"the cache root {w.out} ($STVG_BENCH_CACHE or its default) is not a directory",)


@case("commands/cache-clear-root-is-a-file")
def _(w):
    w.setenv("STVG_BENCH_CACHE", str(w.out))
    return ("cache", "clear", "--all"), (f"the cache root {w.out} ", "is not a directory")


@case("commands/cache-clear-age-of-5000-digits")
def _(w):
    w.setenv("STVG_BENCH_CACHE", str(w.root / "cache"))
    return ("cache", "clear", "--older-than", "9" * 5000 + "d"), (
        "argument --older-than: expected an age such as 7d, 12h or 30m (units s, m, h, d, w), got '9999",
    )


def leaderboard_with_entry(w, content: bytes) -> tuple:
    """A leaderboards folder under ``w.root`` whose one entry file holds ``content``; ``build`` arguments."""
    folder = w.root / "boards" / "entries" / "vidstg"
    folder.mkdir(parents=True)
    path = folder / "adws.toml"
    path.write_bytes(content)
    return ("leaderboard", "build", "--root", w.root / "boards", "--data", w.root / "data"), path


ENTRY = b"""schema_version = 1
name = "adws"
method = "ADWS"
dataset = "vidstg"
supervision = "weakly"

[paper]
title = "A title"
venue = "ACM MM"
year = 2020

[sources.jin-mu]
citation = "Jin, Mu. ECCV 2024"

[[reported]]
source = "jin-mu"
table = "Table 1"
task = "tube-grounding"
split = "test"
query_type = "declarative"
printed_as = "ADWS"

[reported.values]
m_vIoU = "8.96"
"""


@case("commands/leaderboard-entry-nested-too-deeply")
def _(w):
    args, path = leaderboard_with_entry(w, b"a = " + b"[" * 100_000 + b"]" * 100_000)
    return args, (f"{path}: not valid TOML (nested too deeply)",)


@case("commands/leaderboard-entry-method-with-a-bell")
def _(w):
    args, path = leaderboard_with_entry(w, ENTRY.replace(b'"ADWS"', b'"AD\\u0007WS"', 1))
    return args, (f"{path}: method: 'AD\\x07WS' holds a control character",)


@case("commands/leaderboard-entry-source-key-with-an-escape")
def _(w):
    args, path = leaderboard_with_entry(w, ENTRY.replace(b'citation = "Jin', b'citation = "\\u001b[2JJin'))
    return args, (f"{path}: sources/jin-mu/citation: ", "holds a control character")


def baseline_run(w, *options) -> tuple:
    """``baseline run full-frame`` on the synthetic dataset with ``options``."""
    return ("baseline", "run", "full-frame", "--dataset", "synthetic", "--out", w.root / "run.json", *options)


BASELINE_OPTION_CASES = {
    "max-frames-arabic-indic": (
        ("--param", "max_frames=\u0663"),
        "full-frame: --param max_frames='\u0663': must be a non-negative integer (ASCII digits)",
    ),
    "max-frames-with-underscores": (("--param", "max_frames=1_000"), "max_frames='1_000': must be a non-negative"),
    "max-frames-of-5000-digits": (("--param", "max_frames=" + "9" * 5000), "max_frames='9999"),
    "every-k-arabic-indic": (("--param", "frame_plan=every:\u0663"), "every:K needs a positive integer K"),
    "frame-plan-of-5000-characters": (("--param", "frame_plan=" + "x" * 5000), "unknown frame plan 'xxx"),
    "unknown-parameter-of-5000-characters": (("--param", "y" * 5000 + "=1"), "full-frame has no parameter 'yyy"),
    "batch-size-zero": (("--batch-size", "0"), "--batch-size must be at least 1, got 0"),
    "nan-frames-fps": (("--frames-fps", "nan"), "--frames-fps must be a positive finite number, got nan"),
    "zero-frames-fps": (("--frames-fps", "0"), "--frames-fps must be a positive finite number, got 0.0"),
    "nan-gpus-per-worker": (("--gpus-per-worker", "nan"), "--gpus-per-worker must be a finite number of at least 0"),
    "zero-workers": (("--workers", "0"), "--workers must be at least 1, got 0"),
    "frame-sizes-for-a-tube-dataset": (
        ("--frame-sizes", "sizes.json"),
        "synthetic releases its frame sizes; --frame-sizes is for datasets without them",
    ),
}


def _baseline_option_case(name: str, options: tuple, expected: str) -> None:
    @case(f"commands/baseline-run-{name}")
    def _(w):
        w.write("sizes.json", {"v": [1, 2]})
        resolved = [str(w.root / o) if o == "sizes.json" else o for o in options]
        return baseline_run(w, *resolved), (expected,)


for _name, (_options, _expected) in BASELINE_OPTION_CASES.items():
    _baseline_option_case(_name, _options, _expected)


@case("commands/baseline-run-frame-sizes-with-a-duplicate-video")
def _(w):
    path = w.shared_data / "youcook2_interactions" / "youcook2_interactions.json"
    sizes = w.write("sizes.json", b'{"vid": [640, 480], "vid": [320, 240]}')
    return (
        "baseline", "run", "center-point", "--dataset", "youcook2-interactions", "--annotations", path,
        "--out", w.root / "run.json", "--frame-sizes", sizes,
    ), (f"{sizes}: duplicate video 'vid' in one JSON object",)


@case("commands/baseline-show-manifest-nested-too-deeply")
def _(w):
    (w.root / "run").mkdir()
    manifest = w.write("run/manifest.json", b"[" * 1_000_000)
    return ("baseline", "show", w.root / "run"), (f"{manifest}: not a readable run manifest (JSON nested too deeply)",)


def annotation_build(w) -> Path:
    """A Label Studio build of a 12 s video (no server): what ``annotate parse`` and ``derive`` read."""
    from annotation import build as builds

    from .annotation_helpers import write_segments, write_video

    video = write_video(w.root / "vid.mp4")
    segments = write_segments(w.root / "seg.json", {"vid": [("crack_eggs", 2, 5)]})
    return builds.build(video, segments, w.root / "job", video_id="vid", margin=1).directory


@case("commands/annotate-parse-export-nested-too-deeply")
def _(w):
    build = annotation_build(w)
    export = w.write("export.json", b"[" * 1_000_000)
    return ("annotate", "parse", export, "--build", build, "--out", w.root / "responses.csv"), (
        f"{export}: broken export: not valid JSON (nested too deeply)",
    )


@case("commands/annotate-parse-export-is-a-directory")
def _(w):
    build = annotation_build(w)
    return ("annotate", "parse", w.root, "--build", build, "--out", w.root / "responses.csv"), (
        f"{w.root}: is a directory, expected a file",
    )


@case("commands/annotate-build-segments-nested-too-deeply")
def _(w):
    segments = w.write("seg.json", b'{"vid": ' + b"[" * 1_000_000)
    return ("annotate", "build", w.root / "vid.mp4", "--segments", segments, "--out", w.root / "job"), (
        f"{segments}: not valid JSON (nested too deeply)",
    )


@case("commands/annotate-build-segments-is-a-directory")
def _(w):
    (w.root / "segments").mkdir()
    return ("annotate", "build", w.root / "vid.mp4", "--segments", w.root / "segments", "--out", w.root / "job"), (
        f"{w.root / 'segments'}: is a directory, expected a file",
    )


@case("commands/datasets-fetch-from-an-empty-path")
def _(w):
    return ("datasets", "fetch", "vidstg", "--from", "", "--cache-dir", w.root / "cache"), (
        "--from is empty: name the mirror directory",
    )


@case("commands/datasets-fetch-from-a-file")
def _(w):
    return ("datasets", "fetch", "vidstg", "--from", w.out, "--cache-dir", w.root / "cache"), (
        f"{w.out}: mirror directory not found",
    )


@case("commands/annotate-build-nan-frames-fps")
def _(w):
    video = annotation_build(w).parent / "vid.mp4"
    return (
        "annotate", "build", video, "--segments", w.root / "seg.json", "--out", w.root / "job2", "--frames-fps", "nan",
    ), ("--package-size must be >= 1, --margin >= 0 and --frames-fps > 0",)


def annotate_derive(w, *options) -> tuple:
    """``annotate derive`` of a build with no responses (the options are refused first)."""
    build = annotation_build(w)
    responses = w.write("responses.csv", b"")
    return ("annotate", "derive", "--build", build, "--responses", responses, "--out", w.root / "derived", *options)


DERIVE_OPTION_CASES = {
    "nan-margin-fraction": (("--margin-fraction", "nan"), "--margin-fraction must be a number in [0, 1], got nan"),
    "margin-fraction-above-one": (("--margin-fraction", "2"), "--margin-fraction must be a number in [0, 1], got 2.0"),
    "infinite-margin-px": (("--margin-px", "inf"), "--margin-px must be a finite number of pixels, at least 0, got inf"),
    "nan-bandwidth": (("--bandwidth", "nan"), "threshold >= 1, bandwidth > 0, heatmap stride >= 1 and spread threshold"),
    "infinite-spread-threshold": (("--spread-threshold", "inf"), "bandwidth > 0, heatmap stride >= 1 and spread"),
}


def _derive_option_case(name: str, options: tuple, expected: str) -> None:
    @case(f"commands/annotate-derive-{name}")
    def _(w):
        return annotate_derive(w, *options), (expected,)


for _name, (_options, _expected) in DERIVE_OPTION_CASES.items():
    _derive_option_case(_name, _options, _expected)


def leaderboard_add(w, predictions, *options) -> tuple:
    """``leaderboard add`` of ``predictions`` to a leaderboards folder holding one valid entry."""
    leaderboard_with_entry(w, ENTRY)
    return ("leaderboard", "add", "--root", w.root / "boards", "--data", w.root / "data", predictions,
            "--dataset", "vidstg", "--supervision", "prior", *options)


@case("commands/leaderboard-add-entry-name-climbing-out")
def _(w):
    return leaderboard_add(w, w.tubes(), "--entry", "../../x"), (
        ("--entry must be an entry name of 1 to 80 lower-case letters, digits and '-' (not first), "
         "got '../../x'"),
    )


@case("commands/leaderboard-add-predictions-missing")
def _(w):
    return leaderboard_add(w, w.root / "missing.json", "--entry", "e"), (f"{w.root / 'missing.json'}: no such file",)


@case("commands/leaderboard-add-paper-year-of-5000-digits")
def _(w):
    return leaderboard_add(w, w.tubes(), "--entry", "e", "--paper-year", "9" * 5000), (
        "argument --paper-year: invalid integer value: '9999", "...9'",
    )


@case("commands/leaderboard-add-produced-by-of-5000-characters")
def _(w):
    return leaderboard_add(w, w.tubes(), "--entry", "e", "--produced-by", "x" * 5000), (
        "--produced-by must be RUNNER@VERSION, got 'xxxx", "...x'",
    )


@pytest.mark.parametrize("name", sorted(CASES))
def test_hostile_input(name, work, run_cli):
    args, expected = CASES[name](work)
    before = snapshot(work.root)
    code, stdout, stderr = run_cli(*args)
    assert code == 2, (stdout, stderr)
    assert stderr.startswith("stvg-bench: error: ") and stderr.count("\n") == 1, stderr
    assert "Traceback" not in stderr and "Warning" not in stderr and "internal error" not in stderr
    assert len(stderr) < 400, stderr  # hostile values are quoted in part
    for fragment in expected:
        assert fragment in stderr, (fragment, stderr)
    assert snapshot(work.root) == before  # nothing written, the old results file as it was
    assert work.out.read_bytes() == PREVIOUS


def test_every_class_has_two_cases():
    classes: dict[str, int] = {}
    for name in CASES:
        classes[name.partition("/")[0]] = classes.get(name.partition("/")[0], 0) + 1
    assert set(classes) == {
        "empty", "ids", "limits", "annotations", "options", "outputs", "actions", "fuzz", "commands"
    }
    assert min(classes.values()) >= 2, classes


# -- what is not an error: zeros with --missing zero, defects counted in warnings ---------------------------


def results_of(run_cli, *args) -> dict:
    out = args[-1]
    code, _, stderr = run_cli(*args)
    assert code == 0, stderr
    return json.loads(Path(out).read_text())


def test_an_empty_submission_scores_zero_with_missing_zero(work, run_cli):
    path = empty_tubes(work)
    results = results_of(
        run_cli, "score", path, *work.synthetic(), "--missing", "zero", "--no-ci", "--out", work.out
    )
    assert results["n_samples"] == 200 and results["warnings"] == {"missing_scored_zero": 200}
    assert set(results["metrics"]["all"].values()) == {0.0}
    code, stdout, stderr = run_cli("validate", path, *work.synthetic(), "--missing", "zero")
    assert code == 0 and "warning: missing_scored_zero: 200" in stdout, stderr
    comparison = work.root / "comparison.json"
    code, _, stderr = run_cli(
        "compare", path, work.tubes(), *work.synthetic(), "--missing", "zero", "--out", comparison
    )
    assert code == 0, stderr


def test_an_empty_action_submission_scores_zero_with_missing_zero(work, run_cli):
    path, *rest = work.actions("spatial", {})
    results = results_of(run_cli, "score", path, *rest, "--missing", "zero", "--no-ci", "--out", work.out)
    assert results["warnings"]["missing_scored_zero"] == 11  # every boxed second of vid-a (7) and vid_b (4)
    assert results["metrics"]["all"]["pointing_accuracy"] == 0.0
    path, *rest = work.actions("temporal", {}, "temporal.json")
    code, stdout, stderr = run_cli("validate", path, *rest, "--missing", "zero")
    assert code == 0 and "warning: missing_scored_zero: 2" in stdout, stderr


def test_inverted_action_boxes_are_counted_not_refused(work, run_cli):
    predictions = spatial_with("2", {"box": [100, 0, 0, 100]})
    predictions["vid-a"]["3"] = {"box": [0, 100, 100, 0]}
    path, *rest = work.actions("spatial", predictions)
    results = results_of(run_cli, "score", path, *rest, "--no-ci", "--out", work.out)
    assert results["warnings"]["inverted_pred_boxes"] == 2
    predictions = spatio_temporal()
    predictions["vid-a"]["tubes"][0]["boxes"]["2"] = [100, 0, 0, 100]
    path, *rest = work.actions("spatio-temporal", predictions, "tubes.json")
    results = results_of(run_cli, "score", path, *rest, "--no-ci", "--out", work.out)
    assert results["warnings"]["inverted_pred_boxes"] == 1


def test_points_and_boxes_mixed_in_a_video_are_counted(work, run_cli):
    """A box among points scores its pointing; the IoU scores of a video mixing both are left out, counted."""
    predictions = spatial_with("2", {"box": SQUARE})
    predictions["vid_b"]["0"] = {"box": [10, 10, 50, 60]}
    path, *rest = work.actions("spatial", predictions)
    results = results_of(run_cli, "score", path, *rest, "--no-ci", "--out", work.out)
    assert results["warnings"]["iou_scores_skipped_mixed_with_points"] == 2
    assert results["metrics"]["all"]["pointing_accuracy"] == 1.0


def peak_memory_of(run_cli, *args) -> tuple[int, str]:
    """The peak of Python allocations while the CLI runs ``args``, and its stderr."""
    import tracemalloc

    tracemalloc.start()
    try:
        _, _, stderr = run_cli(*args)
        return tracemalloc.get_traced_memory()[1], stderr
    finally:
        tracemalloc.stop()


def test_a_gzip_bomb_is_refused_in_bounded_memory(work, run_cli):
    """64 MB of blanks in 64 KB of gzip, under a 1 MB limit: refused having held about the limit, not 64 MB
    (beyond what refusing a small file costs: the dataset is loaded first)."""
    bomb = work.write("bomb.json.gz", gzip.compress(b" " * (64 << 20), mtime=0))
    small = work.write("small.json.gz", gzip.compress(b" " * 10, mtime=0))
    baseline, stderr = peak_memory_of(run_cli, "validate", small, *work.synthetic(), "--max-input-mb", "1")
    assert f"{small}: empty file" in stderr, stderr
    peak, stderr = peak_memory_of(run_cli, "validate", bomb, *work.synthetic(), "--max-input-mb", "1")
    assert f"{bomb}: decompresses to {LIMIT}" in stderr, stderr
    assert peak - baseline < 6 << 20, (peak, baseline)


@pytest.mark.parametrize(
    "template, extra",
    [
        (
            (
                b'{"format": "stvg-bench/predictions", "version": 1, "dataset": "synthetic", "split": "test", '
                b'"method": {"name": "x", "deep": NEST}, "predictions": {"0": {"segment": [1, 2], "boxes": {}}}}'
            ),
            (),
        ),
        (b'{"predictions": {"v_1": NEST}, "video_predictions": {}}', ("--format", "tubedetr")),
        (b'{"1": NEST}', ("--format", "stcat")),
    ],
    ids=["canonical", "tubedetr", "stcat"],
)
def test_nesting_up_to_the_recursion_limit(work, run_cli, template, extra):
    """Arrays nested about as deep as the interpreter's recursion limit allows (whatever the stack already
    holds): every reader refuses them in one line (``JSON nested too deeply``) or reads them."""
    for depth in range(850, 1010, 8):
        path = work.write("nested.json", template.replace(b"NEST", b"[" * depth + b"]" * depth))
        code, _, stderr = run_cli("validate", path, *work.synthetic(), "--missing", "zero", *extra)
        assert code in (0, 2) and stderr.count("\n") <= 1 and "internal error" not in stderr, (depth, stderr)
