"""Talking to a Label Studio server through label-studio-sdk 2.x.

Projects are found by id (:mod:`annotation.job` records which one a job
owns), tasks by the ``key`` in their data (so importing twice adds nothing),
and annotations are pulled through the tasks API: with label-studio 1.23.2 the
export endpoint fails on multi-image tasks (its converter removes the COCO
format twice), while the tasks API returns the same task-with-annotations
records for every labeling config, with who saved each annotation
(``updated_by``). A server that refuses connections is retried for a few
seconds (a restart), then reported as one error.
"""

from __future__ import annotations

import json
import time
from importlib import resources
from pathlib import Path

from .extra import require
from .server import ServerError

CONFIGS = {"single": "centre_point.xml", "pages": "centre_point_pages.xml", "review": "review.xml"}
IMPORT_BATCH = 500
RETRY_SECONDS = 8.0


def label_config(kind: str) -> str:
    """The labeling config shipped with the package (``single``, ``pages`` or ``review``)."""
    return resources.files("annotation").joinpath("configs", CONFIGS[kind]).read_text()


class Workspace:
    """A Label Studio server reached with an API token."""

    def __init__(self, url: str, token: str, retry_seconds: float | None = None) -> None:
        sdk = require("label_studio_sdk")
        httpx = require("httpx")
        self.url = url
        self.client = sdk.LabelStudio(base_url=url, api_key=token)
        self.retry_seconds = RETRY_SECONDS if retry_seconds is None else retry_seconds
        self._refused = httpx.ConnectError
        self._errors = (require("label_studio_sdk.core.api_error").ApiError, httpx.HTTPError, OSError)

    def _call(self, what: str, function, *args, **kwargs):
        deadline = time.monotonic() + self.retry_seconds
        pause = 0.25
        while True:
            try:
                return function(*args, **kwargs)
            except self._refused as exc:
                # Nothing was sent: retrying is safe for every call, while a server restarts.
                if time.monotonic() + pause > deadline:
                    raise ServerError(f"Label Studio at {self.url}: {what} failed (no server answers: {exc}; "
                                      f"retried for {self.retry_seconds:.0f} s)") from None
                time.sleep(pause)
                pause = min(2 * pause, 2.0)
            except self._errors as exc:
                status, body = getattr(exc, "status_code", None), getattr(exc, "body", None)
                detail = f"HTTP {status}: {json.dumps(body)[:300]}" if status is not None else str(exc)[:300]
                raise ServerError(f"Label Studio at {self.url}: {what} failed ({detail})") from None

    def me(self) -> int:
        """The id of the account the token belongs to."""
        return self._call("asking who the token belongs to", self.client.users.whoami).id

    def project(self, project_id: int, what: str | None = None):
        return self._call(f"getting {what or f'project {project_id}'}", self.client.projects.get, project_id)

    def projects_titled(self, title: str) -> list:
        return [p for p in self._call("listing projects", self.client.projects.list) if p.title == title]

    def create_project(self, title: str, config: str):
        """A new project called ``title`` with ``config`` (validated by the server)."""
        return self._call(f"creating project {title!r}", self.client.projects.create, title=title,
                          label_config=config)

    def local_storage(self, project_id: int, path: Path, title: str) -> None:
        """Register ``path`` (under the document root) as the project's local-files storage, once."""
        storages = self._call("listing storages", self.client.import_storage.local.list, project=project_id)
        if any(Path(s.path) == Path(path) for s in storages):
            return
        self._call("adding local storage", self.client.import_storage.local.create,
                   project=project_id, path=str(path), title=title)

    def tasks(self, project_id: int) -> list[dict]:
        """Every task with its annotations, as plain dicts (the full JSON export's records)."""
        pager = self._call("listing tasks", self.client.tasks.list, project=project_id, fields="all")
        return self._call("listing tasks", lambda: [task.model_dump(mode="json") for task in pager])

    def import_tasks(self, project_id: int, tasks: list[dict]) -> int:
        """Import the tasks whose ``key`` the project does not have yet; return how many."""
        existing = {t["data"].get("key") for t in self.tasks(project_id)}
        new = [t for t in tasks if t["data"]["key"] not in existing]
        for first in range(0, len(new), IMPORT_BATCH):
            self._call("importing tasks", self.client.projects.import_tasks, project_id,
                       request=new[first : first + IMPORT_BATCH], return_task_ids=True)
        return len(new)

    def users(self) -> dict[int, str]:
        """The organisation's accounts, id -> email (Community Edition gives each of them every project)."""
        return {u.id: u.email for u in self._call("listing users", self.client.users.list)}

    def annotate(self, task_id: int, result: list[dict], user_id: int | None = None,
                 lead_time: float | None = None) -> int:
        """Post one annotation, in the token's name or (an administrator's token) in ``user_id``'s.

        For scripts and tests: annotators use the web interface."""
        given = {k: v for k, v in (("completed_by", user_id), ("lead_time", lead_time)) if v is not None}
        annotation = self._call("posting an annotation", self.client.annotations.create, id=task_id,
                                result=result, **given)
        return annotation.id
