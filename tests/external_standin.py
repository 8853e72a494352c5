"""A stand-in for a peer's evaluation entry point (ours, not the peer's code), copied by the tests into a
throwaway git repository at the peer's entry-point path (``main.py`` or ``scripts/test_net.py``).

It checks the environment stvg-bench gives it, reads the annotation layout written for the shard and
writes the peer's output layout with known predictions. Per sample whose input segment starts at frame
``b`` (as written in the layout): interrogative (and HC-STVG) sentences get the segment
``[b + 100, b + 300)``, declarative ones ``[b + 10, b + 400)``; frames ``b, b + 1, b + 2`` get the box
``[10, 20, 110, 220]``. Files in the repository change its behaviour: ``CRASH`` (exit 7 after a message),
``NO_OUTPUT`` (exit 0, write nothing), ``PICKLE`` (STCAT: put an argparse.Namespace in the .pt).
"""

import argparse
import json
import os
import sys
from pathlib import Path

REPO = Path.cwd()
BOX = [10.0, 20.0, 110.0, 220.0]


def check_environment():
    expected = {"TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD": "1", "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    wrong = {k: os.environ.get(k) for k, v in expected.items() if os.environ.get(k) != v}
    if wrong or not os.environ.get("TORCH_HOME") or "CUDA_VISIBLE_DEVICES" not in os.environ:
        sys.exit(f"stand-in: bad environment {wrong}, TORCH_HOME={os.environ.get('TORCH_HOME')}")
    if str(REPO) not in os.environ["PYTHONPATH"].split(os.pathsep):
        sys.exit("stand-in: the checkout is not on PYTHONPATH")
    leaked = [k for k in ("PYTEST_CURRENT_TEST", "VIRTUAL_ENV") if k in os.environ]
    if leaked:
        sys.exit(f"stand-in: our environment leaked in: {leaked}")
    if (REPO / "NEEDS_TORCHTEXT").exists():
        import torchtext  # noqa: F401  (the stub stvg-bench puts on PYTHONPATH)
        from torchtext.vocab import GloVe  # noqa: F401


def segment(begin, declarative):
    return [begin + 10, begin + 400] if declarative else [begin + 100, begin + 300]


def boxes(begin):
    return {begin + k: [BOX] for k in range(3)}


def tubedetr(argv):
    parser = argparse.ArgumentParser()  # TubeDETR's required arguments are required here too
    parser.add_argument("--dataset_config", required=True)
    parser.add_argument("--combine_datasets", nargs="+", required=True)
    parser.add_argument("--combine_datasets_val", nargs="+", required=True)
    for name in ("--resume", "--output-dir", "--device"):
        parser.add_argument(name)
    parser.add_argument("--eval", action="store_true")
    parser.add_argument("--test", action="store_true")
    args = parser.parse_args(argv)
    assert args.eval and args.test and Path(args.resume).is_file()
    config = json.loads(Path(args.dataset_config).read_text())
    (dataset,) = args.combine_datasets_val
    if dataset == "vidstg":
        videos = json.loads((Path(config["vidstg_ann_path"]) / "test.json").read_text())["videos"]
    else:
        videos = json.loads((Path(config["hcstvg_ann_path"]) / "test_proc.json").read_text())
    predictions, video_predictions = {}, {}
    for video in videos:
        begin = video.get("start_frame", 0)
        for frame, box in boxes(begin).items():
            predictions[f"{video['video_id']}_{frame}"] = {"boxes": box}
        video_predictions[video["video_id"]] = {"sted": segment(begin, video.get("qtype") == "declarative"),
                                                "qtype": video.get("qtype")}
    if (REPO / "NO_OUTPUT").exists():
        return
    stats = {f"test_{dataset}_{dataset}": {"predictions": predictions, "video_predictions": video_predictions},
             "n_parameters": 1}
    (Path(args.output_dir) / "log_stats.json").write_text(json.dumps(stats))


def stcat_family(argv):
    config = argv[argv.index("--config-file") + 1]
    options = dict(zip(argv[2::2], argv[3::2]))
    assert Path(options["MODEL.WEIGHT"]).is_file()
    data = Path(options["DATA_DIR"])
    predictions, video_predictions = {}, {}
    if "vidstg" in config.lower():
        for item, pair in json.loads((data / "vstg_annos" / "test.json").read_text()).items():
            begin = pair["used_segment"]["begin_fid"]
            predictions[int(item)] = boxes(begin)
            video_predictions[int(item)] = {"sted": segment(begin, pair["qtype"] == "declar"), "qtype": pair["qtype"]}
    else:
        annotations = json.loads((data / "annos" / "hcstvg_v1" / "test.json").read_text())
        for item, _ in enumerate(annotations):
            predictions[item] = boxes(0)
            video_predictions[item] = {"sted": segment(0, False)}
    if (REPO / "NO_OUTPUT").exists():
        return
    output = Path(options["OUTPUT_DIR"])
    results = {"predictions": predictions, "video_predictions": video_predictions, "vid_metrics": {},
               "vid2names": {}, "vid2sents": {}}
    if (REPO / "WRITES_JSON").exists():  # CG-STVG, TA-STVG
        results.update(fake_predictions={}, confs={})
        (output / "test_results.json").write_text(json.dumps(results))
        return
    import torch

    if (REPO / "PICKLE").exists():
        results["args"] = argparse.Namespace(lr=1.0)
    torch.save(results, output / "test_results.pt")


if __name__ == "__main__":
    check_environment()
    if (REPO / "CRASH").exists():
        print("stand-in: crashing as asked", file=sys.stderr)
        sys.exit(7)
    if sys.argv[0].endswith("main.py"):
        tubedetr(sys.argv[1:])
    else:
        stcat_family(sys.argv[1:])
