"""Launch a peer's evaluation entry point: its command, an explicit environment and a log file.

The peer runs with the checkout as working directory and only these variables (nothing else of our
environment leaks in, so our transformers 5 never shadows its 4.57):

* ``TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD=1`` (its checkpoints and caches are pickles, BASELINES.md §1 item 2),
  ``HF_HUB_OFFLINE=1``, ``TRANSFORMERS_OFFLINE=1`` (never the network: pre-seed roberta-base);
* ``TORCH_HOME``: ours when set (pre-seeded ResNet-101 in ``$TORCH_HOME/hub/checkpoints``), else the
  run's ``torch_home`` directory; ``HF_HOME`` passed on when set;
* ``CUDA_VISIBLE_DEVICES`` from ``--device`` (``cpu``: none; ``cuda:i``: ``i``; ``cuda``: ours, which a
  Ray actor with a GPU has set, else ``0``);
* ``PYTHONPATH``: the checkout, plus the ``torchtext`` stub for peers that need it; ``PATH`` (for
  ``ffmpeg``), ``HOME``, ``LANG``.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

from stvg_bench.core.errors import StvgBenchError

from .peers import Peer

STUBS_DIR = Path(__file__).with_name("stubs")
PASSED_ON = ("PATH", "HOME", "LANG", "HF_HOME")
PEER_PACKAGES = ("torch", "torchvision", "transformers", "timm", "yacs", "ffmpeg-python")
_VERSIONS_SCRIPT = ("import importlib.metadata as m, json, sys\n"
                    "def version(name):\n"
                    "    try:\n        return m.version(name)\n"
                    "    except m.PackageNotFoundError:\n        return None\n"
                    "print(json.dumps({'python': sys.version.split()[0], "
                    "**{name: version(name) for name in sys.argv[1:]}}))")


class PeerRunError(StvgBenchError):
    """The peer's process failed or wrote no output."""


def visible_devices(device: str, ours: dict) -> str:
    if device == "cpu":
        return ""
    index = device.partition(":")[2]
    return index or ours.get("CUDA_VISIBLE_DEVICES") or "0"


def environment(peer: Peer, repo: Path, device: str, torch_home: Path, ours: dict | None = None) -> dict:
    """The peer's whole environment (see the module docstring)."""
    ours = dict(os.environ if ours is None else ours)
    path = [str(repo)] + ([str(STUBS_DIR)] if peer.torchtext_stub else [])
    env = {name: ours[name] for name in PASSED_ON if name in ours}
    env.update(TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD="1", HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1",
               TORCH_HOME=ours.get("TORCH_HOME") or str(torch_home), PYTHONPATH=os.pathsep.join(path),
               CUDA_VISIBLE_DEVICES=visible_devices(device, ours))
    return env


def peer_software(python: Path, env: dict) -> dict:
    """Python and :data:`PEER_PACKAGES` versions of the peer's environment (None: not installed), read
    from its installed metadata by ``python`` itself (nothing is imported)."""
    try:
        done = subprocess.run([str(python), "-c", _VERSIONS_SCRIPT, *PEER_PACKAGES], env=env, capture_output=True,
                              text=True, check=False, timeout=120)
        versions = json.loads(done.stdout) if done.returncode == 0 else None
    except (OSError, ValueError, subprocess.TimeoutExpired):
        versions = None
    if not isinstance(versions, dict):
        raise PeerRunError("--python could not report its packages (is it a Python 3 interpreter?)", path=python)
    return versions


def command(peer: Peer, python: Path, dataset: str, checkpoint: Path, layout: Path, output: Path,
            device: str) -> list[str]:
    """The peer's argv with its placeholders filled (see :mod:`baselines.external.peers`)."""
    values = {"checkpoint": str(checkpoint), "layout": str(layout), "output": str(output),
              "device": "cpu" if device == "cpu" else "cuda", "config": peer.configs.get(dataset, ""),
              "peer_dataset": peer.peer_datasets.get(dataset, "")}
    return [str(python), *(part.format(**values) for part in peer.argv)]


def run_peer(peer: Peer, argv: list[str], env: dict, repo: Path, log: Path, output_file: Path) -> Path:
    """Run ``argv`` in ``repo``, stdout and stderr to ``log``; the output file it wrote.

    A non-zero exit, or no output file, is a :class:`PeerRunError` naming the peer and the log."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "wb") as stream:
        stream.write((" ".join(argv) + "\n").encode())
        stream.flush()
        done = subprocess.run(argv, cwd=repo, env=env, stdout=stream, stderr=subprocess.STDOUT, check=False)
    if done.returncode != 0:
        raise PeerRunError(f"{peer.name} exited with code {done.returncode}; its output is in {log}")
    if not output_file.is_file():
        raise PeerRunError(f"{peer.name} finished but wrote no {output_file.name} (expected {output_file}); "
                           f"its output is in {log}")
    return output_file
