"""What every dataset adapter provides, the loaded-dataset objects the tasks score against, and the one
decode helper every adapter reads its annotation files with."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from pathlib import Path

import msgspec
import numpy as np

from ..core import cache_lru
from ..core.arrays import lookup_sorted
from ..core.errors import AnnotationError, InputFileError, OptionError, SampleIdError, quote
from ..core.jsonio import gc_paused
from ..data import tube_table
from ..data.actions import ActionGroundTruth
from ..data.tube_table import ScoringTable
from ..data.tubes import GroundTruth
from ..protocols import TubeProtocol, get_protocol


def decode_annotation(data: bytes, type_, path: Path, what: str):
    """``data`` decoded by msgspec into ``type_``; a layout mismatch or broken JSON names the file.

    The garbage collector is paused while the decoder allocates (see :func:`~stvg_bench.core.jsonio.gc_paused`).
    """
    try:
        with gc_paused():
            return msgspec.json.decode(data, type=type_)
    except msgspec.ValidationError as exc:
        raise AnnotationError(f"invalid {what}: {exc}", path=path) from None
    except msgspec.DecodeError as exc:
        raise InputFileError(f"not valid JSON: {exc}", path=path) from None


class DatasetAdapter(ABC):
    """Knows a dataset's files, splits and query types, and loads a split.

    Its description (splits, default split, family, layouts) is what it was
    registered with in :data:`stvg_bench.registries.DATASETS`. ``version`` is
    part of the parsed-annotation cache key: bump it whenever parsing changes
    what ends up in the arrays.
    """

    name: str
    version: int = 1

    @property
    def info(self):
        from ..registries import DATASETS

        return DATASETS.info(self.name)

    def check_split(self, split: str) -> None:
        if split not in self.info.splits:
            raise OptionError(f"{self.name} has no split {quote(split)}; choose one of {', '.join(self.info.splits)}")

    @abstractmethod
    def load(self, split: str, annotations: str | Path | None = None, vidor_dir: str | Path | None = None, *,
             use_cache: bool = True, progress: bool = False, **options):
        """Parse (or read from the cache) the ground truth of ``split``.

        ``options`` are adapter-specific (GroundingYouTube: ``segments``,
        ``box_policy``, ``durations``); an adapter refuses options it does not know.
        """

    def refuse_options(self, options: dict, known: tuple[str, ...] = ()) -> None:
        unknown = [k for k, v in options.items() if k not in known and v is not None]
        if unknown:
            raise OptionError(f"{self.name} takes no option {', '.join(map(repr, unknown))}")


class TubeAdapter(DatasetAdapter):
    """An adapter for box tubes over frames (VidSTG, HC-STVG): it resolves protocols into scoring tables."""

    @abstractmethod
    def resolve(self, gt: GroundTruth, protocol: TubeProtocol) -> ScoringTable:
        """Resolve ``gt`` into the frames and intervals ``protocol`` scores."""


@dataclass
class Dataset:
    """A loaded tube split: columnar ground truth plus where it came from.

    ``inputs`` records each annotation input (its path and sha256; a signature of
    a VidOR directory); it is copied into every result.
    """

    adapter: TubeAdapter
    gt: GroundTruth
    inputs: dict[str, dict]
    cache_dir: Path | None = None
    _tables: dict[TubeProtocol, ScoringTable] = field(default_factory=dict, repr=False)

    family = "tubes"

    @property
    def name(self) -> str:
        return self.gt.dataset

    @property
    def split(self) -> str:
        return self.gt.split

    @property
    def n_samples(self) -> int:
        return self.gt.n_samples

    def scoring_table(self, protocol: str | TubeProtocol) -> ScoringTable:
        """The ground truth resolved under ``protocol``: computed once per protocol, and kept
        beside the cached parse (keyed by every protocol field) when there is one."""
        protocol = get_protocol(protocol, self.family)
        if protocol in self._tables:
            return self._tables[protocol]
        stored = self.cache_dir / "tables" / protocol.cache_key() if self.cache_dir is not None else None
        table = tube_table.load(stored, protocol) if stored is not None else None
        if table is None:
            table = self.adapter.resolve(self.gt, protocol)
            if stored is not None:
                try:
                    tube_table.save(table, stored)
                except OSError:
                    pass  # a read-only cache still serves the parse
                else:
                    cache_lru.stored(self.cache_dir)  # the parsed entry grew
        self._tables[protocol] = table
        return table

    def sample_ids_from_stcat(self, item_ids: np.ndarray, path) -> np.ndarray:
        """Map STCAT / CG-STVG ``item_id``s to sample ids (by video and sentence)."""
        order = np.argsort(self.gt.stcat_item_id, kind="stable")
        index, found = lookup_sorted(np.asarray(self.gt.stcat_item_id)[order], item_ids)
        if not found.all():
            raise SampleIdError(
                f"unknown STCAT item id (this split has item ids 0-{len(order) - 1})",
                path=path,
                sample_id=int(item_ids[np.argmin(found)]),
            )
        return order[index].astype(np.int64)


@dataclass
class ActionDataset:
    """A loaded action-grounding dataset (GroundingYouTube, YouCook2-Interactions)."""

    adapter: DatasetAdapter
    gt: ActionGroundTruth
    inputs: dict[str, dict]
    split: str

    family = "actions"

    @property
    def name(self) -> str:
        return self.gt.dataset

    @property
    def n_samples(self) -> int:
        return self.gt.n_videos
