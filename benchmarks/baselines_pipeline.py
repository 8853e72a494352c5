"""Benchmark: does the local executor hide decoding behind the model? And what does Ray cost?

On synthetic videos (H.264 written with PyAV, frames that show their index) in
a VidSTG-layout dataset under ``build/bench/baselines``, with a stand-in model
whose cost is a fixed number of seconds per frame (it sleeps, as a model on a
GPU leaves the CPU to the decoder), measures in one run:

* decode-only rate: the local executor with a model of zero cost (frames/s);
* model-only rate: the stand-in on frames already decoded (frames/s);
* pipeline rate: the local executor with the stand-in, whose cost is set so
  the model alone is about half as fast as decoding (the model is the
  bottleneck; decoding must hide behind it). Target: pipeline >= 0.9 x
  min(decode-only, model-only);
* Ray: the start-up of a local 2-CPU cluster and its 2 actors, and the
  per-sample overhead of the Ray executor over the local one (the
  ``full-frame`` prior on the real VidSTG test sentences, no video).

    python -m benchmarks.baselines_pipeline [--videos 48] [--frames 150]    # from the repository root
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
BUILD = REPO / "build" / "bench" / "baselines"
SHARED = REPO.parent / "shared" / "data"
os.environ.setdefault("OMP_NUM_THREADS", "1")

from baselines.info import RunnerInfo
from baselines.outputs import TubeOutput
from baselines.plugin import FRAME_PLAN, MAX_FRAMES
from baselines.runner import Runner
from baselines.video.synthetic import constant_rate, write_index_video


class StandIn(Runner):
    """Sleeps ``seconds_per_frame`` per frame of a batch: a model of fixed cost per frame."""

    name = "bench-stand-in"
    seconds_per_frame = 0.0

    def predict(self, batch):
        frames = sum(len(f) for _, f in batch)
        if self.seconds_per_frame:
            time.sleep(self.seconds_per_frame * frames)
        return [TubeOutput(s.segment_start_frame, s.segment_end_frame_exclusive, f.planned,
                           np.zeros((len(f), 4))) for s, f in batch]


def register() -> None:
    from stvg_bench.registries import BASELINES

    BASELINES.register(StandIn.name, StandIn, RunnerInfo(
        description="benchmark stand-in", version=1, task="tube-grounding", family="tubes", kind="zero-shot",
        needs=("videos",), parameters=(FRAME_PLAN, MAX_FRAMES), default_batch_size=4), origin="benchmark")


def make_data(n_videos: int, n_frames: int, width: int, height: int) -> tuple[Path, Path]:
    shutil.rmtree(BUILD, ignore_errors=True)
    entries = []
    for k in range(n_videos):
        video = str(5000 + k)
        write_index_video(BUILD / "videos" / "video" / "0000" / f"{video}.mp4", constant_rate(n_frames, 30.0),
                          width, height)
        entries.append({"vid": video, "fps": 30.0, "frame_count": n_frames, "width": width, "height": height,
                        "used_segment": {"begin_fid": 0, "end_fid": n_frames},
                        "temporal_gt": {"begin_fid": 10, "end_fid": n_frames // 2},
                        "captions": [{"description": "a thing.", "target_id": 0}], "questions": []})
    annotations = BUILD / "test_annotations.json"
    annotations.write_text(json.dumps(entries))
    return annotations, BUILD / "videos"


def timed_run(name: str, request_options: dict) -> tuple[float, dict]:
    from baselines.run.pipeline import RunRequest, run

    out = BUILD / f"{name}.json"
    shutil.rmtree(BUILD / f"{name}.run", ignore_errors=True)
    start = time.perf_counter()
    run(RunRequest(out=str(out), **request_options))
    wall = time.perf_counter() - start
    session = json.loads((BUILD / f"{name}.manifest.json").read_text())["sessions"][-1]
    return wall, session["stats"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--videos", type=int, default=48)
    parser.add_argument("--frames", type=int, default=150)
    parser.add_argument("--width", type=int, default=640)
    parser.add_argument("--height", type=int, default=360)
    args = parser.parse_args()
    os.environ.setdefault("STVG_BENCH_CACHE", str(BUILD.parent / "cache"))
    register()
    annotations, videos = make_data(args.videos, args.frames, args.width, args.height)
    common = {"runner": StandIn.name, "dataset": "vidstg", "annotations": str(annotations), "videos": str(videos),
              "params": ("frame_plan=fps:10",), "decode_workers": 2, "prefetch": 2}

    StandIn.seconds_per_frame = 0.0
    _, decode = timed_run("decode-only", common)
    decode_rate = decode["frames"] / decode["wall_seconds"]

    StandIn.seconds_per_frame = 2.0 / decode_rate  # the model alone: half as fast as decoding
    from baselines.run.work import unit_inputs, work_units
    from baselines.samples import tube_samples
    from baselines.video.sources import video_source
    from stvg_bench.datasets import load_dataset

    runner = StandIn({"frame_plan": "fps:10", "max_frames": 0})
    source = video_source("vidstg", videos, None, "auto")
    items = [item for unit in work_units(tube_samples(load_dataset("vidstg", "test", annotations), False))
             for item in unit_inputs(unit, runner, source).items]
    frames = sum(len(f) for _, f in items)
    start = time.perf_counter()
    for first in range(0, len(items), 4):
        runner.predict(items[first : first + 4])
    model_rate = frames / (time.perf_counter() - start)

    _, pipeline = timed_run("pipeline", common)
    pipeline_rate = pipeline["frames"] / pipeline["wall_seconds"]
    bound = min(decode_rate, model_rate)

    rows = [
        ("synthetic videos", (f"{args.videos} x {args.frames} frames, {args.width}x{args.height} H.264, 30 fps; "
                              f"plan fps:10 ({frames} frames)")),
        ("decode-only rate (zero-cost model)", f"{decode_rate:.1f} frames/s"),
        ("model-only rate (stand-in, sleeps)",
         f"{model_rate:.1f} frames/s ({StandIn.seconds_per_frame * 1000:.2f} ms per frame)"),
        ("local executor rate (decode + model)",
         f"{pipeline_rate:.1f} frames/s = {pipeline_rate / bound:.3f} x min(decode, model) (target >= 0.9)"),
        ("  its model idle waiting for frames",
         f"{pipeline['stage_seconds']['wait']:.3f} s of {pipeline['wall_seconds']:.2f} s"),
    ]

    test = SHARED / "vidstg" / "test_annotations.json"
    if test.is_file():
        import ray

        prior = {"runner": "full-frame", "dataset": "vidstg", "annotations": str(test), "limit": 2000}
        _, local = timed_run("prior-local", prior)
        start = time.perf_counter()
        ray.init(num_cpus=2, include_dashboard=False, logging_level="WARNING")
        init = time.perf_counter() - start
        _, remote = timed_run("prior-ray", {**prior, "executor": "ray", "workers": 2, "batch_size": 64})
        ray.shutdown()
        same = (BUILD / "prior-local.json").read_bytes().replace(b"prior-local", b"") == (
            BUILD / "prior-ray.json").read_bytes().replace(b"prior-ray", b"")
        overhead = (remote["wall_seconds"] - remote["stage_seconds"]["startup"] - local["wall_seconds"]) / 2000
        rows += [
            ("Ray: ray.init of a local 2-CPU cluster", f"{init:.2f} s"),
            ("Ray: actors start (2 actors, runner set up)", f"{remote['stage_seconds']['startup']:.2f} s"),
            ("Ray: per-sample overhead vs local (full-frame, 2,000 VidSTG sentences)",
             f"{overhead * 1000:.3f} ms ({local['wall_seconds']:.2f} s local, {remote['wall_seconds']:.2f} s Ray)"),
            ("Ray and local predictions identical", str(same)),
        ]
    width = max(len(r[0]) for r in rows)
    print("| measurement | value |\n|---|---|")
    for label, value in rows:
        print(f"| {label:<{width}} | {value} |")
    return 0 if pipeline_rate >= 0.9 * bound else 1


if __name__ == "__main__":
    raise SystemExit(main())
