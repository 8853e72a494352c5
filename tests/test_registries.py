"""Registries: unique names, lazy entries, plugins by entry point, and listings that import no scoring code."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from stvg_bench.core.errors import OptionError
from stvg_bench.core.registry import Registry, RegistryError
from stvg_bench.registries import DATASETS, FORMATS, PROTOCOLS, TASKS

REPO = Path(__file__).resolve().parents[1]


def test_a_name_registered_twice_is_an_error():
    registry = Registry("widget")
    registry.register("a", object(), origin="first")
    with pytest.raises(RegistryError, match="widget 'a' is registered twice \\(by first and by second\\)"):
        registry.register("a", object(), origin="second")
    with pytest.raises(RegistryError, match="is registered twice"):
        DATASETS.register("vidstg", object())


def test_lazy_entries_are_imported_on_first_use_only(tmp_path, monkeypatch):
    (tmp_path / "lazy_widget.py").write_text("WIDGET = 'made'\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    registry = Registry("widget")
    registry.register("w", "lazy_widget:WIDGET", info="a widget")
    assert registry.names() == ["w"] and registry.info("w") == "a widget"
    assert "lazy_widget" not in sys.modules
    assert registry.get("w") == "made" and "lazy_widget" in sys.modules
    registry.register("broken", "lazy_widget:NOPE")
    with pytest.raises(RegistryError, match="cannot load 'lazy_widget:NOPE'"):
        registry.get("broken")
    with pytest.raises(OptionError, match="unknown widget 'x'; choose one of w, broken"):
        registry.get("x")


def test_every_builtin_entry_loads_under_its_own_name():
    for registry in (DATASETS, FORMATS, TASKS):
        for name in registry.names():
            assert registry.get(name).name == name
    for name, info in TASKS.items():
        assert all(p in PROTOCOLS for p in info.protocols) and info.default_protocol in info.protocols
    for name, info in DATASETS.items():
        assert info.default_split in info.splits
        assert all(TASKS.info(t).family == info.family for t in info.tasks)
    assert {PROTOCOLS.get(n).name for n in PROTOCOLS.names()} == set(PROTOCOLS.names())


def run(code: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO,
                          env={**os.environ, **(env or {})})


def write_plugin(directory: Path, body: str) -> dict:
    """A distribution on ``directory`` whose ``stvg_bench.plugins`` entry point runs ``body``."""
    (directory / "my_stvg_plugin.py").write_text(textwrap.dedent(body))
    info = directory / "my_stvg_plugin-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: my-stvg-plugin\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text("[stvg_bench.plugins]\nmine = my_stvg_plugin:register\n")
    return {"PYTHONPATH": f"{directory}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}


def test_a_plugin_adds_a_dataset_and_a_format(tmp_path):
    env = write_plugin(tmp_path, """
        def register(registries):
            info = registries.DatasetInfo(description="a plugin dataset", family="tubes",
                                          tasks=("tube-grounding",), splits=("test",), default_split="test",
                                          query_types=(), layouts=("none",))
            registries.DATASETS.register("plugin-set", "my_stvg_plugin:ADAPTER", info, origin="my-stvg-plugin")
            registries.FORMATS.register("plugin-format", "my_stvg_plugin:FORMAT",
                                        registries.FormatInfo("a plugin format", ("tubes",)), origin="my-stvg-plugin")
        """)
    listing = run("from stvg_bench.cli import main; main(['datasets']); main(['formats'])", env)
    assert listing.returncode == 0, listing.stderr
    assert "\nplugin-set\n    a plugin dataset" in listing.stdout
    assert "\nplugin-format\n    a plugin format" in listing.stdout
    origin = run("from stvg_bench.registries import DATASETS; print(DATASETS.origin('plugin-set'))", env)
    assert origin.stdout.strip() == "my-stvg-plugin"


def test_a_plugin_that_takes_a_builtin_name_is_one_error_line(tmp_path):
    env = write_plugin(tmp_path, """
        def register(registries):
            registries.DATASETS.register("vidstg", object(), origin="my-stvg-plugin")
        """)
    listing = run("import sys; from stvg_bench.cli import main; sys.exit(main(['datasets']))", env)
    assert listing.returncode == 2
    assert listing.stderr == ("stvg-bench: error: dataset 'vidstg' is registered twice "
                              "(by stvg-bench and by my-stvg-plugin)\n")


HEAVY = ("torch", "pandas", "jsonschema", "pyarrow", "label_studio_sdk", "matplotlib")
SCORING = ("stvg_bench.metrics", "stvg_bench.tasks", "stvg_bench.datasets.vidstg", "stvg_bench.formats.canonical")


@pytest.mark.parametrize("command", [None, ["--help"], ["datasets"], ["tasks"], ["formats"], ["protocols"],
                                     ["score", "--help"], ["cache", "list"], ["cache", "clear", "--help"]])
def test_help_and_listings_import_no_scoring_code(command):
    call = "" if command is None else f"main({command!r})"
    probe = run(f"""
import sys
from stvg_bench.cli import main
try:
    {call or 'pass'}
except SystemExit:
    pass
print(json.dumps(sorted(sys.modules)))
""".replace("import sys", "import json, sys", 1))
    assert probe.returncode == 0, probe.stderr
    modules = json.loads(probe.stdout.strip().splitlines()[-1])
    loaded = [m for m in modules if m.split(".")[0] in HEAVY or m.startswith(SCORING)]
    assert loaded == [], f"stvg-bench {command} imported {loaded}"
