"""``gyt-clicks``: GroundingYouTube's aggregated centre-point clicks read as a spatial prediction.

The release's ``pumpkin_youtube_FPS_21k_annotation_full_agg_p.json`` holds one
entry ``{image_url, x, y, mean_dist}`` per frame: the mean click of the
annotators (the human baseline). Read only.
"""

from __future__ import annotations

from ..core.errors import FormatError, OptionError, quote
from ..core.ids import is_decimal
from ..core.jsonio import loads_exact
from ..data.actions import ActionPredictions, normalise_step
from ..data.tubes import PredictionMeta
from .action_grounding import spatial_predictions
from .base import PredictionFormat, read_document, require_numbers


class GytClicksFormat(PredictionFormat):
    name = "gyt-clicks"

    def sniff(self, data: bytes) -> bool:
        return data.lstrip()[:1] == b"[" and b'"image_url"' in data[:4096]

    def read(self, path, dataset) -> ActionPredictions:
        data, sha256 = read_document(path)
        return self.read_bytes(data, path, sha256, dataset)

    def read_bytes(self, data: bytes, path, sha256: str, dataset) -> ActionPredictions:
        return read_gyt_clicks(data, path, sha256, dataset)

    def write(self, predictions, path, dataset) -> None:
        raise OptionError("gyt-clicks is read only: convert --to stvg-bench")


def read_gyt_clicks(data: bytes, path, sha256: str, dataset) -> ActionPredictions:
    """GroundingYouTube's aggregated clicks as spatial predictions (the human baseline).

    Each entry ``{image_url, x, y, mean_dist}`` names its frame by the URL's last
    two parts, ``<video>/<video>_<second>_<step with underscores>.jpg``. A query
    (video, second) gets the click whose normalised step is the step of its
    box; entries with null coordinates, for another step, or for no query are
    left out: those queries are missing predictions.
    """
    if dataset is None or dataset.name != "groundingyoutube":
        raise OptionError("gyt-clicks are matched to boxes by step: pass --dataset groundingyoutube --annotations DIR")
    entries = loads_exact(data, path)
    if not isinstance(entries, list):
        raise FormatError("expected a JSON array of clicks", path=path)
    gt = dataset.gt
    queries = gt.queries
    wanted = {
        (str(gt.video_ids[v]), int(s)): gt.steps[c]
        for v, s, c in zip(queries.group.tolist(), queries.second.tolist(), queries.step.tolist())
    }
    chosen: dict[tuple[str, int], tuple[float, float]] = {}
    for k, entry in enumerate(entries):
        if not isinstance(entry, dict) or not isinstance(entry.get("image_url"), str):
            raise FormatError("each click needs an 'image_url'", path=path, sample_id=f"entry {k}")
        parts = entry["image_url"].rsplit("/", 2)
        folder, name = parts[-2:] if len(parts) > 1 else ("", parts[0])
        stem = name.rsplit(".", 1)[0]
        if not folder or not stem.startswith(folder + "_"):
            raise FormatError(f"cannot read video and second from {quote(entry['image_url'])}", path=path,
                              sample_id=f"entry {k}")
        second_text, _, step = stem[len(folder) + 1 :].partition("_")
        if not is_decimal(second_text):
            raise FormatError(f"cannot read the second from {quote(entry['image_url'])}", path=path,
                              sample_id=f"entry {k}")
        key = (folder, int(second_text))
        x, y = entry.get("x"), entry.get("y")
        if x is None or y is None or wanted.get(key) != normalise_step(step):
            continue
        chosen[key] = tuple(require_numbers([x, y], 2, path, f"entry {k}", "x, y"))
    by_video: dict[str, dict[str, dict]] = {}
    for (video, second), point in chosen.items():
        by_video.setdefault(video, {})[str(second)] = {"point": list(point)}
    meta = PredictionMeta(format="gyt-clicks", dataset="groundingyoutube", split=dataset.split,
                          method={"name": "human (aggregated centre-point clicks)"}, source=str(path), sha256=sha256)
    return spatial_predictions(by_video, path, meta)


FORMAT = GytClicksFormat()
