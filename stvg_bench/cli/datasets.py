"""``datasets``: list the adapters, fetch pinned annotation files, check a release."""

from __future__ import annotations


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
    check = sub.add_parser("check", help="data-quality summary of an annotation release (defects are counted, "
                           "never fixed silently)")
    check.add_argument("name")
    check.add_argument("--annotations", help="annotation file or directory")
    check.add_argument("--split", help="split (default: the evaluation split)")
    check.add_argument("--vidor-dir")
    check.add_argument("--segments", choices=("ground_seg", "seg"))
    check.add_argument("--box-policy")
    check.add_argument("--durations")
    check.add_argument("--no-cache", action="store_true")
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
    from .options import dataset_from

    args.dataset = args.name
    dataset = dataset_from(args)
    defects = dict(dataset.gt.defects)
    policy = getattr(dataset.gt, "policy", None)
    table = Table(title=f"{dataset.name} {dataset.split}: data quality" + (f" (box policy {policy})" if policy else ""),
                  title_justify="left")
    table.add_column("check")
    table.add_column("count", justify="right")
    for name, count in defects.items():
        table.add_row(name.replace("_", " "), str(count))
    console().print(table)
    if args.out:
        atomic.write_bytes(args.out, dumps_pretty({"dataset": dataset.name, "split": dataset.split,
                                                  "box_policy": policy, "inputs": dataset.inputs,
                                                  "checks": defects}))
    return 0
