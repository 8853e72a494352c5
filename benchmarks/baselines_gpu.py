"""Benchmark: frames per second of the neural runners, model only versus the whole pipeline.

For each architecture — real size with random weights (throughput does not
depend on the weights): Grounding DINO Swin-T (``gdino-tube``), OWLv2 base
patch16 (``owlv2-tube``), CLIP ViT-B/16 (``clip-heatmap``) — at each batch size
(frames per model call) and precision, measures in one run:

* model only: the model's forward pass on pixel values already on the device
  (the frames the pipeline would feed it, transformed once), frames/s;
* pipeline: ``baseline run`` of the runner on synthetic H.264 videos
  (decoding, transforms, the model, post-processing, linking, shards), frames/s
  over the run's wall time minus the executor's start-up (model loading);
* ratio pipeline / model only (target on a GPU: >= 0.9);
* peak GPU memory of the model-only pass (``torch.cuda.max_memory_allocated``;
  ``-`` on the CPU).

Random-weight checkpoint directories are built from configs once, under
``build/bench/gpu/checkpoints`` (``--tiny``: the tests' tiny configs, so that a CPU
test runs this file end to end and it cannot rot). On a GPU host::

    python -m benchmarks.baselines_gpu --device cuda --batch-sizes 1,4,8,16 --precisions fp32,bf16,fp16
    python -m benchmarks.baselines_gpu --tiny --batch-sizes 2 --precisions fp32    # CPU smoke run
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
BUILD = REPO / "build" / "bench" / "gpu"
os.environ.setdefault("HF_HUB_OFFLINE", "1")
QUERY = "the man in red puts the hat on."


def _real_grounding_dino(directory: Path) -> Path:
    from transformers import GroundingDinoConfig, GroundingDinoForObjectDetection

    from tests.neural_helpers import save_checkpoint

    model = GroundingDinoForObjectDetection(GroundingDinoConfig())  # Swin-T backbone, BERT-base text encoder
    return save_checkpoint(model, directory, {"size": {"shortest_edge": 800, "longest_edge": 1333}})


def _real_owlv2(directory: Path) -> Path:
    from transformers import Owlv2Config, Owlv2ForObjectDetection

    from tests.neural_helpers import CLIP_MEAN, CLIP_STD, save_checkpoint

    config = Owlv2Config(vision_config={"image_size": 960, "patch_size": 16})  # owlv2-base-patch16
    return save_checkpoint(Owlv2ForObjectDetection(config), directory,
                 {"size": {"height": 960, "width": 960}, "image_mean": CLIP_MEAN, "image_std": CLIP_STD})


def _real_clip(directory: Path) -> Path:
    from transformers import CLIPConfig, CLIPModel

    from tests.neural_helpers import CLIP_MEAN, CLIP_STD, save_checkpoint

    config = CLIPConfig(vision_config={"patch_size": 16})  # ViT-B/16 at 224
    return save_checkpoint(CLIPModel(config), directory, {"size": {"shortest_edge": 224}, "crop_size": {
        "height": 224, "width": 224}, "image_mean": CLIP_MEAN, "image_std": CLIP_STD})


def _detector(directory: Path, architecture: Architecture, device: str, precision: str, image_size: int):
    """The runner's own detector: its image transform and its forward pass on pixel values."""
    from baselines.neural.detectors import Detector

    model = Detector.from_checkpoint(directory, device, precision, image_size, runner=architecture.runner,
                                     families=(architecture.family,))
    return model.transform, lambda pixel_values: model.model_outputs(pixel_values, QUERY)


def _vision_tower(directory: Path, architecture: Architecture, device: str, precision: str, image_size: int):
    """The runner's own CLIP / SigLIP model: its image transform and its vision tower's forward pass."""
    from baselines.neural.vision_language import VisionLanguageModel

    model = VisionLanguageModel.from_checkpoint(directory, device, precision, image_size,
                                                runner=architecture.runner)
    return model.transform, model.vision_outputs


@dataclass(frozen=True)
class Architecture:
    """One benchmarked model: its runner, its family, how to build it (real size and tiny), and how to load
    it as the runner does (``load(...) -> (image transform, forward pass on pixel values)``)."""

    runner: str
    family: str  # checkpoint family (baselines.neural.checkpoints.MODEL_FAMILIES)
    dataset: str  # the synthetic dataset layout its runner reads
    build_real: object
    tiny: str  # key of tests.neural_helpers.TINY_MODELS
    load: object
    tiny_image_size: int = 0  # the model's input side with the tiny config (0: its checkpoint's)


ARCHITECTURES: dict[str, Architecture] = {
    "grounding-dino-swin-t": Architecture("gdino-tube", "grounding-dino", "vidstg", _real_grounding_dino,
                                          "grounding-dino", _detector, tiny_image_size=96),
    "owlv2-base-patch16": Architecture("owlv2-tube", "owlv2", "vidstg", _real_owlv2, "owlv2", _detector),
    "clip-vit-b16": Architecture("clip-heatmap", "clip", "groundingyoutube", _real_clip, "clip", _vision_tower),
}


def checkpoint_dir(name: str, tiny: bool) -> Path:
    """The random-weight checkpoint directory of ``name`` (built once)."""
    from tests.neural_helpers import TINY_MODELS

    directory = BUILD / "checkpoints" / (f"tiny-{name}" if tiny else name)
    if not (directory / "config.json").is_file():
        import torch

        torch.manual_seed(0)
        architecture = ARCHITECTURES[name]
        (TINY_MODELS[architecture.tiny] if tiny else architecture.build_real)(directory)
    return directory


def synthetic_videos(dataset: str, n_videos: int, n_seconds: int, width: int, height: int) -> tuple[Path, Path]:
    """Annotations and videos (5 fps H.264 that show their frame index) of a small synthetic dataset."""
    from baselines.video.synthetic import constant_rate, write_index_video

    root = BUILD / "data" / dataset
    shutil.rmtree(root, ignore_errors=True)
    fps, ids = 5.0, [str(7000 + k) for k in range(n_videos)]
    frames = n_seconds * int(fps)
    if dataset == "vidstg":
        for video in ids:
            write_index_video(root / "videos" / "video" / "0000" / f"{video}.mp4", constant_rate(frames, fps),
                              width, height)
        entries = [{"vid": video, "fps": fps, "frame_count": frames, "width": width, "height": height,
                    "used_segment": {"begin_fid": 0, "end_fid": frames},
                    "temporal_gt": {"begin_fid": 0, "end_fid": frames}, "questions": [],
                    "captions": [{"description": QUERY, "target_id": 0}]} for video in ids]
        annotations = root / "test_annotations.json"
        annotations.write_text(json.dumps(entries))
        return annotations, root / "videos"
    from tests.gyt_helpers import write_gyt

    for video in ids:
        write_index_video(root / "videos" / f"{video}.mp4", constant_rate(frames, fps), width, height)
    write_gyt(root / "annotations", {video: {"segments": [("put hat", 0, n_seconds - 1)], "boxes": {
        second: ((10.0, 10.0, 50.0, 50.0), "put hat") for second in range(n_seconds)}} for video in ids},
        sizes={video: [width, height] for video in ids}, pools={video: ["put hat"] for video in ids})
    return root / "annotations", root / "videos"


def model_only(directory: Path, architecture: Architecture, device: str, precision: str, batch: int,
               frame_size: tuple[int, int], calls: int, image_size: int) -> tuple[float, float | None]:
    """Frames/s of ``calls`` forward passes of ``batch`` frames, and peak GPU memory (MB) or None."""
    import torch

    from baselines.neural.precision import torch_dtype

    transform, forward = architecture.load(directory, architecture, device, precision, image_size)
    frames = np.random.default_rng(0).integers(0, 256, (batch, frame_size[1], frame_size[0], 3), dtype=np.uint8)
    pixels = transform.pixel_values(frames).to(device, torch_dtype(precision))
    cuda = device.startswith("cuda")
    with torch.inference_mode():
        forward(pixels)  # warm-up: kernels chosen, memory pools filled
        if cuda:
            torch.cuda.synchronize(device)
            torch.cuda.reset_peak_memory_stats(device)
        start = time.perf_counter()
        for _ in range(calls):
            forward(pixels)
        if cuda:
            torch.cuda.synchronize(device)
        seconds = time.perf_counter() - start
    memory = torch.cuda.max_memory_allocated(device) / 2**20 if cuda else None
    del forward
    if cuda:
        torch.cuda.empty_cache()
    return batch * calls / seconds, memory


def pipeline(directory: Path, architecture: Architecture, data: tuple[Path, Path], device: str, precision: str,
             batch: int, image_size: int) -> float:
    """Frames/s of a whole ``baseline run`` (wall time minus the executor's start-up)."""
    from baselines.run.pipeline import RunRequest, run

    annotations, videos = data
    out = BUILD / "runs" / f"{architecture.runner}-{precision}-{batch}.json"
    shutil.rmtree(out.with_suffix(".run"), ignore_errors=True)
    run(RunRequest(runner=architecture.runner, dataset=architecture.dataset, out=str(out),
                   annotations=str(annotations), videos=str(videos), checkpoint=str(directory), device=device,
                   params=(f"precision={precision}", f"frames_per_batch={batch}",
                           f"image_size={image_size}")))
    stats = json.loads(out.with_name(out.stem + ".manifest.json").read_text())["sessions"][-1]["stats"]
    return stats["frames"] / (stats["wall_seconds"] - stats["stage_seconds"]["startup"])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cpu", help="cpu (default), cuda or cuda:N")
    parser.add_argument("--architectures", default=",".join(ARCHITECTURES), help="comma-separated")
    parser.add_argument("--batch-sizes", default="1,4,8", help="frames per model call, comma-separated")
    parser.add_argument("--precisions", default="fp32,bf16", help="fp32, bf16, fp16 (CUDA only)")
    parser.add_argument("--tiny", action="store_true", help="the tests' tiny configs (a CPU smoke run)")
    parser.add_argument("--videos", type=int, default=4, help="synthetic videos per run")
    parser.add_argument("--seconds", type=int, default=8, help="seconds per video (5 fps)")
    parser.add_argument("--calls", type=int, default=10, help="model-only forward passes timed")
    parser.add_argument("--width", type=int, default=640)
    parser.add_argument("--height", type=int, default=360)
    args = parser.parse_args(argv)
    os.environ.setdefault("STVG_BENCH_CACHE", str(BUILD / "cache"))
    names = [n for n in args.architectures.split(",") if n]
    unknown = sorted(set(names) - set(ARCHITECTURES))
    if unknown:
        parser.error(f"unknown architectures {unknown}; choose from {', '.join(ARCHITECTURES)}")
    data = {}
    print(f"device {args.device}; {args.videos} synthetic videos x {args.seconds} s at 5 fps, "
          f"{args.width}x{args.height}{'; tiny configs' if args.tiny else ''}\n")
    print("| architecture | runner | precision | frames/call | model only (frames/s) | pipeline (frames/s) "
          "| pipeline / model | peak GPU MB |\n|---|---|---|---:|---:|---:|---:|---:|")
    for name in names:
        architecture = ARCHITECTURES[name]
        directory = checkpoint_dir(name, args.tiny)
        image_size = architecture.tiny_image_size if args.tiny else 0
        if architecture.dataset not in data:
            data[architecture.dataset] = synthetic_videos(architecture.dataset, args.videos, args.seconds,
                                                          args.width, args.height)
        for precision in [p for p in args.precisions.split(",") if p]:
            for batch in [int(b) for b in args.batch_sizes.split(",") if b]:
                alone, memory = model_only(directory, architecture, args.device, precision, batch,
                                           (args.width, args.height), args.calls, image_size)
                whole = pipeline(directory, architecture, data[architecture.dataset], args.device, precision,
                                 batch, image_size)
                shown = "-" if memory is None else f"{memory:.0f}"
                print(f"| {name} | {architecture.runner} | {precision} | {batch} | {alone:.1f} | {whole:.1f} "
                      f"| {whole / alone:.2f} | {shown} |", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
