"""Which annotations vote, and which are excluded from the vote (and why).

Label Studio Community Edition has no roles and takes an annotation's author
(``completed_by``) from the request: on a server without the guard any account
can post annotations in other people's names, and edit or delete theirs.
Before a snapshot is parsed, every annotation that was not skipped is checked
against what the server itself records:

* the account that saved it (``updated_by``; and ``last_created_by``, the
  author of its last history item, where the server keeps one) must be the
  account it names as its author;
* that author must be an account of the server's organisation (when the
  accounts are known: ``pull``, not the offline ``parse``);
* of one annotator's annotations on one task (a task holds each frame once)
  only the one saved last counts.

Excluded annotations do not vote; each is reported with its task, its id, the
author it claims and the account the server records.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Exclusion:
    """An annotation left out of the vote."""

    task_id: int
    annotation_id: int
    claimed_author: str
    recorded_author: str
    reason: str


def _user_id(value) -> int | None:
    if isinstance(value, dict):
        value = value.get("id")
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _saved_last(annotation: dict) -> tuple[str, int]:
    return str(annotation.get("updated_at") or ""), annotation.get("id") or 0


def counted(tasks: list, members: dict[int, str] | None) -> tuple[list, list[Exclusion]]:
    """``tasks`` with only the annotations that vote, and the excluded ones.

    ``members``: the organisation's accounts (id -> email), or None when unknown. Entries that are not
    well-formed tasks or annotations are left in place for the parser to refuse."""
    names = members or {}

    def name(user_id: int | None) -> str:
        return "nobody recorded" if user_id is None else names.get(user_id, f"user {user_id}")

    kept_tasks, excluded = [], []
    for task in tasks:
        if not isinstance(task, dict) or not isinstance(task.get("annotations"), list):
            kept_tasks.append(task)
            continue
        task_id = task.get("id")
        latest: dict[int, dict] = {}  # author -> their annotation saved last
        for annotation in task["annotations"]:
            if not isinstance(annotation, dict) or annotation.get("was_cancelled"):
                continue
            claimed = _user_id(annotation.get("completed_by"))
            saved_by = _user_id(annotation.get("updated_by"))
            history = _user_id(annotation.get("last_created_by"))
            reason, recorded = None, saved_by
            if saved_by is None:
                reason = "the server records no account that saved it"
            elif saved_by != claimed or (history is not None and history != claimed):
                reason, recorded = "saved by another account than the author it names", (
                    saved_by if saved_by != claimed else history)
            elif members is not None and claimed not in members:
                reason = "its author is not an account of the organisation"
            elif claimed in latest:
                older, newer = sorted([latest[claimed], annotation], key=_saved_last)
                latest[claimed] = newer
                annotation = older
                reason = f"a later answer of the same annotator counts (annotation {newer.get('id')})"
            else:
                latest[claimed] = annotation
            if reason is not None:
                excluded.append(Exclusion(task_id, annotation.get("id"), name(claimed), name(recorded),
                                          reason))
        votes = {id(a) for a in latest.values()}
        kept = [a for a in task["annotations"]
                if id(a) in votes or not isinstance(a, dict) or a.get("was_cancelled")]
        kept_tasks.append({**task, "annotations": kept})
    return kept_tasks, excluded
