"""What every dataset adapter provides, and the loaded-dataset object the scorer uses."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..core.errors import OptionError, SampleIdError
from ..data import tube_table as scoring_table
from ..data.actions import ActionGroundTruth
from ..data.tube_table import ScoringTable
from ..data.tubes import GroundTruth
from ..protocols.tubes import Protocol, get_protocol


@dataclass(frozen=True)
class DatasetInfo:
    """Static description of an adapter, listed by ``stvg-bench datasets``."""

    name: str
    description: str
    splits: tuple[str, ...]
    query_types: tuple[str, ...]
    protocols: tuple[str, ...]
    layouts: tuple[str, ...]
    tasks: tuple[str, ...] = ("spatio-temporal",)


class DatasetAdapter(ABC):
    """Knows a dataset's files, splits and query types, and loads a split.

    ``version`` is part of the parsed-annotation cache key: bump it whenever
    parsing changes what ends up in the arrays.
    """

    info: DatasetInfo
    version: int = 1

    @property
    def name(self) -> str:
        return self.info.name

    def check_split(self, split: str) -> None:
        if split not in self.info.splits:
            raise OptionError(
                f"{self.name} has no split {split!r}; choose one of {', '.join(self.info.splits)}"
            )

    @abstractmethod
    def load(
        self,
        split: str,
        annotations: str | Path | None = None,
        vidor_dir: str | Path | None = None,
        *,
        use_cache: bool = True,
        progress: bool = False,
        **options,
    ):
        """Parse (or read from the cache) the ground truth of ``split``.

        ``options`` are adapter-specific (GroundingYouTube: ``segments``,
        ``box_policy``, ``durations``); an adapter refuses options it does not know.
        """

    def refuse_options(self, options: dict) -> None:
        if options:
            raise OptionError(f"{self.name} takes no option {', '.join(map(repr, options))}")


class TubeAdapter(DatasetAdapter):
    """An adapter for box tubes over frames (VidSTG, HC-STVG): it resolves protocols into scoring tables."""

    @abstractmethod
    def resolve(self, gt: GroundTruth, protocol: Protocol) -> ScoringTable:
        """Resolve ``gt`` into the frames and intervals ``protocol`` scores."""


@dataclass
class Dataset:
    """A loaded split: columnar ground truth plus where it came from.

    ``inputs`` records the sha256 of each annotation input (and a signature of
    a VidOR directory); it is copied into every result.
    """

    adapter: TubeAdapter
    gt: GroundTruth
    inputs: dict[str, str]
    cache_dir: Path | None = None
    _tables: dict[Protocol, ScoringTable] = field(default_factory=dict, repr=False)

    @property
    def name(self) -> str:
        return self.gt.dataset

    @property
    def split(self) -> str:
        return self.gt.split

    @property
    def n_samples(self) -> int:
        return self.gt.n_samples

    def scoring_table(self, protocol: str | Protocol) -> ScoringTable:
        """The ground truth resolved under ``protocol``: computed once per protocol, and kept
        beside the cached parse (keyed by every protocol field) when there is one."""
        protocol = get_protocol(protocol)
        if protocol in self._tables:
            return self._tables[protocol]
        stored = self.cache_dir / "tables" / protocol.cache_key() if self.cache_dir is not None else None
        table = scoring_table.load(stored, protocol) if stored is not None else None
        if table is None:
            table = self.adapter.resolve(self.gt, protocol)
            if stored is not None:
                try:
                    scoring_table.save(table, stored)
                except OSError:
                    pass  # a read-only cache still serves the parse
        self._tables[protocol] = table
        return table

    def sample_ids_from_stcat(self, item_ids: np.ndarray, path) -> np.ndarray:
        """Map STCAT / CG-STVG ``item_id``s to sample ids (by video and sentence)."""
        order = np.argsort(self.gt.stcat_item_id, kind="stable")
        sorted_items = np.asarray(self.gt.stcat_item_id)[order]
        at = np.searchsorted(sorted_items, item_ids)
        at_clipped = np.minimum(at, len(sorted_items) - 1)
        unknown = (at >= len(sorted_items)) | (sorted_items[at_clipped] != item_ids)
        if unknown.any():
            bad = int(item_ids[np.flatnonzero(unknown)[0]])
            raise SampleIdError(
                f"unknown STCAT item id (this split has item ids 0-{len(sorted_items) - 1})",
                path=path,
                sample_id=bad,
            )
        return order[at_clipped].astype(np.int64)


@dataclass
class ActionDataset:
    """A loaded action-grounding dataset (GroundingYouTube, YouCook2-Interactions)."""

    adapter: DatasetAdapter
    gt: ActionGroundTruth
    inputs: dict[str, str]
    split: str

    @property
    def name(self) -> str:
        return self.gt.dataset

    @property
    def n_samples(self) -> int:
        return self.gt.n_videos
