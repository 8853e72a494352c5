"""Benchmark: every GroundingYouTube metric over all 250 videos, with dense predictions.

Builds, under ``build/bench/gyt`` (from ../shared/data/groundingyoutube):

* spatial predictions: a point on every second of every video;
* temporal predictions: a step label on every second;
* spatio-temporal predictions: a label and a point on every second, plus one
  scored tube per GT instance (jittered GT boxes) and as many distractors;
* heatmap predictions: a 7x7 map (a Gaussian bump near the box, plus noise) for
  each of the 17,298 boxes, scored with ``--mask-threshold 0.5``;

then measures, each in its own process (median of ``--repeats``; peak RSS
from ``wait4``): the slow reference (tests/reference/slow_actions.py) computing
every metric, ``stvg-bench score`` for each task, and in process the
spatio-temporal task on loaded data (IoU+Pointing and video mAP). For the
heatmaps, the reference is the full-frame computation (upsample every map,
threshold it, pycocotools IoU of the two masks) on the first 1,000 queries: the
values must be equal, and the ratio is per query. Targets: the heatmap case
within 5 s and 300 MB for the whole CLI process. It checks that both report the same numbers.

    python -m benchmarks.score_gyt [--repeats 3]      # from the repository root
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

from .measure import compile_bytecode, measured

REPO = Path(__file__).resolve().parents[1]
DATA = REPO.parent / "shared" / "data" / "groundingyoutube"
WORK = REPO / "build" / "bench" / "gyt"

SLOW = """
import json, sys, time
from tests.reference import slow_actions as slow
work = sys.argv[1]
start = time.perf_counter()
inputs = json.load(open(work + "/reference_inputs.json"))
boxes = {(v, s): (b, c) for v, s, b, c in inputs["boxes"]}
segments = [tuple(s) for s in inputs["segments"]]
durations = inputs["durations"]
spatial = json.load(open(work + "/spatial.json"))["predictions"]
points = {(v, int(s)): e["point"] for v, per in spatial.items() for s, e in per.items()}
out = {"pointing_accuracy": slow.pointing([(v, s, b) for (v, s), (b, _) in boxes.items()], points)}
temporal = json.load(open(work + "/temporal.json"))["predictions"]
labels = {v: {int(s): step for s, step in per.items()} for v, per in temporal.items()}
out["IoD_no_bg"], out["Jaccard_no_bg"] = slow.iod_jaccard(segments, durations, labels, False)
out["IoD_with_bg"], out["Jaccard_with_bg"] = slow.iod_jaccard(segments, durations, labels, True)
st = json.load(open(work + "/spatio_temporal.json"))["predictions"]
seconds = {v: {int(s): (e["step"], e.get("point")) for s, e in per["seconds"].items()} for v, per in st.items()}
out["IoU+Pointing"] = slow.iou_pointing(segments, durations, boxes, seconds)
instances = [(v, c, {int(s): b for s, b in tube}) for v, c, tube in inputs["instances"]]
detections = [(v, t["step"], t["score"], {int(s): b for s, b in t["boxes"].items()})
              for v, per in st.items() for t in per["tubes"]]
map_start = time.perf_counter()
maps = [slow.video_map(instances, detections, theta) for theta in (0.1, 0.2, 0.3, 0.4, 0.5)]
out.update({f"video_mAP@{t:g}": m for t, m in zip((0.1, 0.2, 0.3, 0.4, 0.5), maps)})
out["video_mAP"] = sum(maps) / 5
print(json.dumps({"seconds": time.perf_counter() - start, "map_seconds": time.perf_counter() - map_start,
                  "metrics": out}))
"""

FULL_MASKS = """
import json, sys, time
import numpy as np
from pycocotools import mask as mask_utils
import stvg_bench as sb
from stvg_bench.metrics.heatmaps import argmax_point, mask, mask_box_ious
from stvg_bench.metrics.spatial import box_pixels
dataset = sb.load_dataset("groundingyoutube", "test", sys.argv[1])
document = json.load(open(sys.argv[2]))["predictions"]
queries = dataset.gt.queries
rows = []
for g, s, box in zip(queries.group[:1000].tolist(), queries.second[:1000].tolist(), queries.gt_xyxy[:1000]):
    entry = document[str(queries.group_names[g])][str(s)]
    rows.append((np.array(entry["heatmap"]), entry["frame_size"], box))
start = time.perf_counter()
full = []
for grid, (width, height), box in rows:
    argmax_point(grid, height, width)
    rle = mask_utils.encode(np.asfortranarray(mask(grid, height, width, 0.5, "greater_equal").astype(np.uint8)))
    xywh = np.array([[box[0], box[1], box[2] - box[0], box[3] - box[1]]])
    full.append(mask_utils.iou([rle], mask_utils.frPyObjects(xywh, height, width), [0])[0, 0])
seconds = time.perf_counter() - start
ours = [mask_box_ious(grid[None], height, width, 0.5, "greater_equal", box_pixels(box[None], height, width))[0]
        for grid, (width, height), box in rows]
assert ours == full, "the block-wise mask IoU differs from the full-frame one"
print(json.dumps({"seconds_per_query": seconds / len(rows)}))
"""

IN_PROCESS = """
import json, sys, time
import stvg_bench as sb
dataset = sb.load_dataset("groundingyoutube", "test", sys.argv[1])
predictions = sb.load_predictions(sys.argv[2], dataset)
evaluator = sb.Evaluator(dataset, task="spatio-temporal")
times = []
for _ in range(3):
    start = time.perf_counter()
    result = evaluator.score(predictions, ci=False)
    times.append(time.perf_counter() - start)
print(json.dumps({"seconds": min(times), "detections": len(predictions.tube_score),
                  "video_mAP": result.metrics["all"]["video_mAP"]}))
"""


def build() -> None:
    """Write the three prediction files and the slow reference's inputs."""
    import numpy as np

    from stvg_bench.datasets import load_dataset

    WORK.mkdir(parents=True, exist_ok=True)
    dataset = load_dataset("groundingyoutube", "test", DATA)
    gt = dataset.gt
    rng = np.random.default_rng(0)
    boxes = {(int(v), int(s)): b.tolist() for v, s, b, ok in zip(gt.box_video, gt.box_second, gt.box_xyxy,
                                                                 gt.box_valid) if ok}
    member = {}
    for v, c, a, b in zip(gt.segment_video, gt.segment_step, gt.segment_start, gt.segment_end):
        for s in range(int(a), int(b) + 1):
            member.setdefault((int(v), s), gt.steps[c])
    spatial, temporal, spatio_temporal = {}, {}, {}
    for v, video in enumerate(gt.video_ids.tolist()):
        width, height = int(gt.frame_width[v]), int(gt.frame_height[v])
        spatial[video], temporal[video], spatio_temporal[video] = {}, {}, {"seconds": {}, "tubes": []}
        for s in range(int(gt.duration[v]) + 1):
            box = boxes.get((v, s))
            if box is not None and rng.random() < 0.7:
                point = [(box[0] + box[2]) / 2 + rng.normal(0, 30), (box[1] + box[3]) / 2 + rng.normal(0, 30)]
            else:
                point = [rng.uniform(0, width), rng.uniform(0, height)]
            point = [float(np.clip(point[0], 0, width)), float(np.clip(point[1], 0, height))]
            spatial[video][str(s)] = {"point": point}
            step = member.get((v, s), "background") if rng.random() < 0.8 else str(rng.choice(gt.steps))
            temporal[video][str(s)] = step
            spatio_temporal[video]["seconds"][str(s)] = {"step": step, "point": point}
    instances, _ = gt.instances()
    instance_list = []
    for k in range(len(instances)):
        rows = instances.box_tube == k
        video, step = str(gt.video_ids[instances.video[k]]), gt.steps[instances.step[k]]
        tube = dict(zip(instances.box_second[rows].tolist(), instances.box_xyxy[rows].tolist()))
        instance_list.append((video, step, list(tube.items())))
        jitter = {str(s): [c + rng.normal(0, 20) for c in b] for s, b in tube.items()}
        distractor_step = str(rng.choice(gt.steps[1:]))
        shift = int(rng.integers(-20, 20))
        distractor = {str(min(max(s + shift, 0), int(gt.duration[instances.video[k]]))): [c + 200 for c in b]
                      for s, b in tube.items()}
        spatio_temporal[video]["tubes"].append({"step": step, "score": float(rng.random()), "boxes": jitter})
        spatio_temporal[video]["tubes"].append({"step": distractor_step, "score": float(rng.random()),
                                                "boxes": distractor})

    def write(name, task, body):
        (WORK / name).write_text(json.dumps({"format": "stvg-bench/action-grounding", "version": 1,
                                             "dataset": "groundingyoutube", "split": "test", "task": task,
                                             "method": {"name": "benchmark"}, "predictions": body}))

    write("spatial.json", "spatial", spatial)
    heatmaps = {}
    cells = np.arange(7) + 0.5
    for (v, s), box in boxes.items():
        width, height = int(gt.frame_width[v]), int(gt.frame_height[v])
        cx = ((box[0] + box[2]) / 2 + rng.normal(0, 40)) / width * 7
        cy = ((box[1] + box[3]) / 2 + rng.normal(0, 40)) / height * 7
        bump = np.exp(-((cells[None, :] - cx) ** 2 + (cells[:, None] - cy) ** 2) / (2 * 1.2 ** 2))
        grid = np.round(np.clip(bump + rng.normal(0, 0.05, (7, 7)), 0, None), 4)
        heatmaps.setdefault(str(gt.video_ids[v]), {})[str(s)] = {"heatmap": grid.tolist(),
                                                                 "frame_size": [width, height]}
    write("heatmaps.json", "spatial", heatmaps)
    write("temporal.json", "temporal", temporal)
    write("spatio_temporal.json", "spatio-temporal", spatio_temporal)
    reference = {
        "boxes": [[str(gt.video_ids[v]), s, b, ""] for (v, s), b in boxes.items()],
        "segments": [[str(gt.video_ids[v]), gt.steps[c], int(a), int(b)]
                     for v, c, a, b in zip(gt.segment_video, gt.segment_step, gt.segment_start, gt.segment_end)],
        "durations": {str(v): int(d) for v, d in zip(gt.video_ids, gt.duration)},
        "instances": instance_list,
    }
    (WORK / "reference_inputs.json").write_text(json.dumps(reference))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--build-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.build_only:
        build()
        return 0
    python = sys.executable
    subprocess.run([python, "-m", "benchmarks.score_gyt", "--build-only"], check=True, cwd=REPO)  # stays small
    compile_bytecode()
    cli = str(Path(python).with_name("stvg-bench"))
    common = ["--dataset", "groundingyoutube", "--annotations", str(DATA), "--no-ci"]
    tasks = {"spatial": "spatial.json", "temporal": "temporal.json", "spatio-temporal": "spatio_temporal.json"}
    figures = {"slow": measured([python, "-c", SLOW, str(WORK)], 1)}
    ours = {}
    for task, name in tasks.items():
        out = WORK / f"results-{task}.json"
        figures[task] = measured([cli, "score", str(WORK / name), *common, "--task", task, "--out", str(out)],
                                 args.repeats)
        ours.update(json.loads(out.read_text())["metrics"]["all"])
    figures["with_ci"] = measured([cli, "score", str(WORK / tasks["spatio-temporal"]), *common[:-1], "--task",
                                   "spatio-temporal"], args.repeats)
    heat_out = WORK / "results-heatmaps.json"
    figures["heatmaps"] = measured([cli, "score", str(WORK / "heatmaps.json"), *common, "--task", "spatial",
                                    "--mask-threshold", "0.5", "--out", str(heat_out)], args.repeats)
    figures["heatmaps_with_ci"] = measured([cli, "score", str(WORK / "heatmaps.json"), *common[:-1], "--task",
                                            "spatial", "--mask-threshold", "0.5"], args.repeats)
    figures["full_masks"] = measured([python, "-c", FULL_MASKS, str(DATA), str(WORK / "heatmaps.json")], 1)
    figures["in_process"] = measured([python, "-c", IN_PROCESS, str(DATA), str(WORK / tasks["spatio-temporal"])], 1)
    slow = json.loads(figures["slow"]["stdout"])
    for name, value in slow["metrics"].items():
        assert abs(ours[name] - value) < 1e-9, (name, ours[name], value)
    in_process = json.loads(figures["in_process"]["stdout"])
    total = sum(figures[t]["seconds"] for t in tasks)
    print(f"GroundingYouTube: 250 videos; {in_process['detections']} scored tubes; median of {args.repeats} runs; "
          f"{os.cpu_count()} cores\n")
    print(f"{'measurement':58} {'seconds':>8} {'peak MB':>8}")
    rows = [
        ("slow reference, every metric", slow["seconds"], figures["slow"]["peak_mb"]),
        ("slow reference, video mAP@0.1:0.5 alone", slow["map_seconds"], float("nan")),
        ("stvg-bench score --task spatial (CLI process)", figures["spatial"]["seconds"], figures["spatial"]["peak_mb"]),
        ("stvg-bench score --task temporal (CLI process)", figures["temporal"]["seconds"],
         figures["temporal"]["peak_mb"]),
        ("stvg-bench score --task spatio-temporal (CLI process)", figures["spatio-temporal"]["seconds"],
         figures["spatio-temporal"]["peak_mb"]),
        ("    same, with 95% CIs (the default)", figures["with_ci"]["seconds"], figures["with_ci"]["peak_mb"]),
        ("spatio-temporal task on loaded data, in process (IoU+Pointing, mAP)", in_process["seconds"], float("nan")),
        ("score --task spatial, 17,298 7x7 heatmaps, --mask-threshold (CLI)", figures["heatmaps"]["seconds"],
         figures["heatmaps"]["peak_mb"]),
        ("    same, with 95% CIs (the default)", figures["heatmaps_with_ci"]["seconds"],
         figures["heatmaps_with_ci"]["peak_mb"]),
    ]
    for label, seconds, peak in rows:
        print(f"{label:58} {seconds:8.3f} {peak:8.0f}")
    print(f"\nall three tasks through the CLI: {total:.2f} s vs {slow['seconds']:.2f} s for the slow reference "
          f"({slow['seconds'] / total:.1f}x)")
    per_query = json.loads(figures["full_masks"]["stdout"])["seconds_per_query"]
    ours_per_query = figures["heatmaps"]["seconds"] / 17_298
    print(f"heatmaps: full-frame masks {per_query * 1e3:.2f} ms per query (first 1,000 queries, the same IoUs) vs "
          f"{ours_per_query * 1e3:.3f} ms per query for the whole CLI run ({per_query / ours_per_query:.0f}x); "
          f"targets: <= 5 s and <= 300 MB")
    print("stvg-bench and the slow reference agree on every metric (|diff| < 1e-9).")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
