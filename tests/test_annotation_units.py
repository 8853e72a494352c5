"""Annotation pipeline without a server: frames, tasks, parsing, derivation, QC, bad input."""

from __future__ import annotations

import json
import math
import shutil

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from annotation import build as builds
from annotation import derive, export, integrity, qc
from annotation.errors import AnnotationInputError
from annotation.extra import ExtraMissing, require
from annotation.responses import Response

from .annotation_helpers import around, choice, click, write_segments, write_video


@pytest.fixture(scope="module")
def job(tmp_path_factory):
    """A build of a 12 s video: 'crack eggs' on seconds 2-5 and 'pour milk' on 5-8, margin 1."""
    root = tmp_path_factory.mktemp("root")
    video = write_video(root / "vid.mp4")
    segments = write_segments(root / "seg.json", {"vid": [("crack_eggs", 2, 5), ("pour milk", 5, 8)]})
    return builds.build(video, segments, root / "job", video_id="vid", margin=1)


def snapshot(build, answers: dict) -> list[dict]:
    """``answers``: ``{(second, segment_id): [(annotator_id, [result, ...]), ...]}`` on a single-frame build."""
    tasks = []
    for k, task in enumerate(build.tasks):
        data = task["data"]
        annotations = [{"id": 100 * k + a, "completed_by": who, "updated_by": who, "result": results,
                        "was_cancelled": False}
                       for a, (who, results) in enumerate(answers.get((data["second"], data["segment_id"]), []))]
        tasks.append({"id": k + 1, "data": data, "annotations": annotations})
    return tasks


def test_frames_are_sampled_each_second_inside_widened_segments(job):
    frames = {(f.second, f.step) for f in job.frames}
    # crack eggs 2-5 widened by 1 -> 1-6; pour milk 5-8 -> 4-9; second 5 is in both, second 4-6 twice.
    assert {s for s, step in frames if step == "crack_eggs"} == set(range(1, 7))
    assert {s for s, step in frames if step == "pour milk"} == set(range(4, 10))
    assert len(job.tasks) == 12 and len({t["data"]["key"] for t in job.tasks}) == 12
    first = job.tasks[0]["data"]
    # Frames go to <document root>/<build name>/, the document root being frames/ beside the build.
    assert first["query"] == "crack eggs" and first["image"].startswith("/data/local-files/?d=job/vid/")
    assert all(f.path.is_file() and (f.width, f.height) == (640, 480) for f in job.frames)
    assert job.document_root == job.directory.parent / "frames" and job.frames_directory == job.document_root / "job"
    assert (job.frames_directory / "vid" / "vid_5_pour_milk.jpg").is_file()


def test_work_packages_and_frame_folders(job, tmp_path):
    folder = tmp_path / "frames_of_vid"
    folder.mkdir()
    for f in job.frames:
        shutil.copyfile(f.path, folder / f"img_{f.second:05d}.jpg")
    segments = write_segments(tmp_path / "seg.json", {"vid": [("stir", 3, 7)]})
    packaged = builds.build(folder, segments, tmp_path / "pkg", video_id="vid", package_size=2)
    assert [len(t["data"]["frames"]) for t in packaged.tasks] == [2, 2, 1]
    assert packaged.tasks[0]["data"]["items"] == [{"second": 3, "step": "stir"}, {"second": 4, "step": "stir"}]
    assert builds.load(tmp_path / "pkg").package_size == 2


def test_percent_to_pixels_with_a_non_square_frame(job):
    # Label Studio keeps x, y in percent of the original size: 25% of 1280 = 320, 50% of 720 = 360.
    frame = job.frames[0]
    wide = builds.Build(job.directory, job.document_root, job.frames_directory, 1, job.segments,
                        [builds.Frame(frame.video, frame.second, frame.segment_id, frame.step, frame.path, 1280, 720)],
                        job.tasks)
    result = click(320, 360, 1280, 720)
    parsed = export.parse(snapshot(wide, {(frame.second, frame.segment_id): [(7, [result])]}), wide, {7: "a@x"},
                          "s.json")
    assert (parsed[0].x_px, parsed[0].y_px) == pytest.approx((320, 360))
    assert parsed[0].annotator == "a@x" and parsed[0].response == "click"


NO_EXCLUSIONS = {"snapshot": "s.json", "members_checked": True, "count": 0, "excluded": []}


def responses_for(frame, clicks=(), choices=(), width=640, height=480):
    rows = [Response(1, k, frame[0], frame[1], frame[2], frame[3], k, f"a{k}", "click", x, y, width, height)
            for k, (x, y) in enumerate(clicks)]
    rows += [Response(1, 50 + k, frame[0], frame[1], frame[2], frame[3], 50 + k, f"c{k}", name, math.nan, math.nan,
                      width, height) for k, name in enumerate(choices)]
    return rows


def results_of(job, responses, **parameters):
    results, counts = derive.derive(job, responses, derive.Parameters(**parameters))
    return {(f.second, f.segment_id): f for f in results}, counts


def test_box_is_the_hull_widened_clipped_and_rounded(job):
    # Clicks (300,200) (340,200) (320,220) (310,180) (330,210): hull x 300-340, y 180-220.
    # Paper margins: 0.15 x 640 = 96 left/right, 0.15 x 480 = 72 above/below -> [204, 108, 436, 292].
    # Release preset: 100 px -> [200, 80, 440, 320].
    frame = ("vid", 3, "crack_eggs", 0)
    clicks = [(300, 200), (340, 200), (320, 220), (310, 180), (330, 210)]
    results, _ = results_of(job, responses_for(frame, clicks))
    assert results[(3, 0)].box == (204, 108, 436, 292) and results[(3, 0)].visible
    results, _ = results_of(job, responses_for(frame, clicks), margin=derive.PRESETS["release"])
    assert results[(3, 0)].box == (200, 80, 440, 320)
    # Near the corner: hull 10-30 x 5-25 -> [10 - 96, 5 - 72, 30 + 96, 25 + 72] clipped to [0, 0, 126, 97].
    results, _ = results_of(job, responses_for(frame, [(10, 5), (30, 25), (20, 15)]))
    assert results[(3, 0)].box == (0, 0, 126, 97)
    # Rounding happens after clipping, half up: x1 = 300.4 - 96 = 204.4 -> 204; x2 = 340.5 + 96 = 436.5 -> 437.
    results, _ = results_of(job, responses_for(frame, [(300.4, 200), (340.5, 200), (320, 210)]))
    assert results[(3, 0)].box[0::2] == (204, 437)


def test_majority_vote(job):
    frame = ("vid", 3, "crack_eggs", 0)
    two = responses_for(frame, [(100, 100), (110, 110)], ["cannot answer"] * 3)
    results, _ = results_of(job, two)
    assert not results[(3, 0)].visible and results[(3, 0)].box is None and results[(3, 0)].cannot_answer == 3
    nobody = responses_for(frame, [], ["cannot answer"] * 5)
    results, _ = results_of(job, nobody)
    assert not results[(3, 0)].visible and results[(3, 0)].mean_click is None
    one = responses_for(frame, [(100, 100)])
    results, _ = results_of(job, one, threshold=1)
    # A single click: the hull is a point -> [100 - 96, 100 - 72, 100 + 96, 100 + 72].
    assert results[(3, 0)].box == (4, 28, 196, 172)
    results, _ = results_of(job, one)
    assert not results[(3, 0)].visible


def test_an_annotators_several_clicks_count_once_at_their_mean(job):
    frame = ("vid", 3, "crack_eggs", 0)
    rows = responses_for(frame, [(100, 100), (200, 100)])
    rows.append(Response(1, 9, *frame, 0, "a0", "click", 120, 100, 640, 480))  # a0 again
    results, counts = results_of(job, rows, threshold=2)
    assert len(results[(3, 0)].clicks) == 2 and counts["annotators_with_several_clicks"] == 1
    assert results[(3, 0)].mean_click == pytest.approx(((110 + 200) / 2, 100))


def test_refined_segments_spread_and_dataset(job, tmp_path):
    rows = []
    for second in (2, 3, 5):  # crack eggs visible on 2, 3, 5 -> refined to [2, 5]
        rows += responses_for(("vid", second, "crack_eggs", 0), around(200, 150, 10))
    for second in (5, 6):  # pour milk visible on 5 (shared with crack eggs) and 6
        rows += responses_for(("vid", second, "pour milk", 1), around(400, 300, 20, n=4))
    results, counts = derive.derive(job, rows, derive.Parameters())
    summary = derive.write_dataset(job, results, counts, derive.Parameters(), tmp_path / "dataset", NO_EXCLUSIONS)
    segments = json.loads((tmp_path / "dataset" / "ground_seg.json").read_text())["vid"]
    assert [s["segment"] for s in segments] == [[2, 5], [5, 6]]
    boxes = json.loads((tmp_path / "dataset" / "box_anno.json").read_text())["vid"]
    # Second 5 is visible for both steps: 5 clicks beat 4, crack eggs keeps it.
    assert [(b["second"], b["step_name"]) for b in boxes] == [(2, "crack_eggs"), (3, "crack_eggs"),
                                                               (5, "crack_eggs"), (6, "pour milk")]
    assert summary["seconds_visible_for_two_steps"] == 1
    assert summary["spread"]["mean_spread_per_frame_px"] == pytest.approx((3 * 10 + 2 * 20) / 5)
    from stvg_bench.datasets import load_dataset

    dataset = load_dataset("groundingyoutube", "test", tmp_path / "dataset")
    assert len(dataset.gt.queries.group) == 4 and dataset.gt.defects["boxes_inverted"] == 0
    maps = np.load(tmp_path / "dataset" / "heatmaps" / "vid.npz", allow_pickle=False)
    assert maps["density"].shape[1:] == (60, 80)  # 480 / 8, 640 / 8
    assert maps["density"][0].sum() * 8 * 8 == pytest.approx(1.0, abs=0.02)  # a density integrates to 1


@settings(max_examples=100, deadline=None)
@given(
    clicks=st.lists(st.tuples(st.floats(0, 640), st.floats(0, 480)), min_size=3, max_size=5),
    width=st.sampled_from([640, 480, 1280]),
    height=st.sampled_from([480, 640, 720]),
    preset=st.sampled_from(["paper", "release"]),
)
def test_box_properties(clicks, width, height, preset):
    xy = np.array([(x * width / 640, y * height / 480) for x, y in clicks])
    rule = derive.PRESETS[preset]
    box = derive.box_from_clicks(xy, width, height, rule)
    mx, my = rule.margins(width, height)
    expected = [min(max(v, 0), limit) for v, limit in zip(
        (xy[:, 0].min() - mx, xy[:, 1].min() - my, xy[:, 0].max() + mx, xy[:, 1].max() + my),
        (width, height, width, height))]
    assert box == tuple(math.floor(v + 0.5) for v in expected)
    assert 0 <= box[0] <= box[2] <= width and 0 <= box[1] <= box[3] <= height
    mean = xy.mean(axis=0)
    assert box[0] - 0.5 <= mean[0] <= box[2] + 0.5 and box[1] - 0.5 <= mean[1] <= box[3] + 0.5


def test_cochran_worked_example():
    # 95%: z = 1.959964; n0 = z^2 * 0.25 / 0.05^2 = 384.146; with N = 17,316:
    # n = 384.146 / (1 + 383.146 / 17,316) = 384.146 / 1.022127 = 375.83 -> 376.
    assert qc.cochran(17_316, 0.95, 0.05) == 376
    # N = 100: 384.146 / (1 + 3.83146) = 79.51 -> 80; 99% and 3%: n0 = 2.575829^2 * 0.25 / 0.0009 = 1843.03.
    assert qc.cochran(100) == 80
    assert qc.cochran(10_000, 0.99, 0.03) == math.ceil(1843.03 / (1 + 1842.03 / 10_000))
    assert qc.cochran(5) == 5


def test_sample_and_review_outcome():
    frames = [{"video": "v", "second": s, "segment_id": 0, "step": "a", "visible": s % 2 == 0} for s in range(40)]
    sample = qc.draw(frames, 10, seed=3)
    assert sample == qc.draw(list(reversed(frames)), 10, seed=3) and len({f["second"] for f in sample}) == 10
    verdicts = {("v", f["second"], 0): qc.VISIBLE if f["second"] % 4 == 0 else qc.NOT_VISIBLE for f in sample}
    report = qc.outcome(sample, verdicts)
    positives = [f for f in sample if f["visible"]]
    # Derived visible = even seconds; the specialist sees the action on multiples of 4 only.
    assert report["false_positives"] == sum(f["second"] % 4 == 2 for f in positives)
    assert report["false_negatives"] == 0
    assert report["false_positive_rate"] == pytest.approx(report["false_positives"] / len(positives))


def test_the_specialist_reads_the_step_as_annotators_do(job):
    record = {"video": "vid", "second": 3, "segment_id": 0}
    (task,) = qc.review_tasks([record], job, "sample.json")
    assert task["data"]["query"] == "crack eggs" == next(
        t["data"]["query"] for t in job.tasks if t["data"]["second"] == 3 and t["data"]["segment_id"] == 0)


def test_missing_extra_says_how_to_install():
    with pytest.raises(ExtraMissing, match=r"pip install 'stvg-bench\[annotation\]'"):
        require("label_studio_sdk_that_does_not_exist")


def test_cli_without_the_extra(tmp_path, job):
    import subprocess
    import sys

    code = ("import sys; sys.modules['label_studio_sdk'] = None; from stvg_bench.cli import main; "
            f"sys.exit(main(['annotate', 'push', {str(job.directory)!r}, '--project', 'p', '--url', "
            "'http://127.0.0.1:9', ]))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False,
                          env={**__import__("os").environ, "LABEL_STUDIO_API_KEY": "x" * 40})
    assert done.returncode == 2 and "pip install 'stvg-bench[annotation]'" in done.stderr
    assert done.stderr.count("\n") == 1


@pytest.mark.parametrize(
    "mutate, expected",
    [
        (lambda s: "[{\"id\": 1, \"data\": ", ("broken export", "not valid JSON")),
        (lambda s: json.dumps({"tasks": []}), ("broken export", "expected a list of tasks")),
        (lambda s: s.replace('"action_center"', '"elbow"', 1), ("task 1", "annotator user 7", "unknown label")),
        (lambda s: s.replace('"x": 31.25', '"x": 131.25', 1), ("task 1", "annotator user 7", "click outside the image")),
        (lambda s: s.replace('"cannot answer"', '"maybe"', 1), ("task 2", "annotator user 8", "unknown choice")),
    ],
)
def test_bad_exports_are_one_line_and_lose_nothing(job, tmp_path, run_cli, mutate, expected):
    answers = {(1, 0): [(7, [click(200, 100, 640, 480)])], (2, 0): [(8, [choice("cannot answer")])]}
    good = tmp_path / "good.json"
    good.write_text(json.dumps(snapshot(job, answers)))
    table = tmp_path / "responses.csv"
    assert run_cli("annotate", "parse", good, "--build", job.directory, "--out", table)[0] == 0
    before = table.read_bytes()
    bad = tmp_path / "bad.json"
    bad.write_text(mutate(good.read_text()))
    code, _, stderr = run_cli("annotate", "parse", bad, "--build", job.directory, "--out", table)
    assert code == 2 and stderr.count("\n") == 1 and "Traceback" not in stderr and str(bad) in stderr
    for fragment in expected:
        assert fragment in stderr, stderr
    assert table.read_bytes() == before


def test_a_missing_frame_file_names_task_and_annotator(job, tmp_path, run_cli):
    copy = builds.build(job.directory.parent / "vid.mp4", job.directory.parent / "seg.json", tmp_path / "copy",
                        video_id="vid", margin=1)
    answers = {(2, 0): [(7, [click(200, 100, 640, 480)])]}
    path = tmp_path / "s.json"
    path.write_text(json.dumps(snapshot(copy, answers)))
    next(f for f in copy.frames if f.second == 2 and f.segment_id == 0).path.unlink()
    code, _, stderr = run_cli("annotate", "parse", path, "--build", copy.directory, "--out", tmp_path / "r.csv")
    assert code == 2 and "task 2" in stderr and "annotator user 7" in stderr and "frame file missing" in stderr


# ------------------------------------------------------------------ integrity of votes


def test_votes_in_other_names_and_earlier_answers_are_excluded():
    members = {1: "admin@x", 7: "a@x", 8: "b@x", 9: "c@x"}
    annotations = [
        {"id": 1, "completed_by": 7, "updated_by": 7, "updated_at": "2026-01-01T10:00:00Z"},  # a, then again: id 4
        {"id": 2, "completed_by": 8, "updated_by": 1},  # posted by the admin in b's name
        {"id": 3, "completed_by": 9, "updated_by": None},  # nobody recorded as having saved it
        {"id": 4, "completed_by": 7, "updated_by": 7, "updated_at": "2026-01-01T11:00:00Z"},
        {"id": 5, "completed_by": 99, "updated_by": 99},  # an account outside the organisation
        {"id": 6, "completed_by": 8, "updated_by": 8, "last_created_by": 1},  # its history says: the admin
        {"id": 7, "completed_by": 9, "updated_by": 9, "was_cancelled": True},  # skipped: no vote, nothing to report
        {"id": 8, "completed_by": {"id": 9, "email": "c@x"}, "updated_by": 9},  # the nested layout
    ]
    tasks = [{"id": 3, "data": {}, "annotations": [{**a, "result": []} for a in annotations]}]
    (kept,), excluded = integrity.counted(tasks, members)
    assert [a["id"] for a in kept["annotations"]] == [4, 7, 8]
    assert [(e.task_id, e.annotation_id, e.claimed_author, e.recorded_author) for e in excluded] == [
        (3, 2, "b@x", "admin@x"), (3, 3, "c@x", "nobody recorded"), (3, 1, "a@x", "a@x"), (3, 5, "user 99", "user 99"),
        (3, 6, "b@x", "admin@x")]
    assert "annotation 4" in excluded[2].reason and "not an account" in excluded[3].reason
    # Offline (parse) the accounts are unknown: only the membership check is left out.
    _, offline = integrity.counted(tasks, None)
    assert [e.annotation_id for e in offline] == [2, 3, 1, 6]


def test_forged_votes_do_not_make_a_frame_visible(job, tmp_path, run_cli):
    # Frame (3, 0): annotator 7 clicked; the same click "by" 8, 9 and 10 was saved by account 1.
    answers = {(3, 0): [(who, [click(300, 200, 640, 480)]) for who in (7, 8, 9, 10)]}
    tasks = snapshot(job, answers)
    for annotation in next(t for t in tasks if t["annotations"])["annotations"][1:]:
        annotation["updated_by"] = 1
    path = tmp_path / "s.json"
    path.write_text(json.dumps(tasks))
    code, stdout, stderr = run_cli("annotate", "parse", path, "--build", job.directory, "--out", tmp_path / "r.csv")
    assert code == 0 and "1 responses" in stdout and "3 annotations excluded from the vote" in stdout, stderr
    assert "claims user 8, recorded user 1: saved by another account" in stdout
    code, _, stderr = run_cli("annotate", "derive", "--build", job.directory, "--responses", tmp_path / "r.csv",
                              "--out", tmp_path / "dataset", "--threshold", "2")
    assert code == 0, stderr
    frame = next(f for f in json.loads((tmp_path / "dataset" / "frames.json").read_text())
                 if (f["second"], f["segment_id"]) == (3, 0))
    assert frame["clicks"] == 1 and not frame["visible"]
    derivation = json.loads((tmp_path / "dataset" / "derivation.json").read_text())
    assert derivation["excluded_annotations"]["count"] == 3 and not derivation["excluded_annotations"]["members_checked"]


# ------------------------------------------------------------------ bad response tables, builds, servers


@pytest.fixture
def derived(job, tmp_path, run_cli):
    """A good response table (with its exclusion report) and the dataset derived from it."""
    answers = {(3, 0): [(who, [click(300 + who, 200, 640, 480)]) for who in (7, 8, 9)],
               (4, 0): [(7, [choice("cannot answer")])]}
    path = tmp_path / "s.json"
    path.write_text(json.dumps(snapshot(job, answers)))
    table = tmp_path / "responses.csv"
    assert run_cli("annotate", "parse", path, "--build", job.directory, "--out", table)[0] == 0
    dataset = tmp_path / "dataset"
    assert run_cli("annotate", "derive", "--build", job.directory, "--responses", table, "--out", dataset)[0] == 0
    return table, dataset


def dataset_files(dataset) -> dict:
    return {p.name: p.read_bytes() for p in sorted(dataset.rglob("*")) if p.is_file()}


def _replace_in_row(table: str, row: int, column: str, value: str) -> str:
    lines = table.splitlines()
    names = lines[0].split(",")
    cells = lines[row].split(",")
    cells[names.index(column)] = value
    lines[row] = ",".join(cells)
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize(
    "mutate, expected",
    [
        (lambda t: _replace_in_row(t, 4, "response", "cannot answr"), ("line 5", "task", "annotator user 7",
                                                                         "unknown response 'cannot answr'")),
        (lambda t: "", ("empty file",)),
        (lambda t: t.splitlines()[0] + "\n", ("no responses: nothing to derive",)),
        (lambda t: _replace_in_row(t, 1, "x_px", "5000"), ("line 2", "annotator user 7", "outside the 640x480 frame")),
        (lambda t: _replace_in_row(t, 2, "x_px", "nan"), ("line 3", "annotator user 8", "not a point")),
        (lambda t: _replace_in_row(t, 3, "y_px", "inf"), ("line 4", "annotator user 9", "not a point")),
        (lambda t: _replace_in_row(t, 1, "task_id", "four"), ("line 2", "task_id 'four' is not an integer")),
        (lambda t: t.replace(",640,480\n", ",640\n", 1), ("line 2", "one value per column")),
        (lambda t: t.replace("x_px", "x", 1), ("expected the columns",)),
        (lambda t: _replace_in_row(t, 1, "width", "1280"), ("annotator user 7", "1280x480 frame; the build wrote 640x480")),
        (lambda t: _replace_in_row(t, 1, "second", "40"), ("annotator user 7", "vid second 40, which is not in the build")),
    ],
)
def test_bad_response_tables_are_one_line_and_lose_nothing(job, derived, run_cli, mutate, expected):
    table, dataset = derived
    before = dataset_files(dataset)
    table.write_text(mutate(table.read_text()))
    code, _, stderr = run_cli("annotate", "derive", "--build", job.directory, "--responses", table, "--out", dataset)
    assert code == 2 and stderr.count("\n") == 1 and "Traceback" not in stderr and str(table) in stderr, stderr
    for fragment in expected:
        assert fragment in stderr, stderr
    assert dataset_files(dataset) == before


def test_a_derivation_without_a_box_keeps_the_dataset(job, derived, run_cli, tmp_path):
    table, dataset = derived
    before = dataset_files(dataset)
    lines = table.read_text().splitlines()
    names = lines[0].split(",")
    rows = [line.split(",") for line in lines[1:]]
    for row in rows:
        row[names.index("response")], row[names.index("x_px")], row[names.index("y_px")] = "cannot answer", "nan", "nan"
    table.write_text("\n".join([lines[0], *(",".join(r) for r in rows)]) + "\n")
    code, _, stderr = run_cli("annotate", "derive", "--build", job.directory, "--responses", table, "--out", dataset)
    assert code == 2 and "no box at all" in stderr and dataset_files(dataset) == before
    fresh = tmp_path / "empty-dataset"
    assert run_cli("annotate", "derive", "--build", job.directory, "--responses", table, "--out", fresh)[0] == 0
    assert json.loads((fresh / "box_anno.json").read_text()) == {"vid": []}


def test_a_frame_missing_at_derive_is_named(job, tmp_path, run_cli):
    copy = builds.build(job.directory.parent / "vid.mp4", job.directory.parent / "seg.json", tmp_path / "copy",
                        video_id="vid", margin=1)
    path = tmp_path / "s.json"
    path.write_text(json.dumps(snapshot(copy, {(3, 0): [(7, [click(200, 100, 640, 480)])]})))
    assert run_cli("annotate", "parse", path, "--build", copy.directory, "--out", tmp_path / "r.csv")[0] == 0
    missing = next(f for f in copy.frames if (f.second, f.segment_id) == (3, 0)).path
    missing.unlink()
    code, _, stderr = run_cli("annotate", "derive", "--build", copy.directory, "--responses", tmp_path / "r.csv",
                              "--out", tmp_path / "dataset")
    assert code == 2 and stderr.count("\n") == 1 and f"frame file missing: {missing}" in stderr
    assert "task 3" in stderr and "annotator user 7" in stderr and not (tmp_path / "dataset").exists()


@pytest.mark.parametrize(
    "damage, expected",
    [
        (lambda m: m["frames"][3].pop("width"), ("manifest.json: frame 3", "the frame lacks 'width'")),
        (lambda m: m["frames"][2].update(height="tall"), ("frame 2", "invalid literal")),
        (lambda m: m.update(version=1), ("version 1", "build again")),
        (lambda m: m.pop("segments"), ("damaged manifest", "segments")),
    ],
)
def test_a_damaged_manifest_is_one_line(job, tmp_path, run_cli, damage, expected):
    copy = tmp_path / "job"
    shutil.copytree(job.directory, copy)
    manifest = json.loads((copy / "manifest.json").read_text())
    damage(manifest)
    (copy / "manifest.json").write_text(json.dumps(manifest))
    code, _, stderr = run_cli("annotate", "push", copy, "--project", "p", "--url", "http://127.0.0.1:9")
    assert code == 2 and stderr.count("\n") == 1 and "Traceback" not in stderr, stderr
    for fragment in expected:
        assert fragment in stderr, stderr


def test_bad_server_layouts_and_data_dirs_are_refused(tmp_path, run_cli):
    frames = tmp_path / "frames"
    frames.mkdir()
    a_file = tmp_path / "not-a-dir"
    a_file.write_text("x")
    for command in (["server", "start", "--document-root", frames], ["server", "stop"], ["server", "status"],
                    ["users", "add", "a@x.org"]):
        code, _, stderr = run_cli("annotate", *command, "--data-dir", a_file)
        assert code == 2 and stderr.count("\n") == 1 and "not a directory" in stderr, (command, stderr)
    # The data directory never inside, equal to or above the document root: nothing is created.
    for data_dir, root in ((frames / "ls", frames), (frames, frames), (tmp_path / "ls", tmp_path / "ls" / "frames")):
        root.mkdir(parents=True, exist_ok=True)
        code, _, stderr = run_cli("annotate", "server", "start", "--data-dir", data_dir, "--document-root", root)
        assert code == 2 and "overlap" in stderr and not (data_dir / "label_studio.sqlite3").exists(), stderr
    code, _, stderr = run_cli("annotate", "server", "start", "--data-dir", tmp_path / "new")
    assert code == 2 and "the first start needs --document-root" in stderr


def test_the_port_probe_ignores_time_wait():
    import socket

    from annotation.server import port_free

    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    port = listener.getsockname()[1]
    assert not port_free(port)  # a listener is refused
    peer = socket.create_connection(("127.0.0.1", port))
    accepted, _ = listener.accept()
    accepted.close()  # the server side closes first: its end of the connection waits in TIME_WAIT
    peer.close()
    listener.close()
    with socket.socket() as plain, pytest.raises(OSError):
        plain.bind(("127.0.0.1", port))  # what the old probe did
    assert port_free(port)


def test_pull_without_a_server_is_one_line(job, tmp_path, run_cli, monkeypatch):
    from annotation import client
    from annotation.server import free_port

    monkeypatch.setattr(client, "RETRY_SECONDS", 0.5)
    monkeypatch.setenv("LABEL_STUDIO_API_KEY", "x" * 40)
    code, _, stderr = run_cli("annotate", "pull", "--project", "p", "--build", job.directory, "--out", tmp_path / "pull",
                              "--url", f"http://127.0.0.1:{free_port()}")
    assert code == 2 and stderr.count("\n") == 1 and "no server answers" in stderr and "retried" in stderr
    assert not (tmp_path / "pull").exists()


def test_qc_files_are_checked(job, tmp_path, run_cli):
    code, _, stderr = run_cli("annotate", "qc", "sample", tmp_path, "--out", tmp_path / "s.json")
    assert code == 2 and "no such file" in stderr
    (tmp_path / "sample.json").write_text("{not json")
    code, _, stderr = run_cli("annotate", "qc", "push", tmp_path / "sample.json", "--build", job.directory,
                              "--project", "review", "--url", "http://127.0.0.1:9")
    assert code == 2 and stderr.count("\n") == 1 and "not a QC sample" in stderr


def test_outputs_never_replace_inputs(job, derived, run_cli, tmp_path):
    table, dataset = derived
    before = table.read_bytes()
    for out in (table.parent, table, job.directory):  # a derived dataset replaces its whole directory
        code, _, stderr = run_cli("annotate", "derive", "--build", job.directory, "--responses", table, "--out", out)
        assert code == 2 and "an input: choose another --out" in stderr, stderr
    assert table.read_bytes() == before and (job.directory / "manifest.json").is_file()
    snapshot_file = tmp_path / "s.json"
    code, _, stderr = run_cli("annotate", "parse", snapshot_file, "--build", job.directory, "--out", snapshot_file)
    assert code == 2 and "an input" in stderr and json.loads(snapshot_file.read_text())
    code, _, stderr = run_cli("annotate", "qc", "sample", dataset, "--out", dataset / "frames.json")
    assert code == 2 and "an input" in stderr


def test_only_the_specialists_verdicts_count():
    def verdict(who: int, choice_: str) -> dict:
        return {"completed_by": who, "result": [{"value": {"choices": [choice_]}, "type": "choices"}]}

    accounts = {4: "specialist@x", 7: "a@x"}
    tasks = [{"id": 1, "data": {"video": "v", "second": 2, "segment_id": 0},
              "annotations": [verdict(4, qc.VISIBLE), verdict(7, qc.NOT_VISIBLE)]}]
    with pytest.raises(AnnotationInputError, match=r"verdicts from 2 accounts \(a@x, specialist@x\)"):
        qc.verdicts(tasks, "review", accounts)
    assert qc.verdicts(tasks, "review", accounts, "specialist@x") == {("v", 2, 0): qc.VISIBLE}
    alone = [{**tasks[0], "annotations": tasks[0]["annotations"][:1]}]
    assert qc.verdicts(alone, "review", accounts) == {("v", 2, 0): qc.VISIBLE}


def test_a_build_selecting_no_frame_is_an_error_with_a_hint(job, tmp_path, run_cli):
    """Segments beyond the video's 12 s select no frame: one line with a hint, nothing written."""
    video = next(iter(job.frames)).path.parents[3] / "vid.mp4"
    segments = write_segments(tmp_path / "late.json", {"vid": [("stir", 40, 45)]})
    out = tmp_path / "empty-build"
    code, _, stderr = run_cli("annotate", "build", video, "--segments", segments, "--out", out, "--video-id", "vid")
    assert code == 2 and stderr.count("\n") == 1
    assert stderr == (f"stvg-bench: error: {segments}: no frame selected: the 1 segments of 1 videos cover no second "
                      "the sources have (check that the segments' seconds fit the videos' lengths, --frames-fps for "
                      "a frame folder, or widen --margin)\n")
    assert not out.exists()
