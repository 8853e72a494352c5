"""The registries of stvg-bench and their built-in entries.

Five registries share one mechanism (:class:`~stvg_bench.core.registry.Registry`):
``DATASETS`` (adapters), ``FORMATS`` (prediction formats of both data-model
families), ``TASKS``, ``PROTOCOLS`` (registered as the protocol objects, which are small data) and ``BASELINES`` (runners, registered by the
``baselines`` package). Built-in entries are lazy ``"module:attribute"``
references with the info listings print, so ``stvg-bench datasets``,
``formats``, ``tasks`` and ``protocols`` import no scoring code.

A *family* names the data model a dataset, format or task works on:
``tubes`` (VidSTG, HC-STVG: a segment and a box per frame) or ``actions``
(GroundingYouTube, YouCook2-Interactions: labels and points per second).

Plugins: an entry point in the ``stvg_bench.plugins`` group names a callable
that receives this module and registers entries, e.g. in a plugin's
``pyproject.toml``::

    [project.entry-points."stvg_bench.plugins"]
    my-datasets = "my_package.stvg:register"

    # my_package/stvg.py
    def register(registries):
        registries.DATASETS.register("my-dataset", "my_package.adapter:ADAPTER",
                                     registries.DatasetInfo(...), origin="my-package")
"""

from __future__ import annotations

import sys
from dataclasses import dataclass

from .core.registry import PLUGIN_GROUP, Registry, RegistryError

FAMILIES = ("tubes", "actions")


@dataclass(frozen=True)
class DatasetInfo:
    """What ``stvg-bench datasets`` lists about an adapter.

    ``default_split`` is the evaluation split used when ``--split`` is not given;
    ``tasks`` the registered tasks the dataset can be scored with.
    """

    description: str
    family: str
    tasks: tuple[str, ...]
    splits: tuple[str, ...]
    default_split: str
    query_types: tuple[str, ...]
    layouts: tuple[str, ...]


@dataclass(frozen=True)
class FormatInfo:
    """What ``stvg-bench formats`` lists about a prediction format (``writes``: ``convert --to`` accepts it)."""

    description: str
    families: tuple[str, ...]
    writes: bool = True


@dataclass(frozen=True)
class TaskInfo:
    """What ``stvg-bench tasks`` lists about a task; ``option`` is its ``--task`` value."""

    description: str
    family: str
    option: str
    protocols: tuple[str, ...]
    default_protocol: str


_plugins_loaded = False


def load_plugins() -> None:
    """Call every ``stvg_bench.plugins`` entry point once (a failing plugin is an error naming it)."""
    global _plugins_loaded
    if _plugins_loaded:
        return
    _plugins_loaded = True
    from importlib.metadata import entry_points

    this = sys.modules[__name__]
    for point in entry_points(group=PLUGIN_GROUP):
        try:
            register = point.load()
        except Exception as exc:  # a broken plugin must not hide behind a traceback
            raise RegistryError(f"plugin {point.name!r} ({point.value}) does not load: {exc}") from None
        register(this)


DATASETS: Registry = Registry("dataset", load_plugins)
FORMATS: Registry = Registry("format", load_plugins)
TASKS: Registry = Registry("task", load_plugins)
PROTOCOLS: Registry = Registry("protocol", load_plugins)
BASELINES: Registry = Registry("baseline", load_plugins)


def _register_builtin() -> None:
    datasets = "stvg_bench.datasets"
    DATASETS.register("vidstg", f"{datasets}.vidstg:ADAPTER", DatasetInfo(
        description="VidSTG (CVPR 2020): VidOR videos, declarative and interrogative sentences",
        family="tubes", tasks=("tube-grounding",), splits=("train", "val", "test"), default_split="test",
        query_types=("declarative", "interrogative"),
        layouts=("official (+ --vidor-dir)", "tubedetr")))
    DATASETS.register("hcstvg-v1", f"{datasets}.hcstvg:V1", DatasetInfo(
        description="HC-STVG v1: movie clips, one person per sentence",
        family="tubes", tasks=("tube-grounding",), splits=("train", "test"), default_split="test", query_types=(),
        layouts=("official", "tubedetr (*_proc.json)")))
    DATASETS.register("hcstvg-v2", f"{datasets}.hcstvg:V2", DatasetInfo(
        description="HC-STVG v2: movie clips, one person per sentence (test labels are not public)",
        family="tubes", tasks=("tube-grounding",), splits=("train", "val"), default_split="val", query_types=(),
        layouts=("official", "tubedetr (*_proc.json)")))
    DATASETS.register("groundingyoutube", f"{datasets}.groundingyoutube:ADAPTER", DatasetInfo(
        description="GroundingYouTube (CVPR 2024): 250 untrimmed multi-action videos, 1 box per annotated second",
        family="actions", tasks=("action-spatial", "action-temporal", "action-spatio-temporal"), splits=("test",), default_split="test", query_types=(),
        layouts=("box_anno.json or GoundingYouTubeBox.json, ground_seg.json (or seg.json), vid2step, id2wh_new",)))
    DATASETS.register("youcook2-interactions", f"{datasets}.youcook2:ADAPTER", DatasetInfo(
        description="YouCook2-Interactions: 92 cooking videos, boxes of the interaction a sentence describes",
        family="actions", tasks=("action-spatial",), splits=("val",), default_split="val", query_types=(),
        layouts=("youcook2_interactions.json",)))
    DATASETS.register("synthetic", f"{datasets}.synthetic:ADAPTER", DatasetInfo(
        description="built-in deterministic VidSTG-layout data (200 sentences; used by the demo and tests)",
        family="tubes", tasks=("tube-grounding",), splits=("test",), default_split="test", query_types=("declarative", "interrogative"),
        layouts=("generated in memory",)))

    formats = "stvg_bench.formats"
    FORMATS.register("stvg-bench", f"{formats}.canonical:FORMAT", FormatInfo(
        description="canonical JSON (.json, .json.gz): stvg-bench/predictions v1 (tubes), "
        "stvg-bench/action-grounding v1 (actions)", families=FAMILIES))
    FORMATS.register("tubedetr", f"{formats}.tubedetr:FORMAT", FormatInfo(
        description="TubeDETR: predictions keyed '<video_id>_<frame>', video_predictions with 'sted'",
        families=("tubes",)))
    FORMATS.register("stcat", f"{formats}.stcat:FORMAT", FormatInfo(
        description="STCAT / CG-STVG test_results: predictions keyed by item id, then frame",
        families=("tubes",)))
    FORMATS.register("parquet", f"{formats}.parquet:FORMAT", FormatInfo(
        description="directory with boxes.parquet and segments.parquet (canonical tube format, columnar)",
        families=("tubes",)))
    FORMATS.register("gyt-clicks", f"{formats}.gyt_clicks:FORMAT", FormatInfo(
        description="GroundingYouTube's aggregated centre-point clicks (the human baseline), read only",
        families=("actions",), writes=False))

    tasks = "stvg_bench.tasks"
    TASKS.register("tube-grounding", f"{tasks}.tube_grounding:TASK", TaskInfo(
        description="spatio-temporal grounding with box tubes: m_tIoU, m_vIoU, vIoU@R, m_gt_vIoU",
        family="tubes", option="spatio-temporal", protocols=("dense", "tubedetr", "stcat"),
        default_protocol="dense"))
    TASKS.register("action-spatial", f"{tasks}.action_spatial:TASK", TaskInfo(
        description="where the action happens in each annotated second: pointing game, IoU > 0.3 accuracy",
        family="actions", option="spatial", protocols=("gyt",), default_protocol="gyt"))
    TASKS.register("action-temporal", f"{tasks}.action_temporal:TASK", TaskInfo(
        description="which step each second shows: IoD and Jaccard, without and with background",
        family="actions", option="temporal", protocols=("gyt",), default_protocol="gyt"))
    TASKS.register("action-spatio-temporal", f"{tasks}.action_spatio_temporal:TASK", TaskInfo(
        description="step and point per second: IoU+Pointing; video mAP of scored tubes; frame mAP",
        family="actions", option="spatio-temporal", protocols=("gyt",), default_protocol="gyt"))

    from .protocols import actions, tubes  # protocols are small frozen dataclasses: registered as objects

    for protocol in (tubes.DENSE, tubes.TUBEDETR, tubes.STCAT, actions.GYT):
        PROTOCOLS.register(protocol.name, protocol, protocol)

_register_builtin()
