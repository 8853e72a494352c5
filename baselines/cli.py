"""``stvg-bench baseline list | run | show`` (plugged in by :mod:`stvg_bench.cli.extensions`).

``list`` reads only what runners were registered with: no runner module, no torch.
"""

from __future__ import annotations

import json
import os
import sys

from stvg_bench.core.numbers import integer, number

KILL_AFTER_ENV = "STVG_BENCH_TEST_KILL_AFTER"  # test hook: SIGKILL the run after this many samples


def add_commands(commands) -> None:
    baseline = commands.add_parser("baseline", help="run baselines that write prediction files",
                                   description="Baseline runners: list them, run one, show a run's manifest.")
    sub = baseline.add_subparsers(dest="baseline_command", required=True, parser_class=type(baseline))
    listing = sub.add_parser("list", help="the registered runners")
    listing.set_defaults(handler=run_list)

    run = sub.add_parser("run", help="run a runner over a dataset split and write its predictions",
                         description="Run a baseline over a dataset split; writes the predictions (canonical "
                         "stvg-bench format), a manifest beside them and per-sample shards in the run directory.")
    run.add_argument("runner", help="a registered runner ('stvg-bench baseline list')")
    run.add_argument("--out", required=True, help="the prediction file to write (.json or .json.gz)")
    data = run.add_argument_group("dataset")
    data.add_argument("--dataset", required=True, help="a registered dataset ('stvg-bench datasets')")
    data.add_argument("--split", help="split to predict (default: the dataset's evaluation split)")
    data.add_argument("--annotations", help="annotation file or directory (default: the fetched one)")
    data.add_argument("--vidor-dir", help="VidOR annotation directory (VidSTG boxes)")
    data.add_argument("--fit-annotations", help="annotations of the split a prior fits on (default: the file "
                      "beside --annotations named for that split, else the fetched one)")
    data.add_argument("--frame-sizes", help="JSON {video: [width, height]} for datasets that release no frame "
                      "sizes (YouCook2-Interactions)")
    data.add_argument("--segments", choices=("ground_seg", "seg"), help="GroundingYouTube temporal GT")
    data.add_argument("--box-policy", help="GroundingYouTube box defects policy")
    data.add_argument("--durations", help="GroundingYouTube: JSON {video: last second}")
    video = run.add_argument_group("videos")
    video.add_argument("--videos", help="directory of the videos (official layout per dataset; files or folders "
                       "of extracted frames)")
    video.add_argument("--video-template", help="path of a video instead of the official layout: {videos}, "
                       "{video}, {stem} and glob wildcards, e.g. '{videos}/*/{video}.mp4'")
    video.add_argument("--decoder", default="auto", choices=("auto", "pyav", "opencv"),
                       help="auto (default: PyAV, else OpenCV), pyav or opencv")
    video.add_argument("--frames-fps", type=number, help="frame folders of action datasets: their frame rate")
    video.add_argument("--frame-index-base", type=integer, default=0, choices=(0, 1),
                       help="frame folders: number of the first image (1 for ffmpeg's %%06d.jpg; default 0)")
    model = run.add_argument_group("model")
    model.add_argument("--checkpoint", help="checkpoint directory (hashed into the manifest); external runners: "
                       "the peer's checkpoint file")
    model.add_argument("--repo", help="external runners: the peer's git checkout (at its pinned commit)")
    model.add_argument("--python", help="external runners: the python of the peer's environment")
    model.add_argument("--device", default="cpu", help="cpu (default), cuda or cuda:N")
    model.add_argument("--param", action="append", default=[], metavar="NAME=VALUE",
                       help="a runner parameter (repeatable); 'baseline list' shows them with their defaults")
    model.add_argument("--precision", choices=("fp32", "bf16", "fp16"),
                       help="neural runners: model precision (the same as --param precision=...; default fp32)")
    model.add_argument("--batch-size", type=integer, help="samples per model call (default: the runner's)")
    execution = run.add_argument_group("execution")
    execution.add_argument("--executor", default="local", help="local (default) or ray")
    execution.add_argument("--decode-workers", type=integer, default=2, help="local: decode threads (default 2)")
    execution.add_argument("--prefetch", type=integer, default=2, help="local: batches decoded ahead (default 2)")
    execution.add_argument("--address", help="ray: cluster address (auto, HOST:PORT; default: a local cluster)")
    execution.add_argument("--workers", type=integer, default=2, help="ray: actors (default 2)")
    execution.add_argument("--gpus-per-worker", type=number, default=0.0, help="ray: GPUs per actor (default 0)")
    execution.add_argument("--run-dir", help="run directory (default: <out stem>.run beside --out)")
    execution.add_argument("--resume", action="store_true", help="continue the run in --run-dir (skips done samples)")
    execution.add_argument("--limit", type=integer, help="only the first N samples")
    run.set_defaults(handler=run_run)

    show = sub.add_parser("show", help="print a run's manifest")
    show.add_argument("run_dir", help="a run directory (or a .manifest.json file)")
    show.add_argument("--json", action="store_true", help="print the manifest as JSON")
    show.set_defaults(handler=run_show)


def run_list(args) -> int:
    from stvg_bench.cli.listing import print_entries
    from stvg_bench.registries import BASELINES

    from .info import NEEDS

    entries = []
    for name, info in BASELINES.items():
        needs = ", ".join(f"{need} ({NEEDS[need]})" for need in info.needs) or "annotations only"
        parameters = "; ".join(f"{p.name}={p.default!r}: {p.help}" for p in info.parameters) or "none"
        entries.append((name, [("", info.description), ("kind", info.kind + (" (never ranked)" if info.is_oracle
                                                                            else "")),
                               ("task", info.task), ("version", info.version), ("needs", needs),
                               ("parameters", parameters), ("from", BASELINES.origin(name))]))
    print_entries("stvg-bench baselines", entries)
    return 0


def run_run(args) -> int:
    from .run.pipeline import RunRequest, run

    kill_after = os.environ.get(KILL_AFTER_ENV)
    options = {name: getattr(args, name) for name in ("segments", "box_policy", "durations")
               if getattr(args, name) is not None}
    request = RunRequest(
        runner=args.runner, dataset=args.dataset, out=args.out, split=args.split, annotations=args.annotations,
        vidor_dir=args.vidor_dir, dataset_options=options, fit_annotations=args.fit_annotations,
        videos=args.videos, video_template=args.video_template, decoder=args.decoder, frames_fps=args.frames_fps,
        frame_index_base=args.frame_index_base, frame_sizes=args.frame_sizes, checkpoint=args.checkpoint,
        repo=args.repo, python=args.python,
        device=args.device, params=tuple(args.param) + ((f"precision={args.precision}",) if args.precision else ()),
        executor=args.executor, batch_size=args.batch_size,
        decode_workers=args.decode_workers, prefetch=args.prefetch, address=args.address, workers=args.workers,
        gpus_per_worker=args.gpus_per_worker, run_dir=args.run_dir, resume=args.resume, limit=args.limit,
        progress=sys.stderr.isatty(), command=getattr(args, "command_line", None),
        kill_after_samples=int(kill_after) if kill_after else None)
    result = run(request)
    kind = " (oracle: never ranked)" if result.oracle else ""
    print(f"{result.predictions}: {result.samples} samples ({result.predicted} predicted in this session){kind}")
    print(f"manifest: {result.manifest}; run directory: {result.run_dir}")
    return 0


def run_show(args) -> int:
    from .run.manifest import read

    manifest = read(args.run_dir)
    if args.json:
        print(json.dumps(manifest, indent=2))
        return 0
    runner = manifest["runner"]
    print(f"run {manifest['run_key'][:16]}  status {manifest.get('status')}")
    print(f"runner      {runner['name']} v{runner['version']} ({runner['kind']}{', never ranked' if runner['oracle'] else ''}"
          f"; task {runner['task']})")
    print(f"parameters  {json.dumps(manifest['parameters'])}")
    print(f"frame plan  {json.dumps(manifest['frame_plan'])}")
    checkpoint = manifest.get("checkpoint")
    print(f"checkpoint  {checkpoint['path'] + ' sha256 ' + checkpoint['sha256'] if checkpoint else '-'}")
    dataset = manifest["dataset"]
    print(f"dataset     {dataset['name']} {dataset['split']}")
    for name, record in dataset["inputs"].items():
        print(f"  {name:<10} {record.get('path')} {record.get('sha256') or record.get('signature')}")
    if manifest.get("fitted"):
        print(f"fitted      {json.dumps({k: v for k, v in manifest['fitted'].items() if k != 'fit_inputs'})}")
    if manifest.get("predictions"):
        print(f"predictions {manifest['predictions']['path']} sha256 {manifest['predictions']['sha256']}")
    for k, session in enumerate(manifest["sessions"], 1):
        stats = session.get("stats") or {}
        software = session["software"]
        print(f"session {k}   {session['status']}  {session['started']} -> {session.get('ended')}")
        print(f"  executor  {json.dumps(session['executor'])}; decode {session.get('decode_backend') or '-'}")
        print(f"  device    {session['device']['requested']}: {', '.join(session['device']['names'])}")
        print(f"  samples   {stats.get('samples', 0)} predicted ({session['samples_done_before']} done before), "
              f"{stats.get('frames', 0)} frames, {stats.get('samples_per_second')} samples/s, "
              f"{stats.get('frames_per_second')} frames/s")
        if stats:
            print("  seconds   " + ", ".join(f"{k} {v:g}" for k, v in stats["stage_seconds"].items()))
        print("  software  " + ", ".join(f"{k} {v}" for k, v in software.items() if v is not None))
        if session.get("error"):
            print(f"  error     {session['error']}")
    return 0
