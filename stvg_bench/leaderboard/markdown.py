"""``leaderboards/README.md``: the boards as Markdown tables, and how to submit."""

from __future__ import annotations

from . import plots

SUPERVISION_ORDER = ("fully", "weakly", "self", "zero-shot", "prior", "oracle", "human")


def _cell(value: float | None) -> str:
    return "" if value is None else f"{value:.2f}"


def _with_ci(score: dict | None) -> str:
    if score is None:
        return "—"
    if score["ci95"] is None:
        return _cell(score["value"])
    lo, hi = score["ci95"]
    return f"{score['value']:.2f} [{lo:.2f}, {hi:.2f}]"


def _rank(row: dict, protocol: str) -> str:
    placement = row["rank"].get(protocol)
    if placement is None:
        return "—"
    return f"={placement['rank']}" if placement["tied"] else str(placement["rank"])


def _link(text: str, url: str | None) -> str:
    return f"[{text}]({url})" if url else text


def _escape(text: str) -> str:
    return text.replace("|", "\\|")


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(_escape(c) for c in row) + " |" for row in rows]
    return lines


def _paper(row: dict) -> str:
    paper = row["paper"]
    label = f"{paper['venue']} {paper['year']}"
    return _link(label, paper.get("link"))


def _scored_section(board: dict) -> list[str]:
    rows = [r for r in board["rows"] if r["kind"] != "reported"]
    if not rows:
        return []
    protocols = board["protocols"]
    metric = next((p["rank_metric"] for p in protocols if p["default"]), None)
    out = ["", f"### Re-scored (95% bootstrap CIs; ranked by {metric or '-'} over all queries)", ""]
    header = ["rank", "method", "supervision"] + [f"{p['name']} v{p['version']}" for p in protocols]
    table = []
    for row in rows:
        default = next(p["name"] for p in protocols if p["default"])
        cells = [_rank(row, default), row["method"], row["supervision"]]
        for protocol in protocols:
            scores = row["scores"].get(protocol["name"], {})
            name = protocol["rank_metric"] or next(iter(scores.get("metrics", {}).get("all", {})), None)
            cells.append(_with_ci(scores.get("metrics", {}).get("all", {}).get(name)))
        table.append(cells)
    out += _table(header, table)
    legend = "`=k`: a tie group (the paired test cannot separate the row from its group's anchor)"
    reasons = sorted({r["unranked"] for r in rows if r["unranked"]})
    out += ["", legend + (f"; `—`: not ranked ({'; '.join(reasons)})." if reasons else ".")]
    for protocol in protocols:
        out += ["", f"Every metric and query type under `{protocol['name']}`:", ""]
        groups = [g for g in board["groups"] if any(g in r["scores"].get(protocol["name"], {}).get("metrics", {})
                                                     for r in rows)]
        names = [m["name"] for m in board["metrics"]
                 if any(m["name"] in r["scores"].get(protocol["name"], {}).get("metrics", {}).get(g, {})
                        for r in rows for g in groups)]
        header = ["method"] + [f"{n} ({g})" for g in groups for n in names]
        table = [[row["method"]] + [_with_ci(row["scores"].get(protocol["name"], {}).get("metrics", {}).get(g, {})
                                             .get(n)) for g in groups for n in names] for row in rows]
        out += _table(header, table)
    unavailable = {k: v for r in rows for s in r["scores"].values() for k, v in s["unavailable"].items()}
    if unavailable:
        reasons = sorted(set(unavailable.values()))
        out += ["", f"Not computed: {', '.join(sorted(unavailable))} — {'; '.join(reasons)}."]
    return out


def _reported_section(board: dict) -> list[str]:
    rows = [r for r in board["rows"] if r["reported"]["blocks"]]
    if not rows:
        return []
    columns = [(g, m["name"], m["label"]) for g in board["groups"] for m in board["metrics"]
               if any(m["name"] in r["reported"]["cells"].get(g, {}) for r in rows)]
    multi = len({g for g, _, _ in columns}) > 1
    header = ["method", "supervision", "year"] + [f"{label} ({g})" if multi else label for g, _, label in columns]
    header += ["source", "flags"]
    table = []
    for row in rows:
        cells = row["reported"]["cells"]
        values = []
        for group, name, _ in columns:
            cell = cells.get(group, {}).get(name)
            values.append("" if cell is None else cell["printed"] + (" ⚠" if cell["flagged"] else ""))
        sources = sorted({f"{b['source']} {b['table']}" for b in row["reported"]["blocks"]})
        table.append([row["method"], row["supervision"], str(row["year"]), *values, "; ".join(sources),
                      "; ".join(row["flags"])])
    out = ["", "### Reported (printed values in %, copied from the papers; not re-scored, so no CI and no rank)", ""]
    out += _table(header, table)
    comparisons = [(r, p, c) for r in board["rows"] for p, cs in r["comparisons"].items() for c in cs]
    if comparisons:
        out += ["", "Reported minus reproduced (⚠: the printed value lies outside the re-scored 95% CI):", ""]
        out += _table(["method", "protocol", "source", "query type", "metric", "reported", "reproduced", "delta"],
                      [[r["method"], p, f"{c['source']} {c['table']}", c["group"], c["metric"], _cell(c["reported"]),
                        _with_ci({"value": c["reproduced"], "ci95": c["ci95"]}),
                        f"{c['delta']:+.2f}" + (" ⚠" if c["outside_ci"] else "")] for r, p, c in comparisons])
    return out


def _board(board: dict) -> list[str]:
    protocols = ", ".join(f"`{p['name']}`" + (" (default)" if p["default"] else "") for p in board["protocols"])
    facts = [f"split `{board['split']}`", f"task `{board['task']}`"]
    facts.append(f"protocols {protocols}" if protocols else "reported numbers only")
    counts = board["counts"]
    facts.append(f"{len(board['rows'])} rows ({counts['ranked']} ranked, {counts['reported']} reported only)")
    out = ["", f"## {board['title']}", "", " · ".join(facts) + " · "
           f"[site](site/index.html#{board['slug']}) · [forest plot](site/{plots.forest_name(board)}) · "
           f"[best by year](site/{plots.by_year_name(board)})"]
    if board["notes"]:
        out += [""] + [f"* {note}" for note in board["notes"]]
    for check in board["consistency_checks"]:
        out.append(f"* Checked: {check} (within 0.01 points); rows that break it are flagged ⚠.")
    return out + _scored_section(board) + _reported_section(board)


HOW_TO_SUBMIT = """## How to submit

1. Write predictions for the board's split in a format stvg-bench reads (`stvg-bench formats`; the canonical
   `stvg-bench` JSON, optionally `.json.gz`). Check them: `stvg-bench validate PRED --dataset D`.
2. Add them: `stvg-bench leaderboard add PRED --dataset D --entry NAME --method "My method" --supervision weakly
   --paper-title ... --paper-venue ... --paper-year ... [--paper-link URL] [--code-url URL --code-commit SHA]
   [--checkpoint-sha256 SHA] [--submitter NAME]`. It validates and scores the file under every protocol, copies it
   to `submissions/D/NAME/` (files up to 16 MiB; larger ones: host them and pass `--url URL`, the build then needs
   `stvg-bench leaderboard fetch`) and writes `entries/D/NAME.toml` with the file's sha256 and size. Entries made by
   a runner pass `--produced-by RUNNER@VERSION --manifest PATH` instead of being self-submitted.
3. Add the numbers your paper prints to the entry's `[[reported]]` blocks (table, split, query type, values exactly
   as printed, in %) and the paper to `[sources]`.
4. Rebuild: `stvg-bench leaderboard build --data DIR` (DIR holds the annotations, by default the datasets fetched
   with `stvg-bench datasets fetch`), and commit the entry, the submission and the regenerated files. CI runs
   `stvg-bench leaderboard check`, which fails when anything committed is stale, an entry is invalid, or a file's
   sha256 differs from its entry.

Submissions are data only (prediction files parsed by the registered formats, never executed) and size-capped.
Every file is re-scored on every build; numbers in a submission are never trusted. Oracle and human rows are shown,
never ranked.
"""


INTRO = ("Every submission re-scored under every protocol, with 95% bootstrap confidence intervals and statistical "
         "ties, beside the numbers each paper prints. Interactive version: [site/index.html](site/index.html) (sort, "
         "filter by supervision, switch protocol and query type); data: [site/leaderboard.json](site/leaderboard.json).")


def render(doc: dict) -> str:
    stats = doc["statistics"]
    out = [
        "# stvg-bench leaderboards",
        "",
        "<!-- Generated by `stvg-bench leaderboard build`; edit the entries, not this file. -->",
        "",
        INTRO,
        "",
        "![The leaderboard page](docs/leaderboard.png)",
        "",
        (f"stvg-bench {doc['stvg_bench_version']} · bootstrap: {stats['n_resamples']} resamples, seed "
         f"{stats['seed']}, {stats['interval']} interval · values in {stats['units']}."),
        "",
        f"* **Ties.** {stats['tie_rule']}",
        f"* **Order.** {stats['order_rule']}",
        f"* **Deltas.** {stats['delta_rule']}",
        f"* **Reproduced-vs-reported** across boards: [plot](site/{plots.SCATTER_NAME}).",
        "",
        "| board | rows | ranked | reported only |",
        "|---|---:|---:|---:|",
    ]
    for board in doc["boards"]:
        counts = board["counts"]
        out.append(f"| [{board['title']}](#{board['slug']}) | {len(board['rows'])} | {counts['ranked']} | "
                   f"{counts['reported']} |")
    for board in doc["boards"]:
        out.append(f'\n<a id="{board["slug"]}"></a>')
        out += _board(board)
    out += ["", HOW_TO_SUBMIT.rstrip()]
    return "\n".join(out) + "\n"
