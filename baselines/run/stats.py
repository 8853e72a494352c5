"""Per-stage time and frame counts of one session of a run (what the manifest reports)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class StageTimes:
    """Seconds per stage: ``decode`` (busy time of the decode workers, summed), ``wait`` (the model
    waiting for decoded frames), ``predict``, ``write`` (shards); ``startup`` (executor start)."""

    samples: int = 0
    frames: int = 0
    seconds: dict[str, float] = field(default_factory=lambda: dict.fromkeys(
        ("startup", "decode", "wait", "predict", "write"), 0.0))

    def add(self, stage: str, seconds: float) -> None:
        self.seconds[stage] = self.seconds.get(stage, 0.0) + seconds

    def report(self, wall_seconds: float) -> dict:
        def rate(count: float, seconds: float) -> float | None:
            return round(count / seconds, 3) if seconds > 0 else None

        return {
            "samples": self.samples,
            "frames": self.frames,
            "wall_seconds": round(wall_seconds, 4),
            "stage_seconds": {stage: round(value, 4) for stage, value in self.seconds.items()},
            "samples_per_second": rate(self.samples, wall_seconds),
            "frames_per_second": rate(self.frames, wall_seconds),
            "decode_frames_per_second": rate(self.frames, self.seconds["decode"]),
            "predict_frames_per_second": rate(self.frames, self.seconds["predict"]),
        }
