"""The published methods an external runner wraps: one frozen :class:`Peer` each, in :data:`PEERS`.

Every peer is pinned to a commit of its repository (the short hashes of docs in BASELINES.md §1; a
checkout's ``git rev-parse HEAD`` must start with it). ``argv`` is the evaluation command after the
interpreter, run with the checkout as working directory; its placeholders are filled by
:func:`baselines.external.launch.command`:

* ``{checkpoint}``: the ``--checkpoint`` file; ``{layout}``: the shard's annotation directory;
* ``{output}``: the directory the peer writes ``output_file`` into; ``{device}``: ``cuda`` or ``cpu``
  (which GPU is ``CUDA_VISIBLE_DEVICES``'s business);
* ``{config}``: the peer's own config file for the dataset (``configs``); ``{peer_dataset}``: the
  dataset's name for the peer (``peer_datasets``).

``skipped_videos`` are videos the peer drops from a dataset by design (STCAT's and CG-STVG's
``clean_miss`` on HC-STVG v1): they are not written to its layout, and their samples get an empty
prediction (scored as misses) instead of failing the shard.

``layouts`` names, per stvg-bench dataset, the writer in :data:`baselines.external.layouts.LAYOUTS`;
``reader`` the reader in :data:`baselines.external.convert.READERS`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

ENVS_DIR = Path(__file__).with_name("envs")


@dataclass(frozen=True)
class Peer:
    name: str
    repository: str
    commit: str
    entry_point: str
    argv: tuple[str, ...]
    output_file: str
    reader: str
    layouts: dict[str, str]
    configs: dict[str, str] = field(default_factory=dict)
    peer_datasets: dict[str, str] = field(default_factory=dict)
    torchtext_stub: bool = False
    skipped_videos: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def env_spec(self) -> Path:
        """The pip requirements of the peer's environment (torch excluded: the user's CUDA build)."""
        return ENVS_DIR / f"{self.name}.txt"


_CLEAN_MISS = {"hcstvg-v1": ("10__Gvp-cj3bmIY.mp4", "1_aMYcLyh9OhU.mkv")}
_YACS_ARGV = ("scripts/test_net.py", "--config-file", "{config}", "MODEL.WEIGHT", "{checkpoint}",
              "OUTPUT_DIR", "{output}", "DATA_DIR", "{layout}", "MODEL.DEVICE", "{device}")

PEERS: dict[str, Peer] = {peer.name: peer for peer in (
    Peer("tubedetr", "https://github.com/antoyang/TubeDETR", "d70c0ee", "main.py",
         ("main.py", "--eval", "--test", "--resume", "{checkpoint}", "--combine_datasets", "{peer_dataset}",
          "--combine_datasets_val", "{peer_dataset}",
          "--dataset_config", "{layout}/dataset_config.json", "--output-dir", "{output}", "--device", "{device}"),
         "log_stats.json", "tubedetr-log-stats",
         layouts={"vidstg": "tubedetr-vidstg", "hcstvg-v1": "tubedetr-hcstvg"},
         peer_datasets={"vidstg": "vidstg", "hcstvg-v1": "hcstvg"}),
    Peer("stcat", "https://github.com/jy0205/STCAT", "400f548", "scripts/test_net.py",
         (*_YACS_ARGV, "INPUT.RESOLUTION", "448"), "test_results.pt", "stcat-pt",
         layouts={"vidstg": "stcat-vidstg", "hcstvg-v1": "stcat-hcstvg"},
         configs={"vidstg": "experiments/VidSTG/e2e_STCAT_R101_VidSTG.yaml",
                  "hcstvg-v1": "experiments/HC-STVG/e2e_STCAT_R101_HCSTVG.yaml"},
         skipped_videos=_CLEAN_MISS),
    Peer("cg-stvg", "https://github.com/HengLan/CGSTVG", "f062d84", "scripts/test_net.py",
         (*_YACS_ARGV, "INPUT.RESOLUTION", "420"), "test_results.json", "stcat-json",
         layouts={"vidstg": "stcat-vidstg", "hcstvg-v1": "stcat-hcstvg"},
         configs={"vidstg": "experiments/vidstg.yaml", "hcstvg-v1": "experiments/hcstvg.yaml"},
         torchtext_stub=True, skipped_videos=_CLEAN_MISS),
    Peer("ta-stvg", "https://github.com/HengLan/TA-STVG", "e3d7442", "scripts/test_net.py",
         (*_YACS_ARGV, "INPUT.RESOLUTION", "420"), "test_results.json", "stcat-json",
         layouts={"vidstg": "stcat-vidstg", "hcstvg-v1": "stcat-hcstvg"},
         configs={"vidstg": "experiments/vidstg.yaml", "hcstvg-v1": "experiments/hcstvg.yaml"},
         torchtext_stub=True, skipped_videos=_CLEAN_MISS),
)}
