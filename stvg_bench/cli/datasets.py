"""``datasets``: list the adapters, fetch pinned annotation files, check a release."""

from __future__ import annotations

from .options import add_annotation_options


def add_commands(commands) -> None:
    datasets = commands.add_parser(
        "datasets",
        help="list datasets; fetch their annotations",
        description="List the registered datasets, or fetch pinned annotation files.",
    )
    datasets.set_defaults(handler=run_list)
    sub = datasets.add_subparsers(dest="datasets_command", parser_class=type(datasets))
    listing = sub.add_parser("list", help="list datasets (the default)")
    listing.set_defaults(handler=run_list)
    fetch = sub.add_parser("fetch", help="fetch the official annotation files (pinned URLs and sha256)")
    fetch.add_argument("name")
    fetch.add_argument("--from", dest="mirror", help="copy from this local directory instead of downloading")
    fetch.add_argument(
        "--cache-dir", help="store under this directory (default: $STVG_BENCH_CACHE or ~/.cache/stvg-bench)"
    )
    fetch.set_defaults(handler=run_fetch)
    check = sub.add_parser("check", help="summary and data-quality checks of an annotation release (defects are "
                           "counted, never fixed silently)")
    check.add_argument("name", help="a registered dataset")
    add_annotation_options(check)
    check.add_argument("--out", help="also write the summary as JSON")
    check.set_defaults(handler=run_check)


def run_list(args) -> int:
    from ..registries import DATASETS, TASKS
    from .listing import print_entries

    entries = []
    for name, info in DATASETS.items():
        tasks = {t: TASKS.info(t) for t in info.tasks}
        protocols = dict.fromkeys(p for task in tasks.values() for p in task.protocols)
        entries.append((name, [
            ("", info.description),
            ("splits", f"{', '.join(info.splits)} (default {info.default_split})"),
            ("query types", ", ".join(info.query_types) or "-"),
            ("tasks (--task)", ", ".join(f"{t} ({task.option})" for t, task in tasks.items())),
            ("protocols", ", ".join(protocols)),
            ("layouts", "; ".join(info.layouts)),
        ]))
    print_entries("stvg-bench datasets", entries)
    return 0


def run_fetch(args) -> int:
    from ..datasets.fetch import fetch

    for path in fetch(args.name, args.mirror, args.cache_dir):
        print(path)
    return 0


def run_check(args) -> int:
    from rich.table import Table

    from ..core import atomic
    from ..core.jsonio import dumps_pretty
    from ..results.report import console
    from .options import annotation_inputs, dataset_from
    from .outputs import Output, check_outputs

    check_outputs(annotation_inputs(args), [Output("--out", args.out)])
    args.dataset = args.name
    dataset = dataset_from(args)
    summary = dataset.summary()
    defects = dict(dataset.gt.defects)
    out = console()
    table = Table(title=f"{dataset.name} {dataset.split}", title_justify="left")
    table.add_column("")
    table.add_column("", justify="right")
    for label, value in summary.items():
        if isinstance(value, dict):
            value = ", ".join(f"{k} {v:,}" for k, v in value.items())
        table.add_row(label, f"{value:,}" if isinstance(value, int) else str(value))
    table.show_header = False
    out.print(table)
    checks = Table(title="ground-truth defects (docs/METRICS.md §8)", title_justify="left")
    checks.add_column("check")
    checks.add_column("count", justify="right")
    for name, count in defects.items():
        checks.add_row(name.replace("_", " "), f"{count:,}")
    out.print(checks if defects else "no ground-truth defect found")
    if args.out:
        atomic.write_bytes(args.out, dumps_pretty({"dataset": dataset.name, "split": dataset.split,
                                                  "inputs": dataset.inputs, "summary": summary,
                                                  "checks": defects}))
    return 0
