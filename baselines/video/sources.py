"""Where a dataset's videos are, and which decoder opens them.

Each dataset has path templates for its official video layout, tried in
order; ``--video-template`` replaces them. A template may use ``{videos}``
(the ``--videos`` directory), ``{video}`` (the video id) and ``{stem}`` (the
id without its extension), and glob wildcards; it must match exactly one
path. A matched directory is a folder of extracted frames
(:mod:`.folder_reader`); a file is decoded with PyAV, or OpenCV where PyAV is
absent (``--decoder`` chooses).
"""

from __future__ import annotations

import glob
import importlib.util
from dataclasses import dataclass
from pathlib import Path

from stvg_bench.core.errors import InputFileError, OptionError

_BY_ID = ("{videos}/{video}.mp4", "{videos}/{video}.mkv", "{videos}/{video}.webm", "{videos}/{video}")
VIDEO_LAYOUTS: dict[str, tuple[str, ...]] = {
    # VidOR: video/<group>/<vid>.mp4 (also accepted: --videos pointing at video/, or a flat folder)
    "vidstg": ("{videos}/video/*/{video}.mp4", "{videos}/*/{video}.mp4", *_BY_ID),
    # HC-STVG: the annotation names the file ("<name>.mp4")
    "hcstvg-v1": ("{videos}/{video}", "{videos}/*/{video}", "{videos}/{stem}"),
    "hcstvg-v2": ("{videos}/{video}", "{videos}/*/{video}", "{videos}/{stem}"),
    "groundingyoutube": _BY_ID,
    # YouCook2 raw videos: raw_videos/<split>/<recipe type>/<id>.<ext>, or flat
    "youcook2-interactions": (*_BY_ID, "{videos}/*/*/{video}.*"),
    "synthetic": _BY_ID,
}

# Decoders for video files, in the order "auto" tries them: (module that must import, reader).
DECODERS: dict[str, tuple[str, str]] = {
    "pyav": ("av", "baselines.video.pyav_reader:PyAVReader"),
    "opencv": ("cv2", "baselines.video.opencv_reader:OpenCVReader"),
}


def choose_decoder(name: str) -> str:
    """``auto`` -> the first installed decoder; a named one must be installed."""
    if name != "auto" and name not in DECODERS:
        raise OptionError(f"--decoder must be auto, {', '.join(DECODERS)}; got {name!r}")
    for candidate, (module, _) in DECODERS.items():
        if name in ("auto", candidate) and importlib.util.find_spec(module) is not None:
            return candidate
    if name == "auto":
        raise OptionError("no video decoder is installed: pip install av (or opencv-python-headless)")
    raise OptionError(f"the {name} decoder is not installed (pip install {DECODERS[name][0]})")


@dataclass(frozen=True)
class VideoSource:
    """How to find and open the videos of one dataset (picklable: it travels to Ray actors).

    ``frames_fps``: frame rate of frame folders of action datasets (tube datasets use the annotation's).
    """

    videos: str
    templates: tuple[str, ...]
    decoder: str
    frames_fps: float | None = None
    frame_index_base: int = 0

    def resolve(self, video_id: str) -> Path:
        """The one path the first matching template gives; a missing video is an error naming it."""
        stem = video_id.rsplit(".", 1)[0] if "." in video_id else video_id
        for template in self.templates:
            pattern = template.format(videos=glob.escape(self.videos), video=glob.escape(video_id),
                                      stem=glob.escape(stem))
            matches = sorted(glob.glob(pattern))
            if len(matches) > 1:
                raise InputFileError(f"video {video_id}: {len(matches)} files match {template!r} "
                                     f"({', '.join(matches[:3])}, ...)", path=self.videos)
            if matches:
                return Path(matches[0])
        raise InputFileError(f"video {video_id}: no file matches {' or '.join(self.templates)}", path=self.videos)

    def open(self, video_id: str, fps: float | None):
        """A reader for ``video_id``; ``fps`` is the annotation's frame rate (None for action datasets)."""
        from stvg_bench.core.registry import load_reference

        path = self.resolve(video_id)
        if path.is_dir():
            from .folder_reader import FolderReader

            return FolderReader(path, video_id, fps if fps is not None else self.frames_fps, self.frame_index_base)
        return load_reference(DECODERS[self.decoder][1])(path, video_id)

    @property
    def backend(self) -> str:
        return self.decoder


def video_source(dataset: str, videos: str | Path, template: str | None, decoder: str,
                 frames_fps: float | None = None, frame_index_base: int = 0) -> VideoSource:
    """The source of ``dataset``'s videos under ``videos`` (``template`` overrides the official layout)."""
    directory = Path(videos)
    if not directory.is_dir():
        raise InputFileError("video directory not found", path=directory)
    if template is not None:
        if "{video}" not in template and "{stem}" not in template:
            raise OptionError(f"--video-template must contain {{video}} or {{stem}}, got {template!r}")
        try:
            template.format(videos="", video="", stem="")
        except (KeyError, IndexError, ValueError):
            raise OptionError(f"--video-template may use {{videos}}, {{video}} and {{stem}} only, got {template!r}"
                              ) from None
        templates = (template,)
    else:
        templates = VIDEO_LAYOUTS.get(dataset, ("{videos}/{video}",) + _BY_ID)
    return VideoSource(str(directory), templates, choose_decoder(decoder), frames_fps, frame_index_base)
