"""One ``baseline run``: check every input, prepare the runner, execute, merge, write predictions and manifest.

Everything that can be refused (runner, parameters, checkpoint, device, dataset,
task, output path, videos, frame sizes, the fit split, the run directory) is
checked before the run directory is touched, so a bad command leaves an
existing run directory as it was. Predictions are written only when every
selected sample has its shard, atomically, never over an input.
"""

from __future__ import annotations

import math
import os
import re
import signal
import time
from dataclasses import dataclass, field
from pathlib import Path

from stvg_bench.core.errors import AnnotationError, InputFileError, OptionError, StvgBenchError
from stvg_bench.core.jsonio import check_no_duplicates, loads_exact
from stvg_bench.core.registry import load_reference
from stvg_bench.datasets import load_dataset
from stvg_bench.datasets.base import MAX_FRAME_SIDE, decode_annotation
from stvg_bench.datasets.cache import AnnotationFile, file_sha256, identity
from stvg_bench.formats import write_predictions

from ..params import parameters_sha256, parse_parameters
from ..progress import RunProgress
from ..runner import RunContext, Runner
from ..samples import action_samples, tube_samples
from ..video.sources import video_source
from . import manifest as manifests
from .keys import canonical_sha256, check_device, device_names, hash_checkpoint, hash_checkpoint_file, run_key
from .merge import action_predictions, tube_predictions
from .shards import ShardStore
from .stats import StageTimes
from .work import plan_batches, work_units

EXECUTORS = {"local": "baselines.run.local:LocalExecutor", "ray": "baselines.run.ray_executor:RayExecutor"}


@dataclass
class RunRequest:
    """A ``baseline run`` command line (or its Python equivalent); see ``stvg-bench baseline run --help``."""

    runner: str
    dataset: str
    out: str
    split: str | None = None
    annotations: str | None = None
    vidor_dir: str | None = None
    dataset_options: dict = field(default_factory=dict)
    fit_annotations: str | None = None
    videos: str | None = None
    video_template: str | None = None
    decoder: str = "auto"
    frames_fps: float | None = None
    frame_index_base: int = 0
    frame_sizes: str | None = None
    checkpoint: str | None = None
    repo: str | None = None      # external runners: the peer's checkout
    python: str | None = None    # external runners: the peer environment's interpreter
    device: str = "cpu"
    params: tuple[str, ...] = ()
    executor: str = "local"
    batch_size: int | None = None
    decode_workers: int = 2
    prefetch: int = 2
    address: str | None = None
    workers: int = 2
    gpus_per_worker: float = 0.0
    run_dir: str | None = None
    resume: bool = False
    limit: int | None = None
    progress: bool = False
    command: list[str] | None = None
    kill_after_samples: int | None = None  # test hook: SIGKILL this process after that many shards


@dataclass(frozen=True)
class RunResult:
    predictions: Path
    manifest: Path
    run_dir: Path
    samples: int
    predicted: int
    oracle: bool


def default_run_dir(out: Path) -> Path:
    """``p.json`` -> ``p.run/`` beside it."""
    stem = manifests.manifest_path_for(out).name[: -len(".manifest.json")]
    return out.with_name(f"{stem}.run")


def _runner_class(name: str):
    from stvg_bench.registries import BASELINES

    cls = BASELINES.get(name)
    if not (isinstance(cls, type) and issubclass(cls, Runner)):
        raise OptionError(f"baseline {name!r} is not a runner ({cls!r})")
    return cls, BASELINES.info(name)


def _check_out(out: Path, inputs: list) -> None:
    if not (out.name.endswith(".json") or out.name.endswith(".json.gz")):
        raise OptionError(f"--out must name a .json or .json.gz file, got {out}")
    for given in inputs:
        if given is not None and Path(given).resolve() == out.resolve():
            raise OptionError(f"--out {out} is one of the inputs; choose another file")


def _sibling(annotations: Path, scored: str, other: str) -> Path | None:
    """``.../test_annotations.json`` -> ``.../val_annotations.json`` (the split as a word of the file name)."""
    pattern = re.compile(rf"(?<![A-Za-z0-9]){re.escape(scored)}(?![A-Za-z0-9])")
    if not pattern.search(annotations.name):
        return None
    return annotations.with_name(pattern.sub(other, annotations.name, count=1))


def _split_loader(request: RunRequest, runner: str, dataset):
    """How a prior loads the split it fits on: --fit-annotations, else the file beside --annotations
    named for that split, else the dataset's default (fetched) annotations."""

    def load(split: str):
        annotations = request.fit_annotations
        if annotations is None and request.annotations is not None:
            sibling = _sibling(Path(request.annotations), dataset.split, split)
            if sibling is None or not sibling.exists():
                tried = f" (looked for {sibling})" if sibling is not None else ""
                raise OptionError(f"{runner} fits on {dataset.name} {split}: no annotations for it beside "
                                  f"--annotations{tried}; pass --fit-annotations FILE")
            annotations = str(sibling)
        return load_dataset(dataset.name, split, annotations, request.vidor_dir, **request.dataset_options)

    return load


def _read_frame_sizes(path: str) -> tuple[dict[str, tuple[int, int]], dict]:
    """The sizes ``{video: (width, height)}`` of a frame sizes file, and its input record (read once)."""
    source = AnnotationFile(path)
    sizes = decode_annotation(source.data(), dict[str, tuple[int, int]], source.path,
                              "frame sizes file ({video: [width, height]})")
    check_no_duplicates(loads_exact(source.data(), source.path), source.path, "video")
    for video, (width, height) in sizes.items():
        if not (1 <= width <= MAX_FRAME_SIDE and 1 <= height <= MAX_FRAME_SIDE):
            raise AnnotationError(f"frame size {width}x{height}: a side has 1 to {MAX_FRAME_SIDE:,} pixels",
                                  path=source.path, sample_id=video, field="[width, height]")
    return sizes, source.record()


def _frame_sizes(request: RunRequest, runner: str, info, dataset, source) -> tuple[dict, dict | None]:
    """Frame sizes the dataset does not release, from --frame-sizes or the videos (and their record)."""
    gt = dataset.gt
    unknown = sorted({v for v, w in zip(gt.video_ids.tolist(), gt.frame_width.tolist()) if w <= 0})
    if not unknown or "frame sizes" not in info.needs:
        if request.frame_sizes is not None and not unknown:
            raise OptionError(f"{dataset.name} releases its frame sizes; --frame-sizes is for datasets without them")
        return {}, None
    if request.frame_sizes is not None:
        sizes, record = _read_frame_sizes(request.frame_sizes)
        missing = [v for v in unknown if v not in sizes]
        if missing:
            raise AnnotationError(f"no frame size for video {missing[0]} ({len(missing)} of {len(unknown)} "
                                  "videos missing)", path=request.frame_sizes)
        return sizes, record
    if source is not None:
        sizes = {}
        for video in unknown:
            reader = source.open(video, None)
            try:
                sizes[video] = reader.frame_size()
            finally:
                reader.close()
        return sizes, {"from": "videos", "sha256": canonical_sha256(sizes)}
    raise OptionError(f"{runner}: {dataset.name} releases no frame sizes (its boxes reach 1920x1080): pass "
                      "--frame-sizes FILE (JSON {video: [width, height]}) or --videos DIR to read them from the videos")


def _check_execution_numbers(request: RunRequest) -> None:
    """Refuse a NaN, infinite or out-of-range --frames-fps, --workers or --gpus-per-worker before any work,
    whether or not this run uses it."""
    if request.frames_fps is not None and not (math.isfinite(request.frames_fps) and request.frames_fps > 0):
        raise OptionError(f"--frames-fps must be a positive finite number, got {request.frames_fps}")
    if request.workers < 1:
        raise OptionError(f"--workers must be at least 1, got {request.workers}")
    if not (math.isfinite(request.gpus_per_worker) and request.gpus_per_worker >= 0):
        raise OptionError(f"--gpus-per-worker must be a finite number of at least 0, got {request.gpus_per_worker}")


def _executor(request: RunRequest, batch_size: int):
    if request.executor not in EXECUTORS:
        raise OptionError(f"--executor must be one of {', '.join(EXECUTORS)}, got {request.executor!r}")
    cls = load_reference(EXECUTORS[request.executor])
    if request.executor == "ray":
        return cls(batch_size, request.address, request.workers, request.gpus_per_worker)
    return cls(batch_size, request.decode_workers, request.prefetch)


def _check_peer_options(request: RunRequest, external: bool) -> None:
    """--repo and --python: both required by external runners, refused by the others."""
    given = [f"--{name}" for name in ("repo", "python") if getattr(request, name) is not None]
    if not external and given:
        raise OptionError(f"{request.runner} is not an external runner: it takes no {' or '.join(given)}")
    missing = [f"--{name}" for name in ("repo", "python") if getattr(request, name) is None]
    if external and missing:
        raise OptionError(f"{request.runner} runs the published code: pass {' and '.join(missing)} (the peer's "
                          "checkout and its environment's python)")


def _open_run_dir(run_dir: Path, key_fields: dict, key: str, resume: bool) -> dict | None:
    """The manifest of the run ``run_dir`` holds (to resume), None for a new one; refuse a mismatch."""
    if (run_dir / manifests.MANIFEST_NAME).exists():
        previous = manifests.read(run_dir)
        done = len(list((run_dir / "shards").glob("*.parquet")))
        if not resume:
            raise OptionError(f"{run_dir}: already holds a run ({done} samples done): pass --resume to continue it, "
                              "or choose another --run-dir")
        if previous.get("run_key") != key:
            differ = [k for k, v in key_fields.items() if previous.get("key", {}).get(k) != v]
            raise OptionError(f"{run_dir}: holds another run (it differs in {', '.join(differ) or 'its key'}): "
                              "choose another --run-dir")
        return previous
    if run_dir.exists() and (not run_dir.is_dir() or any(run_dir.iterdir())):
        raise OptionError(f"{run_dir}: not a run directory (no {manifests.MANIFEST_NAME}) and not empty")
    return None


def run(request: RunRequest) -> RunResult:
    """Run ``request`` to the end; raise a :class:`~stvg_bench.core.errors.StvgBenchError` on bad input."""
    cls, info = _runner_class(request.runner)
    parameters = parse_parameters(request.runner, info.parameters, request.params)
    device = check_device(request.device)
    external = info.kind == "external"
    _check_peer_options(request, external)
    if request.checkpoint is not None:
        if not external and not Path(request.checkpoint).is_dir():
            raise InputFileError("checkpoint directory not found", path=request.checkpoint)
        if "checkpoint" not in info.needs:
            raise OptionError(f"{request.runner} takes no --checkpoint")
    hashing = hash_checkpoint_file if external else hash_checkpoint
    checkpoint = hashing(request.checkpoint) if request.checkpoint is not None else None
    if "checkpoint" in info.needs and checkpoint is None:
        raise OptionError(f"{request.runner} needs --checkpoint {'FILE' if external else 'DIR'}")
    if request.limit is not None and request.limit < 1:
        raise OptionError(f"--limit must be a positive number of samples, got {request.limit}")
    _check_execution_numbers(request)
    out = Path(request.out)
    _check_out(out, [request.annotations, request.fit_annotations, request.frame_sizes])
    batch_size = info.default_batch_size if request.batch_size is None else request.batch_size
    if batch_size < 1:
        raise OptionError(f"--batch-size must be at least 1, got {batch_size}")
    executor = _executor(request, batch_size)
    names = device_names(device)

    dataset = load_dataset(request.dataset, request.split, request.annotations, request.vidor_dir,
                           **request.dataset_options)
    if info.task not in dataset.adapter.info.tasks:
        raise OptionError(f"{request.runner} answers the {info.task} task; {dataset.name} is scored by "
                          f"{', '.join(dataset.adapter.info.tasks)}")
    source = None
    if request.videos is not None:
        source = video_source(dataset.name, request.videos, request.video_template, request.decoder,
                              request.frames_fps, request.frame_index_base)
    elif "videos" in info.needs:
        raise OptionError(f"{request.runner} decodes videos: pass --videos DIR")
    run_dir = Path(request.run_dir) if request.run_dir else default_run_dir(out)
    if external:
        from ..runners.external_peers import PeerInputs

        inputs = PeerInputs(Path(request.repo).absolute(), Path(os.path.abspath(request.python)), source,
                            run_dir.resolve() / "external")  # the python stays a venv's link, never resolved
        runner = cls(parameters, checkpoint, device, peer_inputs=inputs)
    else:
        runner = cls(parameters, checkpoint, device)
    runner.check()

    extra_inputs: dict = {}
    if dataset.family == "tubes":
        if request.frame_sizes is not None:
            raise OptionError(f"{dataset.name} releases its frame sizes; --frame-sizes is for datasets without them")
        samples = tube_samples(dataset, with_truth=info.is_oracle)
    else:
        sizes, record = _frame_sizes(request, request.runner, info, dataset, source)
        if record is not None:
            extra_inputs["frame_sizes"] = record
        samples = action_samples(dataset, info.task, sizes)
    if request.limit is not None:
        samples = samples[: request.limit]
    decoding = source if "videos" in info.needs else None
    units = work_units(samples)
    backends = sorted({"frames" if decoding.resolve(u.video_id).is_dir() else decoding.backend for u in units}) \
        if decoding is not None else []
    fitted = runner.prepare(RunContext(dataset, _split_loader(request, request.runner, dataset)))

    key_fields = {
        "runner": request.runner, "runner_version": info.version, "parameters_sha256": parameters_sha256(parameters),
        "checkpoint_sha256": checkpoint.sha256 if checkpoint else None, "dataset": dataset.name,
        "split": dataset.split, "dataset_inputs": identity(dataset.inputs), "fitted_sha256": canonical_sha256(fitted),
        "sample_inputs": identity(extra_inputs) if extra_inputs else {}, "batch_size": batch_size,
    }
    key = run_key(key_fields)
    previous = _open_run_dir(run_dir, key_fields, key, request.resume)

    # From here on the run directory is written.
    store = ShardStore(run_dir, dataset.family, {"run_key": key, **{k: key_fields[k] for k in (
        "runner", "runner_version", "parameters_sha256", "checkpoint_sha256", "dataset", "split")}})
    done = store.done()
    pending = [s for s in samples if s.position not in done]
    batches = [b for b in plan_batches(samples, batch_size) if any(s.position not in done for s in b.samples)]
    manifest_path = manifests.manifest_path_for(out)
    record = previous or {
        "format": manifests.MANIFEST_FORMAT, "version": manifests.MANIFEST_VERSION, "run_key": key, "key": key_fields,
        "runner": {"name": request.runner, "version": info.version, "kind": info.kind, "oracle": info.is_oracle,
                   "task": info.task, "family": info.family, "description": info.description},
        "parameters": parameters, "parameters_sha256": key_fields["parameters_sha256"],
        "frame_plan": runner.plan.to_dict(),
        "checkpoint": None if checkpoint is None else {
            "path": str(checkpoint.path), "sha256": checkpoint.sha256,
            "files": [{"path": p, "sha256": s} for p, s in checkpoint.files]},
        "fitted": fitted,
        "dataset": {"name": dataset.name, "split": dataset.split, "inputs": dataset.inputs},
        "sessions": [],
    }
    session = {
        "started": manifests.now(), "ended": None, "status": "running", "command": request.command,
        "executor": executor.describe(), "decode_backend": backends or None,
        "videos": None if source is None else {"directory": source.videos, "templates": list(source.templates)},
        "sample_inputs": extra_inputs, "device": {"requested": device, "names": names},
        "software": manifests.software(), "samples_selected": len(samples), "limit": request.limit,
        "samples_done_before": len(samples) - len(pending),
    }
    record["sessions"].append(session)
    record["status"] = "running"
    run_dir.mkdir(parents=True, exist_ok=True)
    manifests.write(record, run_dir / manifests.MANIFEST_NAME)

    stats = StageTimes()
    progress = RunProgress(len(pending), f"{request.runner} on {dataset.name} {dataset.split}", request.progress)
    clock = time.perf_counter()

    def sink(sample, output) -> None:
        if sample.position in done:  # recomputed with its batch after a resume: its shard stays as it was
            return
        started = time.perf_counter()
        store.write(sample, output)
        stats.add("write", time.perf_counter() - started)
        stats.samples += 1
        progress.advance(len(runner.frame_plan(sample)) if decoding is not None else 0)
        if request.kill_after_samples is not None and stats.samples >= request.kill_after_samples:
            os.kill(os.getpid(), signal.SIGKILL)

    try:
        executor.run(runner, batches, decoding, sink, stats)
    except BaseException as exc:
        session.update(ended=manifests.now(), status="failed" if isinstance(exc, StvgBenchError) else "interrupted",
                       error=str(exc), stats=stats.report(time.perf_counter() - clock))
        manifests.write(record, run_dir / manifests.MANIFEST_NAME)
        raise
    finally:
        progress.close()

    merge_clock = time.perf_counter()
    table = store.read(samples)
    method = {
        "name": request.runner, "version": info.version, "kind": info.kind, "oracle": info.is_oracle,
        "task": info.task, "parameters": parameters, "frame_plan": runner.plan.to_dict(),
        "checkpoint_sha256": key_fields["checkpoint_sha256"], "run_key": key, "manifest": manifest_path.name,
    }
    if dataset.family == "tubes":
        predictions = tube_predictions(table, method, dataset)
    else:
        from stvg_bench.registries import TASKS

        predictions = action_predictions(table, method, dataset, TASKS.info(info.task).option)
    write_predictions(predictions, out, "stvg-bench", dataset)
    stats.add("merge", time.perf_counter() - merge_clock)
    session.update(ended=manifests.now(), status="complete", stats=stats.report(time.perf_counter() - clock))
    record.update(status="complete", started=record["sessions"][0]["started"], ended=session["ended"],
                  predictions={"path": str(out), "sha256": file_sha256(out), "format": "stvg-bench"})
    manifests.write(record, run_dir / manifests.MANIFEST_NAME, manifest_path)
    return RunResult(out, manifest_path, run_dir, len(samples), len(pending), info.is_oracle)
