"""External runners: a published method run from its own checkout and environment (``--repo``, ``--python``,
``--checkpoint FILE``), one peer process per ``predict`` call.

``predict(batch)`` is one shard: it writes the batch's samples in the peer's annotation layout
(:mod:`baselines.external.layouts`) into a fresh directory under ``<run dir>/external/``, launches
the peer's evaluation there (:mod:`baselines.external.launch`; the log is ``peer.log`` beside the
layout, kept after the run) and converts what it wrote (:mod:`baselines.external.convert`) into one
:class:`~baselines.outputs.TubeOutput` per sample, in order. Under the Ray executor every actor runs
its own peer processes (with ``--gpus-per-worker 1``, on the GPU Ray gave it), so ``--batch-size``
sets how the split is cut across them.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from stvg_bench.core.errors import InputFileError, OptionError

from ..external import convert, launch
from ..external.layouts import LAYOUTS
from ..external.peers import PEERS
from ..outputs import TubeOutput
from ..plans import FramePlan
from ..runner import Runner

PEER_TRANSFORMERS = "4.57."  # the peers call tokenizer.batch_encode_plus, gone in transformers 5 (BASELINES.md)
PEER_PLAN = FramePlan("peer")  # recorded in the manifest; never asked for frames (no 'videos' need)


@dataclass(frozen=True)
class PeerInputs:
    """What ``baseline run`` gives an external runner besides parameters: the peer's checkout, its
    interpreter, the video source (None without ``--videos``) and the directory its shards go to."""

    repo: Path
    python: Path
    videos: object
    work_dir: Path


def checkout_commit(repo: Path) -> str:
    """``git rev-parse HEAD`` of ``repo``; a directory that is not a git checkout is an error."""
    try:
        done = subprocess.run(["git", "-C", str(repo), "rev-parse", "HEAD"], capture_output=True, text=True,
                              check=False)
    except OSError as exc:
        raise OptionError(f"--repo {repo}: cannot run git ({exc})") from None
    if done.returncode != 0:
        raise InputFileError("--repo is not a git checkout (git rev-parse HEAD failed)", path=repo)
    return done.stdout.strip()


class ExternalPeer(Runner):
    """The runner of :data:`baselines.external.peers.PEERS` entry :attr:`name`."""

    def __init__(self, parameters: dict, checkpoint, device: str = "cpu", *, peer_inputs: PeerInputs) -> None:
        self.parameters, self.checkpoint, self.device = dict(parameters), checkpoint, device
        self.plan = PEER_PLAN  # the peer samples and decodes frames itself; stvg-bench plans none
        self.peer = PEERS[self.name]
        self.inputs = peer_inputs
        self.dataset = None

    def frame_plan(self, sample) -> np.ndarray:
        """None: the peer samples and decodes its frames itself."""
        return np.zeros(0, dtype=np.int64)

    def check(self) -> None:
        inputs = self.inputs
        if not inputs.repo.is_dir():
            raise InputFileError("--repo: the peer's checkout directory not found", path=inputs.repo)
        if not (inputs.repo / self.peer.entry_point).is_file():
            raise InputFileError(f"--repo has no {self.peer.entry_point}: not a {self.name} checkout",
                                 path=inputs.repo)
        if not (inputs.python.is_file() and os.access(inputs.python, os.X_OK)):
            raise InputFileError("--python is not an executable file (PEER_ENV/bin/python)", path=inputs.python)
        self.commit = checkout_commit(inputs.repo)
        if not self.commit.startswith(self.peer.commit):
            message = (f"--repo is at commit {self.commit[:12]}, not {self.name}'s pinned {self.peer.commit}")
            if not self.parameters["allow_other_commit"]:
                raise InputFileError(f"{message} (check it out, or pass --param allow_other_commit=true)",
                                     path=inputs.repo)
            print(f"stvg-bench: warning: {inputs.repo}: {message}; recorded in the manifest", file=sys.stderr)
        self.software = launch.peer_software(inputs.python, self._environment())
        transformers = self.software.get("transformers")
        if not (transformers or "").startswith(PEER_TRANSFORMERS):
            print(f"stvg-bench: warning: {inputs.python}: transformers {transformers or 'is not installed'}; "
                  f"{self.name} needs {PEER_TRANSFORMERS}x (see {self.peer.env_spec.name})", file=sys.stderr)

    def _environment(self) -> dict:
        inputs = self.inputs
        return launch.environment(self.peer, inputs.repo.resolve(), self.device, inputs.work_dir / "torch_home")

    def prepare(self, context) -> dict:
        dataset = context.dataset
        if dataset.name not in self.peer.layouts:
            raise OptionError(f"{self.name} runs on {', '.join(self.peer.layouts)} here, not {dataset.name}")
        self.dataset = dataset
        spec = self.peer.env_spec.read_bytes()
        return {"peer": self.name, "repository": self.peer.repository, "pinned_commit": self.peer.commit,
                "commit": self.commit, "entry_point": self.peer.entry_point, "output_file": self.peer.output_file,
                "env_spec": self.peer.env_spec.name, "env_spec_sha256": hashlib.sha256(spec).hexdigest(),
                "peer_software": self.software}

    def predict(self, batch):
        """One output per sample, in order; a shard of samples the peer runs on is one peer process."""
        samples = [sample for sample, _ in batch]
        skipped = set(self.peer.skipped_videos.get(self.dataset.name, ()))
        run = [sample for sample in samples if sample.video_id not in skipped]
        outputs = dict(zip((s.position for s in run), self._run_peer(run))) if run else {}
        outputs.update((s.position, TubeOutput(s.segment_start_frame, s.segment_start_frame)) for s in samples
                       if s.video_id in skipped)  # dropped by the peer: an empty segment, no box
        return [outputs[s.position] for s in samples]

    def _run_peer(self, samples) -> list[TubeOutput]:
        """One peer process over ``samples``: layout, launch, conversion."""
        inputs, peer, dataset_name = self.inputs, self.peer, self.dataset.name
        inputs.work_dir.mkdir(parents=True, exist_ok=True)
        shard = Path(tempfile.mkdtemp(prefix=f"{self.name}-{samples[0].position:06d}-", dir=inputs.work_dir))
        layout, output = shard / "layout", shard / "output"
        output.mkdir(parents=True)
        video_file = inputs.videos.resolve if inputs.videos is not None else (lambda video_id: None)
        peer_ids = LAYOUTS[peer.layouts[dataset_name]](samples, self.dataset, layout, video_file)
        argv = launch.command(peer, inputs.python, dataset_name, self.checkpoint.path.absolute(), layout, output,
                              self.device)
        written = launch.run_peer(peer, argv, self._environment(), inputs.repo, shard / "peer.log",
                                  output / peer.output_file)
        return convert.tube_outputs(peer.reader, written, peer_ids, samples, self.dataset)


class TubeDetr(ExternalPeer):
    name = "tubedetr"


class Stcat(ExternalPeer):
    name = "stcat"


class CgStvg(ExternalPeer):
    name = "cg-stvg"


class TaStvg(ExternalPeer):
    name = "ta-stvg"
