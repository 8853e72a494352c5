"""Recognising annotation layouts from the first bytes of a file.

Adapters use this to refuse another dataset's file with a message that says
what the file looks like, before any expensive parsing.
"""

from __future__ import annotations

import re

LAYOUTS = {
    "vidstg-official": "VidSTG official sentence annotations",
    "vidstg-tubedetr": "VidSTG preprocessed by TubeDETR ({split}.json)",
    "hcstvg-official": "HC-STVG official annotations",
    "hcstvg-tubedetr": "HC-STVG preprocessed by TubeDETR (*_proc.json)",
    "groundingyoutube": "a GroundingYouTube annotation file",
    "youcook2-interactions": "YouCook2-Interactions boxes and segments",
    "stvg-bench-predictions": "an stvg-bench prediction file",
    "peer-predictions": "a TubeDETR/STCAT prediction file",
}

_HEAD = 1 << 16


def sniff_layout(data: bytes) -> str | None:
    """Name the layout of an annotation file (a key of ``LAYOUTS``) from its first bytes, or None."""
    head = data[:_HEAD]
    stripped = head.lstrip()
    first = stripped[:1]
    if first == b"[":
        if b'"temporal_gt"' in head and b'"used_segment"' in head:
            return "vidstg-official"
        if b'"tube_start_frame"' in head and b'"trajectory"' in head:
            return "hcstvg-tubedetr"
        if b'"step_name"' in head:
            return "groundingyoutube"
    if first == b"{":
        if b'"stvg-bench/predictions"' in head:
            return "stvg-bench-predictions"
        if b'"video_predictions"' in head:
            return "peer-predictions"
        if re.search(rb'"videos"\s*:', head) and b'"original_video_id"' in head:
            return "vidstg-tubedetr"
        if b'"img_num"' in head and b'"st_frame"' in head:
            return "hcstvg-official"
        if b'"segments"' in head and b'"boxes"' in head:
            return "youcook2-interactions"
        if b'"step_name"' in head or b'"segment"' in head:
            return "groundingyoutube"
    return None


def describe_layout(data: bytes) -> str:
    """Human description of what a file looks like, for wrong-dataset errors."""
    layout = sniff_layout(data)
    if layout is None:
        return "an unrecognised JSON layout"
    return LAYOUTS[layout]
