"""The help agrees with the registries and the README (issue 8, item 8)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from stvg_bench.cli import build_parser
from stvg_bench.registries import DATASETS, FORMATS

README = (Path(__file__).resolve().parents[1] / "README.md").read_text()


def every_parser(parser=None, prefix=()):
    """``(command words, parser)`` for the top-level parser and every sub-command, recursively."""
    parser = parser or build_parser()
    yield prefix, parser
    for action in parser._actions:  # argparse keeps sub-parsers only here
        if action.__class__.__name__ == "_SubParsersAction":
            for name, sub in action.choices.items():
                yield from every_parser(sub, (*prefix, name))


def help_of(*words: str) -> str:
    return dict(every_parser())[tuple(words)].format_help()


def test_no_raw_markup_in_any_help():
    for words, parser in every_parser():
        text = parser.format_help()
        assert not re.search(r"`|\*\*|\[/?(?:dim|yellow|bold)\]|%%", text), (words, text)


def test_each_datasets_default_split_is_in_the_help_and_the_readme():
    text = " ".join(help_of("score").split())
    for name, info in DATASETS.items():
        if name == "synthetic":
            continue
        sentence = re.search(rf"{info.default_split} for ([^;)]*)", text)
        assert sentence and name in sentence.group(1), (name, info.default_split, text)
        readme_names = {"vidstg": "VidSTG", "hcstvg-v1": "HC-STVG v1", "hcstvg-v2": "HC-STVG v2",
                        "groundingyoutube": "GroundingYouTube", "youcook2-interactions": "YouCook2-Interactions"}
        assert re.search(rf"{re.escape(readme_names[name])}[^`]*`{info.default_split}`", " ".join(README.split()))


def test_convert_lists_every_format_it_accepts():
    text = " ".join(help_of("convert").split("options:")[1].split())  # the option list, not the usage line
    writable = [name for name, info in FORMATS.items() if info.writes]
    readable = list(FORMATS.names())
    to_help = re.search(r"--to TO_FORMAT (.*?)(?: --|$)", text).group(1)
    from_help = re.search(r"--from FROM_FORMAT (.*?)(?: --|$)", text).group(1)
    for name in writable:
        assert name in to_help and name in README, name
    for name in readable:
        assert name in from_help, name
    assert not any(name in to_help for name in readable if name not in writable)


@pytest.mark.parametrize("command", ["score", "compare", "validate", "convert"])
def test_max_input_mb_default_is_stated(command):
    assert "default 4096" in " ".join(help_of(command).split())
