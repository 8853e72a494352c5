"""The run framework end to end: registration and listing, run directories and --resume (with a real kill),
the manifest, bad input, and the Ray executor equal to the local one, byte for byte."""

from __future__ import annotations

import ast
import filecmp
import hashlib
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.baseline_helpers import register_test_runners, write_tiny_vidstg

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    register_test_runners()
    return write_tiny_vidstg(tmp_path_factory.mktemp("tiny-vidstg"))


def _tree(directory: Path) -> dict[str, bytes]:
    return {str(p.relative_to(directory)): p.read_bytes() for p in sorted(directory.rglob("*")) if p.is_file()}


def _index_run(run_cli, tiny, out: Path, *extra) -> tuple[int, str]:
    code, _, err = run_cli("baseline", "run", "test-index-reader", "--dataset", "vidstg", "--annotations",
                           tiny["annotations"], "--videos", tiny["videos"], "--param", "frame_plan=fps:10",
                           "--out", out, *extra)
    return code, err


# ------------------------------------------------------------------ registry and listing


def test_list_imports_no_torch_and_no_runner():
    code = ("import sys; from stvg_bench.cli import main; assert main(['baseline', 'list']) == 0; "
            "bad = [m for m in sys.modules if m.split('.')[0] in ('torch', 'transformers', 'av', 'cv2', 'ray') "
            "or m.startswith('baselines.runners') or m.startswith('baselines.run')]; "
            "assert not bad, bad")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, check=False)
    assert done.returncode == 0, done.stderr
    assert "gt-segment+full-frame\n    ORACLE" in done.stdout and "kind: oracle (never ranked)" in done.stdout
    for name in ("full-frame", "center-box", "temporal-prior", "gt-segment+center-box", "center-point",
                 "uniform-steps", "uniform-steps+center-point"):
        assert f"\n{name}\n" in done.stdout


def test_runners_are_lazy_plugin_entries():
    from importlib.metadata import entry_points

    from stvg_bench.registries import BASELINES

    (point,) = [p for p in entry_points(group="stvg_bench.plugins") if p.name == "baselines"]
    assert point.value == "baselines.plugin:register"
    assert BASELINES.origin("full-frame") == "baselines"
    info = BASELINES.info("gt-segment+center-box")
    assert (info.kind, info.task, info.needs, info.is_oracle) == ("oracle", "tube-grounding", ("other split",), True)
    assert [p.name for p in info.parameters] == ["frame_plan", "max_frames", "fit_split"]
    assert BASELINES.get("full-frame").__name__ == "FullFrame"


def _imports(path: Path) -> set[str]:
    """Every module ``path`` imports (absolute names; relative imports resolved inside their package)."""
    package = path.relative_to(REPO).with_suffix("").parts[:-1]
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = ".".join(package[: len(package) - node.level + 1]) if node.level else ""
            module = ".".join(part for part in (base, node.module) if part)
            names |= {module} | {f"{module}.{alias.name}" for alias in node.names}
    return names


def test_import_direction():
    """The core imports neither torch nor the baselines package (except the CLI hook); baselines never
    import the scorer (a model must not be tuned against it)."""
    for path in (REPO / "stvg_bench").rglob("*.py"):
        imported = _imports(path)
        assert not {m for m in imported if m.split(".")[0] == "torch"}, path
        assert all(m.startswith("baselines.cli") for m in imported if m.split(".")[0] == "baselines"), path
    for path in (REPO / "baselines").rglob("*.py"):
        scorer = {m for m in _imports(path) if m.startswith(("stvg_bench.metrics", "stvg_bench.tasks"))}
        assert not scorer, (path, scorer)


# ------------------------------------------------------------------ runs, manifest, oracle labels


def test_run_writes_predictions_manifest_and_shards(run_cli, tiny, tmp_path):
    out = tmp_path / "p.json"
    code, err = _index_run(run_cli, tiny, out)
    assert code == 0, err
    document = json.loads(out.read_text())
    method = document["method"]
    assert method["name"] == "test-index-reader" and method["manifest"] == "p.manifest.json"
    assert method["frame_plan"] == {"rule": "fps", "fps": 10.0} and method["oracle"] is False
    manifest = json.loads((tmp_path / "p.manifest.json").read_text())
    assert manifest == json.loads((tmp_path / "p.run" / "manifest.json").read_text())
    assert manifest["run_key"] == method["run_key"] and manifest["status"] == "complete"
    assert manifest["predictions"]["sha256"] == hashlib.sha256(out.read_bytes()).hexdigest()
    (session,) = manifest["sessions"]
    assert session["decode_backend"] == ["pyav"] and session["device"]["requested"] == "cpu"
    assert session["device"]["names"] and session["started"] < session["ended"]
    for package in ("torch", "transformers", "av", "ray", "stvg_bench", "git_commit"):
        assert package in session["software"]
    assert session["software"]["torch"].startswith("2.") and session["software"]["av"]
    stats = session["stats"]
    assert stats["samples"] == 7 and stats["frames"] > 0 and stats["frames_per_second"] > 0
    assert set(stats["stage_seconds"]) >= {"startup", "decode", "wait", "predict", "write", "merge"}
    assert sorted(p.name for p in (tmp_path / "p.run" / "shards").iterdir()) == [f"{i:08d}.parquet" for i in range(7)]
    code, shown, _ = run_cli("baseline", "show", tmp_path / "p.run")
    assert code == 0 and "runner      test-index-reader v1 (zero-shot" in shown and "frame plan" in shown
    assert "decode ['pyav']" in shown and "torch 2." in shown


def test_oracles_are_labelled_everywhere(run_cli, tiny, tmp_path):
    out = tmp_path / "o.json"
    code, stdout, err = run_cli("baseline", "run", "gt-segment+full-frame", "--dataset", "vidstg", "--annotations",
                                tiny["annotations"], "--out", out)
    assert code == 0, err
    assert "oracle: never ranked" in stdout
    document = json.loads(out.read_text())
    assert document["method"]["kind"] == "oracle" and document["method"]["oracle"] is True
    assert json.loads((tmp_path / "o.manifest.json").read_text())["runner"]["oracle"] is True
    assert document["predictions"]["0"]["segment"] == [20, 50]  # the ground truth of sample 0


def test_checkpoint_files_are_hashed(run_cli, tiny, tmp_path):
    checkpoint = tmp_path / "ckpt"
    (checkpoint / "sub").mkdir(parents=True)
    (checkpoint / "model.safetensors").write_bytes(b"weights")
    (checkpoint / "sub" / "config.json").write_bytes(b"{}")
    code, _, err = run_cli("baseline", "run", "test-needs-checkpoint", "--dataset", "vidstg", "--annotations",
                           tiny["annotations"], "--videos", tiny["videos"], "--checkpoint", checkpoint,
                           "--out", tmp_path / "c.json", "--limit", "2")
    assert code == 0, err
    record = json.loads((tmp_path / "c.manifest.json").read_text())["checkpoint"]
    assert record["files"] == [{"path": "model.safetensors", "sha256": hashlib.sha256(b"weights").hexdigest()},
                               {"path": "sub/config.json", "sha256": hashlib.sha256(b"{}").hexdigest()}]
    assert json.loads((tmp_path / "c.json").read_text())["method"]["checkpoint_sha256"] == record["sha256"]
    assert len(json.loads((tmp_path / "c.json").read_text())["predictions"]) == 2


# ------------------------------------------------------------------ resume


def test_killed_run_resumes_to_identical_bytes(tiny, tmp_path, run_cli):
    """A real SIGKILL after 3 samples (the test hook), then --resume: the same bytes as an uninterrupted run."""
    killed, whole = tmp_path / "killed", tmp_path / "whole"
    command = [str(Path(sys.executable).with_name("stvg-bench")), "baseline", "run", "full-frame", "--dataset", "vidstg",
               "--annotations", str(tiny["annotations"]), "--out", str(killed / "p.json"), "--batch-size", "1"]
    env = {**os.environ, "STVG_BENCH_TEST_KILL_AFTER": "3"}
    done = subprocess.run([*command, "--param", "frame_plan=every"], env=env, capture_output=True, cwd=REPO, check=False)
    assert done.returncode == -signal.SIGKILL
    assert not (killed / "p.json").exists()
    assert len(list((killed / "p.run" / "shards").glob("*.parquet"))) == 3  # only what was in flight is lost
    code, _, err = run_cli("baseline", "run", "full-frame", "--dataset", "vidstg", "--annotations",
                           tiny["annotations"], "--out", killed / "p.json", "--param", "frame_plan=every", "--resume",
                           "--batch-size", "1")
    assert code == 0, err
    code, _, err = run_cli("baseline", "run", "full-frame", "--dataset", "vidstg", "--annotations",
                           tiny["annotations"], "--out", whole / "p.json", "--param", "frame_plan=every",
                           "--batch-size", "1")
    assert code == 0, err
    assert filecmp.cmp(killed / "p.json", whole / "p.json", shallow=False)
    sessions = json.loads((killed / "p.manifest.json").read_text())["sessions"]
    assert [s["status"] for s in sessions] == ["running", "complete"]  # the killed session never finished
    assert sessions[1]["samples_done_before"] == 3 and sessions[1]["stats"]["samples"] == 4


def test_resume_of_a_finished_run_predicts_nothing_and_limit_selects(run_cli, tiny, tmp_path):
    out = tmp_path / "p.json"
    assert _index_run(run_cli, tiny, out, "--limit", "3")[0] == 0
    first = out.read_bytes()
    assert len(json.loads(first)["predictions"]) == 3
    assert _index_run(run_cli, tiny, out, "--limit", "3", "--resume")[0] == 0
    assert out.read_bytes() == first
    assert json.loads((tmp_path / "p.manifest.json").read_text())["sessions"][1]["stats"]["samples"] == 0
    assert _index_run(run_cli, tiny, out, "--resume")[0] == 0
    assert len(json.loads(out.read_text())["predictions"]) == 7


def test_resume_keeps_the_batch_plan(run_cli, tiny, tmp_path):
    """Shards lost from the middle of a batch: --resume recomputes that batch whole, so a batch-sensitive runner
    (IndexReader's boxes depend on their batch) gives the same bytes."""
    out = tmp_path / "p.json"
    assert _index_run(run_cli, tiny, out, "--batch-size", "3")[0] == 0
    whole = out.read_bytes()
    for position in (1, 4, 6):  # as if killed with these in flight
        (tmp_path / "p.run" / "shards" / f"{position:08d}.parquet").unlink()
    out.unlink()
    assert _index_run(run_cli, tiny, out, "--batch-size", "3", "--resume")[0] == 0
    assert out.read_bytes() == whole
    session = json.loads((tmp_path / "p.manifest.json").read_text())["sessions"][1]
    assert session["samples_done_before"] == 4 and session["stats"]["samples"] == 3


# ------------------------------------------------------------------ bad input: one line, exit 2, run dir intact


BAD_COMMANDS = {
    "unknown runner": (["no-such-runner"], "unknown baseline 'no-such-runner'"),
    "unknown param": (["full-frame", "--param", "colour=red"], "full-frame has no parameter 'colour'"),
    "malformed param": (["full-frame", "--param", "frame_plan"], "--param expects name=value"),
    "bad param value": (["full-frame", "--param", "frame_plan=fps:-1"], "fps:N needs a positive number"),
    "param twice": (["full-frame", "--param", "max_frames=3", "--param", "max_frames=4"], "given twice"),
    "plan and cap": (["full-frame", "--param", "max_frames=3"], "the tubedetr plan is the protocol's own frames"),
    "checkpoint missing": (["test-needs-checkpoint", "--checkpoint", "/nonexistent/ckpt"],
                           "/nonexistent/ckpt: checkpoint directory not found"),
    "checkpoint needed": (["test-needs-checkpoint"], "needs --checkpoint DIR"),
    "checkpoint refused": (["full-frame", "--checkpoint", "."], "full-frame takes no --checkpoint"),
    "bad device": (["full-frame", "--device", "tpu"], "--device must be cpu, cuda or cuda:N"),
    "no cuda": (["full-frame", "--device", "cuda"], "sees no CUDA device"),
    "wrong task": (["center-point"], "center-point answers the action-spatial task; vidstg is scored by"),
    "bad executor": (["full-frame", "--executor", "slurm"], "--executor must be one of local, ray"),
    "other run": (["full-frame", "--param", "frame_plan=every"], "holds another run (it differs in parameters_sha256"),
}


@pytest.fixture(scope="module")
def finished_run(tiny, tmp_path_factory):
    from stvg_bench.cli import main

    directory = tmp_path_factory.mktemp("finished")
    assert main(["baseline", "run", "full-frame", "--dataset", "vidstg", "--annotations", str(tiny["annotations"]),
                 "--out", str(directory / "p.json")]) == 0
    return directory


@pytest.mark.parametrize("case", list(BAD_COMMANDS))
def test_bad_input_is_one_line_and_leaves_the_run_dir(run_cli, tiny, finished_run, case):
    arguments, message = BAD_COMMANDS[case]
    before = _tree(finished_run)
    code, out, err = run_cli("baseline", "run", *arguments, "--dataset", "vidstg", "--annotations", tiny["annotations"],
                             "--out", finished_run / "p.json", "--run-dir", finished_run / "p.run", "--resume")
    assert code == 2 and out == "", err
    assert len(err.strip().splitlines()) == 1 and message in err, err
    assert err.startswith("stvg-bench: error: ") and "Traceback" not in err
    assert _tree(finished_run) == before


def test_a_finished_run_dir_needs_resume(run_cli, tiny, finished_run):
    before = _tree(finished_run)
    code, _, err = run_cli("baseline", "run", "full-frame", "--dataset", "vidstg", "--annotations",
                           tiny["annotations"], "--out", finished_run / "q.json", "--run-dir", finished_run / "p.run")
    assert code == 2 and "already holds a run (7 samples done): pass --resume" in err
    assert _tree(finished_run) == before


def test_output_never_overwrites_an_input(run_cli, tiny):
    code, _, err = run_cli("baseline", "run", "full-frame", "--dataset", "vidstg", "--annotations",
                           tiny["annotations"], "--out", tiny["annotations"])
    assert code == 2 and "is one of the inputs" in err


def test_show_refuses_what_is_not_a_run(run_cli, tmp_path):
    code, _, err = run_cli("baseline", "show", tmp_path)
    assert code == 2 and "no run manifest here" in err


# ------------------------------------------------------------------ Ray


@pytest.fixture(scope="module")
def ray_cluster():
    """One local 2-CPU cluster for the module; actors import the tests package via PYTHONPATH."""
    import ray

    ray.init(num_cpus=2, include_dashboard=False, logging_level="WARNING",
             runtime_env={"env_vars": {"PYTHONPATH": str(REPO), "OMP_NUM_THREADS": "1"}})
    yield
    ray.shutdown()


def test_ray_equals_local_byte_for_byte(ray_cluster, run_cli, tiny, tmp_path):
    local, remote = tmp_path / "local" / "p.json", tmp_path / "ray" / "p.json"
    assert _index_run(run_cli, tiny, local)[0] == 0
    code, err = _index_run(run_cli, tiny, remote, "--executor", "ray", "--workers", "2")
    assert code == 0, err
    assert filecmp.cmp(local, remote, shallow=False)
    session = json.loads((tmp_path / "ray" / "p.manifest.json").read_text())["sessions"][0]
    assert session["executor"] == {"name": "ray", "batch_size": 2, "address": None, "workers": 2,
                                   "gpus_per_worker": 0.0}
    assert session["stats"]["frames"] == json.loads((tmp_path / "local" / "p.manifest.json").read_text()
                                                    )["sessions"][0]["stats"]["frames"]


def test_ray_equals_local_on_an_action_dataset(ray_cluster, run_cli, shared_data, tmp_path):
    outputs = []
    for executor in ("local", "ray"):
        out = tmp_path / executor / "p.json"
        code, _, err = run_cli("baseline", "run", "uniform-steps+center-point", "--dataset", "groundingyoutube",
                               "--annotations", shared_data / "groundingyoutube", "--out", out,
                               "--executor", executor, "--batch-size", "16")
        assert code == 0, err
        outputs.append(out)
    assert filecmp.cmp(*outputs, shallow=False)


def test_readme_commands_use_the_fetched_annotations(run_cli, shared_data, tmp_path, monkeypatch):
    """The README's commands: fetch, then run without --annotations (the fit split comes from the cache too)."""
    monkeypatch.setenv("STVG_BENCH_CACHE", str(tmp_path / "cache"))
    for dataset in ("groundingyoutube", "vidstg"):
        code, _, err = run_cli("datasets", "fetch", dataset, "--from", shared_data / dataset)
        assert code == 0, err
    code, _, err = run_cli("baseline", "run", "center-point", "--dataset", "groundingyoutube", "--out", tmp_path / "p.json")
    assert code == 0, err
    code, out, err = run_cli("score", tmp_path / "p.json", "--dataset", "groundingyoutube", "--task", "spatial",
                             "--no-ci")
    assert code == 0 and "67.25" in out, err
    code, _, err = run_cli("baseline", "run", "temporal-prior", "--dataset", "vidstg", "--out", tmp_path / "tp.json",
                           "--limit", "20")
    assert code == 0, err
    fitted = json.loads((tmp_path / "tp.manifest.json").read_text())["fitted"]
    assert fitted["fit_inputs"]["annotations"]["path"] == str(tmp_path / "cache" / "vidstg" / "val_annotations.json")


def test_progress_reports_rates():
    from baselines.progress import RunProgress

    progress = RunProgress(3, "x", enabled=True)  # not a terminal under pytest: no bar, rates still computed
    progress.advance(10)
    progress.advance(5)
    assert progress.samples == 2 and progress.frames == 15
    assert progress.rates().endswith("frames/s") and "samples/s" in progress.rates()
    progress.close()
