"""``tasks``, ``formats``, ``protocols`` (and the listing of ``datasets``): the registries, listed.

Listing reads what each entry was registered with; nothing behind a lazy
entry is imported (protocols are small data and are listed in full). Each
entry is a block: its name alone on a line (never wrapped or cut, whatever the
terminal's width or when piped), then its details, wrapped to the width.
"""

from __future__ import annotations

import json
import shutil
import textwrap


def print_entries(title: str, entries) -> None:
    """Print ``(name, [(label, value), ...])`` entries under ``title``."""
    width = max(shutil.get_terminal_size((100, 24)).columns, 40)
    print(title)
    for name, details in entries:
        print(f"\n{name}")
        for label, value in details:
            text = f"{label}: {value}" if label else value
            print(textwrap.fill(text, width, initial_indent="    ", subsequent_indent="      ",
                                break_on_hyphens=False))


def add_commands(commands) -> None:
    tasks = commands.add_parser("tasks", help="list the tasks (and the datasets and protocols each scores)")
    tasks.add_argument("--schema", metavar="TASK", help="print the JSON Schema of a task's results file instead")
    tasks.set_defaults(handler=run_tasks)
    formats = commands.add_parser("formats", help="list the prediction formats")
    formats.set_defaults(handler=run_formats)
    protocols = commands.add_parser("protocols", help="list the protocols with every field")
    protocols.set_defaults(handler=run_protocols)


def run_tasks(args) -> int:
    from ..registries import DATASETS, TASKS

    if args.schema:
        from ..results.schema import result_schema

        task = TASKS.get(args.schema)
        options = task.parse_options({})
        print(json.dumps(result_schema(task.name, task.fields(task.protocol(None, options), options)), indent=2))
        return 0
    entries = []
    for name, info in TASKS.items():
        datasets = [d for d, dataset in DATASETS.items() if name in dataset.tasks]
        entries.append((name, [("", info.description), ("--task", info.option), ("datasets", ", ".join(datasets)),
                               ("protocols", f"{', '.join(info.protocols)} (default {info.default_protocol})")]))
    print_entries("stvg-bench tasks", entries)
    return 0


def run_formats(args) -> int:
    from ..registries import FORMATS

    print_entries("stvg-bench prediction formats", [
        (name, [("", info.description), ("families", ", ".join(info.families)),
                ("use", "read and write" if info.writes else "read only")])
        for name, info in FORMATS.items()])
    return 0


def run_protocols(args) -> int:
    from ..registries import PROTOCOLS

    entries = []
    for name, protocol in PROTOCOLS.items():
        fields = protocol.to_dict()
        rules = ", ".join(f"{k}={fields[k]}" for k in protocol.behaviour_fields())
        entries.append((name, [("", protocol.description), ("family", protocol.family),
                               ("version", protocol.version), ("reproduces", protocol.reproduces or "-"),
                               ("fields", rules)]))
    print_entries("stvg-bench protocols", entries)
    return 0
