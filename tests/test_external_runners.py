"""External runners (TubeDETR, STCAT, CG-STVG, TA-STVG) against a stand-in peer of ours
(tests/external_standin.py) in a throwaway git checkout: layouts, launch environment, conversion,
the manifest, scoring the result, and the one-line errors."""

from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from baselines.external import convert, launch
from baselines.external.peers import PEERS

REPO = Path(__file__).resolve().parents[1]
DATA = REPO.parent / "shared" / "data"
VIDSTG_TEST = DATA / "vidstg" / "test_annotations.json"
HCSTVG_V1 = DATA / "golden" / "hcstvg" / "v1_test.json"
STANDIN = Path(__file__).with_name("external_standin.py")
BOX = [10.0, 20.0, 110.0, 220.0]
CHECKPOINT_SHA256 = "6bc9509551b471fd7d25a12b99a9d825e866b1ad02f9f9b5071757ab66d30e68"  # b"not really weights"

pytestmark = pytest.mark.skipif(not VIDSTG_TEST.is_file(), reason="needs ../shared/data")


def make_checkout(directory: Path, peer: str, *flags: str) -> Path:
    """A git repository holding the stand-in at ``peer``'s entry point (and behaviour flag files)."""
    directory.mkdir(parents=True)
    target = directory / PEERS[peer].entry_point
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(STANDIN, target)
    for flag in flags:
        (directory / flag).write_text("")
    git = ["git", "-C", str(directory), "-c", "user.name=t", "-c", "user.email=t@t", "-c", "commit.gpgsign=false"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run([*git, "commit", "-q", "-m", "stand-in"], check=True)
    return directory


def head(repo: Path) -> str:
    return subprocess.run(["git", "-C", str(repo), "rev-parse", "HEAD"], capture_output=True, text=True,
                          check=True).stdout.strip()


@pytest.fixture
def pinned(monkeypatch):
    """Pin every peer to whatever commit a stand-in checkout has (set per test by ``pin``)."""
    from dataclasses import replace

    def pin(peer: str, repo: Path) -> None:
        monkeypatch.setitem(PEERS, peer, replace(PEERS[peer], commit=head(repo)[:7]))

    return pin


def flags_for(peer: str) -> tuple[str, ...]:
    return {"cg-stvg": ("WRITES_JSON", "NEEDS_TORCHTEXT"), "ta-stvg": ("WRITES_JSON", "NEEDS_TORCHTEXT")}.get(
        peer, ())


def run_peer(run_cli, tmp_path, peer, repo, *extra, dataset="vidstg", annotations=VIDSTG_TEST, out=None):
    checkpoint = tmp_path / "weights.pth"
    if not checkpoint.exists():
        checkpoint.write_bytes(b"not really weights")
    out = out or tmp_path / f"{peer}.json"
    return run_cli("baseline", "run", peer, "--dataset", dataset, "--annotations", annotations, "--repo", repo,
                   "--python", sys.executable, "--checkpoint", checkpoint, "--limit", 3, "--out", out, *extra)


# ------------------------------------------------------------------ end to end, every peer


@pytest.mark.parametrize("peer", ["tubedetr", "stcat", "cg-stvg", "ta-stvg"])
def test_peer_end_to_end_on_vidstg(run_cli, tmp_path, pinned, peer):
    repo = make_checkout(tmp_path / "checkout", peer, *flags_for(peer))
    pinned(peer, repo)
    code, _, err = run_peer(run_cli, tmp_path, peer, repo)
    assert code == 0, err
    predictions = json.loads((tmp_path / f"{peer}.json").read_text())
    # VidSTG test: samples 0 (interrogative) and 1 (declarative) share the input segment [0, 479]; sample 2
    # (interrogative) has [479, 1804]. The stand-in predicts [b+100, b+300) / [b+10, b+400).
    samples = predictions["predictions"]
    assert [samples[k]["segment"] for k in ("0", "1", "2")] == [[100, 300], [10, 400], [579, 779]]
    assert [samples[k]["boxes"] for k in ("0", "1", "2")] == [{str(b + k): BOX for k in range(3)}
                                                            for b in (0, 0, 479)]
    assert predictions["method"]["kind"] == "external"
    manifest = json.loads((tmp_path / f"{peer}.manifest.json").read_text())
    assert manifest["runner"]["kind"] == "external"
    assert manifest["fitted"]["commit"] == head(repo) and manifest["fitted"]["peer"] == peer
    assert manifest["checkpoint"]["sha256"] == CHECKPOINT_SHA256
    software = manifest["fitted"]["peer_software"]  # the stand-in's environment is ours: transformers 5
    assert software["transformers"] == version("transformers") and software["torch"] == version("torch")
    assert f"transformers {version('transformers')}; {peer} needs 4.57.x (see {peer}.txt)" in err
    per_sample = tmp_path / "per_sample.csv"
    code, _, err = run_cli("score", tmp_path / f"{peer}.json", "--dataset", "vidstg", "--annotations",
                             VIDSTG_TEST, "--missing", "zero", "--no-ci", "--per-sample", per_sample)
    assert code == 0, err
    rows = list(csv.DictReader(per_sample.open()))[:3]
    # GT [0, 390), [0, 390), [936, 1270): tIoU 200/390, 380/400 (intersection [10, 390), hull [0, 400)), 0
    assert [round(float(row["tIoU"]), 6) for row in rows] == [round(200 / 390, 6), 0.95, 0.0]


def test_hcstvg_items_are_renumbered_back_to_samples(run_cli, tmp_path, pinned, monkeypatch):
    """STCAT numbers HC-STVG items 0, 1, ... in the order of the shard's file: shard 2 (samples 2, 3 with
    --batch-size 2) comes back as items 0, 1 and must land on samples 2, 3."""
    repo = make_checkout(tmp_path / "checkout", "stcat")
    pinned("stcat", repo)
    monkeypatch.chdir(tmp_path)  # relative paths too: the peer runs in its checkout, not here
    code, _, err = run_cli("baseline", "run", "stcat", "--dataset", "hcstvg-v1", "--annotations", HCSTVG_V1,
                           "--repo", "checkout", "--python", os.path.relpath(sys.executable),
                           "--checkpoint", (tmp_path / "weights.pth").write_bytes(b"w") and "weights.pth",
                           "--limit", 3, "--batch-size", 2, "--out", "stcat.json")
    assert code == 0, err
    samples = json.loads((tmp_path / "stcat.json").read_text())["predictions"]
    assert sorted(samples, key=int) == ["0", "1", "2"]
    assert all(s["segment"] == [100, 300] and s["boxes"] == {"0": BOX, "1": BOX, "2": BOX} for s in samples.values())
    shards = sorted((tmp_path / "stcat.run" / "external").glob("stcat-*"))
    assert [p.name[:12] for p in shards] == ["stcat-000000", "stcat-000002"]
    layout = json.loads((shards[1] / "layout" / "annos" / "hcstvg_v1" / "test.json").read_text())
    (name, entry), = layout.items()
    truth = json.loads(HCSTVG_V1.read_text())
    assert name == list(truth)[2] and entry["img_num"] == truth[name]["img_num"]
    assert entry["st_frame"] == 1 and len(entry["bbox"]) == entry["img_num"] - 1  # dummy GT


def test_ray_executor_resume_and_show(run_cli, tmp_path, pinned):
    pytest.importorskip("ray")
    repo = make_checkout(tmp_path / "checkout", "tubedetr")
    pinned("tubedetr", repo)
    local = tmp_path / "local.json"
    code, _, err = run_peer(run_cli, tmp_path, "tubedetr", repo, "--batch-size", "2", out=local)
    assert code == 0, err
    remote = tmp_path / "ray" / "local.json"
    remote.parent.mkdir()
    code, _, err = run_peer(run_cli, tmp_path, "tubedetr", repo, "--batch-size", "2", "--executor", "ray",
                            "--workers", "2", out=remote)
    assert code == 0, err
    assert remote.read_bytes() == local.read_bytes()
    before = local.read_bytes()
    code, out, err = run_peer(run_cli, tmp_path, "tubedetr", repo, "--batch-size", "2", "--resume", out=local)
    assert code == 0 and "3 samples (0 predicted in this session)" in out and local.read_bytes() == before
    code, out, _ = run_cli("baseline", "show", tmp_path / "local.run")
    assert code == 0 and f'"commit": "{head(repo)}"' in out and "checkpoint  " + str(tmp_path / "weights.pth") in out
    assert len(list((tmp_path / "ray" / "local.run" / "external").glob("tubedetr-*"))) == 2


# ------------------------------------------------------------------ checks and failures


def test_checkout_checks(run_cli, tmp_path, pinned):
    repo = make_checkout(tmp_path / "checkout", "stcat")
    code, _, err = run_peer(run_cli, tmp_path, "stcat", repo)
    assert code == 2 and err.count("\n") == 1
    assert f"--repo is at commit {head(repo)[:12]}, not stcat's pinned 400f548" in err
    assert "--param allow_other_commit=true" in err
    code, _, err = run_peer(run_cli, tmp_path, "stcat", repo, "--param", "allow_other_commit=true")
    assert code == 0 and "warning" in err and "not stcat's pinned 400f548; recorded in the manifest" in err
    assert json.loads((tmp_path / "stcat.manifest.json").read_text())["fitted"]["commit"] == head(repo)
    pinned("stcat", repo)
    code, _, err = run_peer(run_cli, tmp_path, "stcat", tmp_path, out=tmp_path / "x.json")
    assert code == 2 and "--repo has no scripts/test_net.py: not a stcat checkout" in err
    code, _, err = run_cli("baseline", "run", "stcat", "--dataset", "vidstg", "--annotations", VIDSTG_TEST,
                           "--repo", repo, "--python", tmp_path / "weights.pth", "--checkpoint",
                           tmp_path / "weights.pth", "--out", tmp_path / "y.json")
    assert code == 2 and "--python is not an executable file" in err
    code, _, err = run_cli("baseline", "run", "stcat", "--dataset", "vidstg", "--repo", repo, "--python",
                           sys.executable, "--checkpoint", tmp_path / "missing.pth", "--out", tmp_path / "z.json")
    assert code == 2 and "missing.pth: checkpoint file not found" in err
    code, _, err = run_cli("baseline", "run", "stcat", "--dataset", "vidstg", "--checkpoint", tmp_path / "weights.pth",
                           "--out", tmp_path / "z.json")
    assert code == 2 and "pass --repo and --python" in err
    code, _, err = run_cli("baseline", "run", "full-frame", "--dataset", "vidstg", "--repo", repo,
                           "--out", tmp_path / "z.json")
    assert code == 2 and "full-frame is not an external runner: it takes no --repo" in err


def test_peer_crash_and_missing_output_are_one_line(run_cli, tmp_path, pinned):
    crashing = make_checkout(tmp_path / "crashing", "tubedetr", "CRASH")
    pinned("tubedetr", crashing)
    code, _, err = run_peer(run_cli, tmp_path, "tubedetr", crashing, out=tmp_path / "a.json")
    (log,) = (tmp_path / "a.run" / "external").glob("tubedetr-*/peer.log")
    error = err.splitlines()[-1]  # after the warning about the stand-in's transformers 5
    assert code == 2 and error == f"stvg-bench: error: tubedetr exited with code 7; its output is in {log}"
    assert "stand-in: crashing as asked" in log.read_text()
    silent = make_checkout(tmp_path / "silent", "cg-stvg", "NO_OUTPUT", "WRITES_JSON")
    pinned("cg-stvg", silent)
    code, _, err = run_peer(run_cli, tmp_path, "cg-stvg", silent, out=tmp_path / "b.json")
    assert code == 2 and err.splitlines()[-1].startswith("stvg-bench: error: ")
    assert "cg-stvg finished but wrote no test_results.json" in err.splitlines()[-1]


def test_environment_is_explicit():
    peer = PEERS["cg-stvg"]
    ours = {"PATH": "/bin", "HOME": "/h", "SECRET": "x", "TORCH_HOME": "/seeded", "CUDA_VISIBLE_DEVICES": "3"}
    env = launch.environment(peer, Path("/peer"), "cuda:1", Path("/run/torch_home"), ours)
    assert env == {"PATH": "/bin", "HOME": "/h", "TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD": "1", "HF_HUB_OFFLINE": "1",
                   "TRANSFORMERS_OFFLINE": "1", "TORCH_HOME": "/seeded",
                   "PYTHONPATH": f"/peer:{launch.STUBS_DIR}", "CUDA_VISIBLE_DEVICES": "1"}
    env = launch.environment(PEERS["stcat"], Path("/peer"), "cpu", Path("/run/torch_home"), {"PATH": "/bin"})
    assert (env["TORCH_HOME"], env["PYTHONPATH"], env["CUDA_VISIBLE_DEVICES"]) == ("/run/torch_home", "/peer", "")
    assert launch.visible_devices("cuda", {"CUDA_VISIBLE_DEVICES": "5"}) == "5"  # a Ray actor's GPU
    assert launch.visible_devices("cuda", {}) == "0"
    argv = launch.command(PEERS["stcat"], Path("/env/bin/python"), "hcstvg-v1", Path("/c.pth"), Path("/l"),
                          Path("/o"), "cuda:1")
    assert argv == ["/env/bin/python", "scripts/test_net.py", "--config-file",
                    "experiments/HC-STVG/e2e_STCAT_R101_HCSTVG.yaml", "MODEL.WEIGHT", "/c.pth", "OUTPUT_DIR", "/o",
                    "DATA_DIR", "/l", "MODEL.DEVICE", "cuda", "INPUT.RESOLUTION", "448"]


# ------------------------------------------------------------------ conversion of hand-made files


@pytest.fixture(scope="module")
def vidstg():
    from stvg_bench.datasets import load_dataset

    return load_dataset("vidstg", "test", str(VIDSTG_TEST))


def _samples(dataset, n=3):
    from baselines.samples import tube_samples

    return tube_samples(dataset, with_truth=False)[:n]


def _as_tuples(outputs):
    return [(o.segment_start_frame, o.segment_end_frame_exclusive, o.box_frame.tolist(), o.box_xyxy.tolist())
            for o in outputs]


def test_convert_log_stats(tmp_path, vidstg):
    entry = {"predictions": {"0_5": {"boxes": [[1, 2, 3, 4], [9, 9, 9, 9]]}, "2_480": {"boxes": [[5, 6, 7, 8]]}},
             "video_predictions": {"0": {"sted": [5, 9], "qtype": "interrogative"}, "1": {"sted": [0, 1]},
                                   "2": {"sted": [480, 500]}}}
    path = tmp_path / "log_stats.json"
    path.write_text(json.dumps({"test_vidstg_vidstg": entry, "n_parameters": 7}))
    outputs = convert.tube_outputs("tubedetr-log-stats", path, {"0": 0, "1": 1, "2": 2}, _samples(vidstg), vidstg)
    assert _as_tuples(outputs) == [(5, 9, [5], [[1, 2, 3, 4]]), (0, 1, [], []), (480, 500, [480], [[5, 6, 7, 8]])]
    path.write_text(json.dumps({"test_vidstg_vidstg": {**entry, "video_predictions": {"0": {"sted": [5, 9]},
                                                                                   "2": {"sted": [480, 500]}}}}))
    with pytest.raises(Exception) as error:
        convert.tube_outputs("tubedetr-log-stats", path, {"0": 0, "1": 1, "2": 2}, _samples(vidstg), vidstg)
    assert str(error.value) == f"{path}: sample 1: no prediction for this sample in the peer's output"
    path.write_text(json.dumps({"n_parameters": 7}))
    with pytest.raises(Exception, match="expected one 'test_<dataset>_<dataset>' entry with predictions, found 0"):
        convert.tube_outputs("tubedetr-log-stats", path, {}, _samples(vidstg), vidstg)


def test_convert_stcat_pt_and_json(tmp_path, vidstg):
    torch = pytest.importorskip("torch")
    # STCAT's items: sample 0 (interrogative of entry 0) is item 1, sample 1 (its caption) item 0, sample 2 item 3
    results = {"predictions": {1: {10: [[1.0, 2.0, 3.0, 4.0]]}, 0: {11: [[5, 6, 7, 8]], 12: [[5, 6, 7, 9]]},
                               3: {}},
               "video_predictions": {1: {"sted": [10, 20], "qtype": "inter"}, 0: {"sted": [11, 13]},
                                     3: {"sted": [600, 700]}},
               "vid_metrics": {1: {"tiou": torch.tensor(0.5)}}}
    pt = tmp_path / "test_results.pt"
    torch.save(results, pt)
    identity = {"0": 0, "1": 1, "3": 3}
    expected = [(10, 20, [10], [[1, 2, 3, 4]]), (11, 13, [11, 12], [[5, 6, 7, 8], [5, 6, 7, 9]]), (600, 700, [], [])]
    assert _as_tuples(convert.tube_outputs("stcat-pt", pt, identity, _samples(vidstg), vidstg)) == expected
    as_json = tmp_path / "test_results.json"
    as_json.write_text(json.dumps({**{k: v for k, v in results.items() if k != "vid_metrics"},
                                   "fake_predictions": {}, "confs": {}}))
    assert _as_tuples(convert.tube_outputs("stcat-json", as_json, identity, _samples(vidstg), vidstg)) == expected
    with pytest.raises(Exception, match="id 3 was not in the layout written for this shard"):
        convert.tube_outputs("stcat-json", as_json, {"0": 0, "1": 1}, _samples(vidstg), vidstg)


def test_pt_with_arbitrary_objects_is_refused(tmp_path, vidstg):
    torch = pytest.importorskip("torch")
    pt = tmp_path / "test_results.pt"
    torch.save({"predictions": {}, "video_predictions": {}, "args": argparse.Namespace(lr=1.0)}, pt)
    with pytest.raises(Exception) as error:
        convert.tube_outputs("stcat-pt", pt, {}, _samples(vidstg), vidstg)
    message = str(error.value)
    assert "\n" not in message and message.startswith(f"{pt}: holds objects weights-only loading refuses")
    assert "weights_only=False" in message and "test_results.json" in message


def test_videos_the_peer_drops_get_empty_predictions(run_cli, tmp_path, pinned, monkeypatch):
    """STCAT drops two HC-STVG v1 videos by name (its clean_miss): not written, predicted empty."""
    from dataclasses import replace

    repo = make_checkout(tmp_path / "checkout", "stcat")
    pinned("stcat", repo)
    dropped = list(json.loads(HCSTVG_V1.read_text()))[1]
    monkeypatch.setitem(PEERS, "stcat", replace(PEERS["stcat"], skipped_videos={"hcstvg-v1": (dropped,)}))
    code, _, err = run_peer(run_cli, tmp_path, "stcat", repo, dataset="hcstvg-v1", annotations=HCSTVG_V1)
    assert code == 0, err
    samples = json.loads((tmp_path / "stcat.json").read_text())["predictions"]
    assert samples["1"] == {"segment": [0, 0], "boxes": {}}
    assert samples["0"]["segment"] == samples["2"]["segment"] == [100, 300]
    (shard,) = (tmp_path / "stcat.run" / "external").glob("stcat-*")
    assert dropped not in json.loads((shard / "layout" / "annos" / "hcstvg_v1" / "test.json").read_text())


def test_datasets_without_a_layout_are_refused(run_cli, tmp_path, pinned):
    repo = make_checkout(tmp_path / "checkout", "tubedetr")
    pinned("tubedetr", repo)
    code, _, err = run_peer(run_cli, tmp_path, "tubedetr", repo, dataset="hcstvg-v2",
                            annotations=DATA / "golden" / "hcstvg" / "v2_val.json")
    assert code == 2 and err.splitlines()[-1] == "stvg-bench: error: tubedetr runs on vidstg, hcstvg-v1 here, not hcstvg-v2"
    assert not (tmp_path / "tubedetr.run").exists()


# ------------------------------------------------------------------ layouts, read back by stvg-bench's own readers


def _no_videos(video_id):
    return None


def test_tubedetr_vidstg_layout_reads_back(tmp_path, vidstg):
    from baselines.external.layouts import tubedetr_vidstg
    from stvg_bench.datasets import load_dataset

    samples = _samples(vidstg)
    assert tubedetr_vidstg(samples, vidstg, tmp_path, _no_videos) == {"0": 0, "1": 1, "2": 2}
    written = load_dataset("vidstg", "test", str(tmp_path / "annotations" / "test.json"))
    for name in ("video_id", "sentence", "query_type", "fps", "frame_count", "width", "height",
                 "segment_start_frame", "segment_end_frame"):
        assert getattr(written.gt, name).tolist() == getattr(vidstg.gt, name)[:3].tolist(), name
    # dummy GT = the input segment: [0, 479] for samples 0, 1 and [479, 1804] for sample 2
    assert written.gt.gt_start_frame.tolist() == [0, 0, 479]
    assert written.gt.gt_end_frame_exclusive.tolist() == [479, 479, 1804]
    config = json.loads((tmp_path / "dataset_config.json").read_text())
    assert config == {"vidstg_ann_path": str(tmp_path / "annotations"), "vidstg_vid_path": str(tmp_path / "videos")}


def test_stcat_vidstg_layout_uses_stcats_item_numbering(tmp_path, vidstg):
    from baselines.external.layouts import stcat_vidstg

    # STCAT numbers each entry's captions first: entry 0 = item 0 (caption, sample 1), item 1 (question,
    # sample 0); entry 1's question (sample 2) is item 3.
    assert stcat_vidstg(_samples(vidstg), vidstg, tmp_path, _no_videos) == {"1": 1, "0": 0, "3": 3}
    pairs = json.loads((tmp_path / "vstg_annos" / "test.json").read_text())
    assert [(k, p["qtype"], p["sentence"]["description"]) for k, p in pairs.items()] == [
        ("1", "inter", vidstg.gt.sentence[0]), ("0", "declar", vidstg.gt.sentence[1]),
        ("3", "inter", vidstg.gt.sentence[2])]
    third = pairs["3"]
    assert (third["used_segment"], third["ori_temp_gt"], third["temp_gt"], third["frame_count"]) == (
        {"begin_fid": 479, "end_fid": 1804}, {"begin_fid": 479, "end_fid": 1804}, {"begin_fid": 0, "end_fid": 1325},
        1326)
    assert len(third["target_bboxs"]) == 1326 and third["target_bboxs"][0] == {"xmin": 0, "ymin": 0, "xmax": 640,
                                                                               "ymax": 360}
    assert len(json.loads((tmp_path / "sent_annos" / "test_annotations.json").read_text())) == 3


@pytest.mark.parametrize("writer, file", [("tubedetr_hcstvg", "annotations/test_proc.json"),
                                          ("stcat_hcstvg", "annos/hcstvg_v1/test.json")])
def test_hcstvg_layouts_read_back(tmp_path, writer, file):
    from baselines.external import layouts
    from stvg_bench.datasets import load_dataset

    hcstvg = load_dataset("hcstvg-v1", "test", str(HCSTVG_V1))
    samples = _samples(hcstvg)
    assert getattr(layouts, writer)(samples, hcstvg, tmp_path, _no_videos) == {"0": 0, "1": 1, "2": 2}
    written = load_dataset("hcstvg-v1", "test", str(tmp_path / file))
    for name in ("video_id", "sentence", "frame_count", "width", "height", "segment_end_frame"):
        assert getattr(written.gt, name).tolist() == getattr(hcstvg.gt, name)[:3].tolist(), name
    frames = hcstvg.gt.frame_count[:3]
    assert written.gt.gt_start_frame.tolist() == [0, 0, 0]
    assert written.gt.gt_end_frame_exclusive.tolist() == (frames - 1).tolist()  # dummy tube: 0 .. img_num - 2


def test_videos_are_linked_where_the_peer_opens_them(tmp_path, vidstg):
    from baselines.external.layouts import stcat_vidstg, tubedetr_vidstg

    video = tmp_path / "vidor" / "0000" / "7771650716.mp4"
    video.parent.mkdir(parents=True)
    video.write_bytes(b"mp4")
    found = {"7771650716": video}.get
    tubedetr_vidstg(_samples(vidstg), vidstg, tmp_path / "t", found)
    stcat_vidstg(_samples(vidstg), vidstg, tmp_path / "s", found)
    assert (tmp_path / "t" / "videos" / "video" / "7771650716.mp4").resolve() == video.resolve()
    assert (tmp_path / "s" / "videos" / "7771650716.mp4").resolve() == video.resolve()


# ------------------------------------------------------------------ property: renumbering never mixes samples up


@settings(max_examples=25, deadline=None)
@given(order=st.permutations(list(range(6))), peer_base=st.integers(0, 1000), tubedetr=st.booleans())
def test_renumbered_outputs_follow_their_samples(tmp_path_factory, vidstg, order, peer_base, tubedetr):
    """Whatever ids a peer uses, each sample gets back the prediction the peer made for it: sample ``s``
    is predicted ``[10 s, 10 s + 5)`` and one box on frame ``s`` at ``[s, s, s + 1, s + 1]``."""
    samples = _samples(vidstg, 6)
    items = np.asarray(vidstg.gt.stcat_item_id)
    peer_ids, target = {}, {}
    for k, position in enumerate(order):  # the peer numbers the shard in its own order, from peer_base
        sample = samples[position]
        peer_ids[str(peer_base + k)] = sample.sample_id if tubedetr else int(items[sample.sample_id])
        target[str(peer_base + k)] = sample.sample_id
    path = tmp_path_factory.mktemp("renumber") / "out.json"
    if tubedetr:
        document = {"test_vidstg_vidstg": {
            "predictions": {f"{p}_{s}": {"boxes": [[s, s, s + 1, s + 1]]} for p, s in target.items()},
            "video_predictions": {p: {"sted": [10 * s, 10 * s + 5]} for p, s in target.items()}}}
    else:
        document = {"predictions": {p: {str(s): [[s, s, s + 1, s + 1]]} for p, s in target.items()},
                    "video_predictions": {p: {"sted": [10 * s, 10 * s + 5]} for p, s in target.items()}}
    path.write_text(json.dumps(document))
    reader = "tubedetr-log-stats" if tubedetr else "stcat-json"
    outputs = convert.tube_outputs(reader, path, peer_ids, samples, vidstg)
    assert _as_tuples(outputs) == [(10 * s, 10 * s + 5, [s], [[s, s, s + 1, s + 1]]) for s in range(6)]
