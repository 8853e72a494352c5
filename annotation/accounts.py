"""Annotator accounts, each with its own password, on a server started here.

Passwords never appear on a command line: ``--password-env VAR`` names the
variable that holds one (for one account only: a password shared by several
accounts lets each log in as the others), and without it a password is
generated for each new account and written to a 0600 file. They reach Label
Studio on the stdin of ``inside_label_studio/stvg_bench_accounts``, which
writes the accounts straight to its database (its API ignores passwords).
An account that exists keeps its password, unless ``--password-env`` gives
it a new one.
"""

from __future__ import annotations

import csv
import io
import os
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from stvg_bench.core import atomic
from stvg_bench.core.errors import InputFileError, OptionError

from . import server

PASSWORDS_FOLDER = "passwords"


@dataclass(frozen=True)
class Account:
    """An annotator account after ``add``: its id, whether it is new, whether its password was set."""

    email: str
    user_id: int
    created: bool
    password_set: bool


def default_passwords_file(data_dir: Path) -> Path:
    """``<data dir>/passwords/<UTC time>.csv``: private like the rest of the data directory."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S.%fZ")
    return Path(data_dir).resolve() / PASSWORDS_FOLDER / f"{stamp}.csv"


def _check_emails(emails: list[str]) -> None:
    for email in emails:
        if "@" not in email or any(c.isspace() for c in email):
            raise OptionError(f"not an email address: {email!r}")
    repeated = sorted({e for e in emails if emails.count(e) > 1})
    if repeated:
        raise OptionError(f"listed twice: {', '.join(repeated)}")


def add(data_dir: Path, emails: list[str], password: str | None = None, passwords_file: Path | None = None,
        command: str | None = None) -> tuple[list[Account], Path | None]:
    """Create the accounts ``emails`` lacks; returns them and the file the generated passwords went to.

    ``password``: the one account's password (set even if the account exists). Without it each new
    account gets a generated password, written to ``passwords_file`` (0600, never over an existing file)."""
    _check_emails(emails)
    if server.read_state(data_dir) is None:
        raise InputFileError("no server was initialised for this data directory", path=data_dir)
    if password is not None:
        if len(emails) != 1:
            raise OptionError(f"one password for {len(emails)} accounts would let each log in as the others: "
                              "give --password-env for one account at a time, or none to generate one each")
        answer = server.run_inside(data_dir, "stvg_bench_accounts",
                                   [{"email": emails[0], "password": password, "replace": True}], command)
        return _accounts(answer), None
    path = Path(passwords_file) if passwords_file is not None else default_passwords_file(data_dir)
    generated = {email: secrets.token_urlsafe(15) for email in emails}
    _reserve(path)
    try:
        requests = [{"email": e, "password": p, "replace": False} for e, p in generated.items()]
        answer = server.run_inside(data_dir, "stvg_bench_accounts", requests, command)
        accounts = _accounts(answer)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    table = io.StringIO()
    writer = csv.writer(table)
    writer.writerow(["email", "password"])
    writer.writerows((a.email, generated[a.email]) for a in accounts if a.password_set)
    atomic.write_bytes(path, table.getvalue().encode(), mode=0o600)
    return accounts, path


def _reserve(path: Path) -> None:
    """Create ``path`` empty and private, refusing one that exists: passwords are never written over."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        raise OptionError(f"{path} exists: passwords are never written over a file; choose another "
                          "--passwords-file") from None


def _accounts(answer: dict) -> list[Account]:
    if "refused" in answer:
        raise OptionError(answer["refused"])
    return [Account(a["email"], a["id"], a["created"], a["password_set"]) for a in answer["accounts"]]
