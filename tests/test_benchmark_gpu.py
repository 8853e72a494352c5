"""The GPU benchmark runs end to end on the CPU with the tests' tiny configs, so that it cannot rot.

Its figures are speeds (read in the README, never asserted); this pins what it prints: one row per
architecture, precision and batch size, with both rates and their ratio.
"""

from __future__ import annotations

import re

import pytest

pytest.importorskip("torch")
pytest.importorskip("transformers")


def test_tiny_run_prints_one_row_per_architecture_precision_and_batch(tmp_path, monkeypatch, capsys):
    from benchmarks import baselines_gpu

    monkeypatch.setattr(baselines_gpu, "BUILD", tmp_path)
    monkeypatch.setenv("STVG_BENCH_CACHE", str(tmp_path / "cache"))
    code = baselines_gpu.main(["--tiny", "--batch-sizes", "1,2", "--precisions", "fp32", "--videos", "1",
                               "--seconds", "2", "--calls", "1", "--width", "64", "--height", "48"])
    assert code == 0
    rows = [line for line in capsys.readouterr().out.splitlines() if re.match(r"\| [a-z]", line)]
    assert [row.split(" | ")[:4] for row in rows[1:]] == [
        [f"| {name}", runner, "fp32", batch] for name, runner in (
            ("grounding-dino-swin-t", "gdino-tube"), ("owlv2-base-patch16", "owlv2-tube"),
            ("clip-vit-b16", "clip-heatmap")) for batch in ("1", "2")]
    for row in rows[1:]:
        model, whole, ratio, memory = row.strip(" |").split(" | ")[4:]
        assert float(model) > 0 and float(whole) > 0 and memory == "-"
        assert float(ratio) == pytest.approx(float(whole) / float(model), abs=0.01 + 0.01 * float(ratio))


def test_unknown_architecture_is_an_option_error(capsys):
    from benchmarks import baselines_gpu

    with pytest.raises(SystemExit) as stop:
        baselines_gpu.main(["--architectures", "resnet"])
    assert stop.value.code == 2
    assert "unknown architectures ['resnet']" in capsys.readouterr().err
