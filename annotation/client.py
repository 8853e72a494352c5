"""Talking to a Label Studio server through label-studio-sdk 2.x.

Projects are found by title (so ``push`` is idempotent), tasks by the
``key`` in their data (so importing twice adds nothing), and annotations are
pulled through the tasks API: with label-studio 1.23.2 the export endpoint
fails on multi-image tasks (its converter removes the COCO format twice), while
the tasks API returns the same task-with-annotations records for every
labeling config.
"""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

from .extra import require
from .server import ServerError

CONFIGS = {"single": "centre_point.xml", "pages": "centre_point_pages.xml", "review": "review.xml"}
IMPORT_BATCH = 500


def label_config(kind: str) -> str:
    """The labeling config shipped with the package (``single``, ``pages`` or ``review``)."""
    return resources.files("annotation").joinpath("configs", CONFIGS[kind]).read_text()


class Workspace:
    """A Label Studio server reached with an API token."""

    def __init__(self, url: str, token: str) -> None:
        sdk = require("label_studio_sdk")
        self.url = url
        self.client = sdk.LabelStudio(base_url=url, api_key=token)
        self._errors = (require("label_studio_sdk.core.api_error").ApiError, OSError)

    def _call(self, what: str, function, *args, **kwargs):
        try:
            return function(*args, **kwargs)
        except self._errors as exc:
            status, body = getattr(exc, "status_code", None), getattr(exc, "body", None)
            detail = f"HTTP {status}: {json.dumps(body)[:300]}" if status is not None else str(exc)[:300]
            raise ServerError(f"Label Studio at {self.url}: {what} failed ({detail})") from None

    def project(self, title: str, config: str):
        """The project called ``title``, created with ``config`` (validated by the server) if absent."""
        for project in self._call("listing projects", self.client.projects.list):
            if project.title == title:
                return project
        return self._call(f"creating project {title!r}", self.client.projects.create, title=title, label_config=config)

    def push(self, title: str, config: str, frames: Path, tasks: list[dict]) -> tuple[object, int]:
        """Create or reuse project ``title``, serve ``frames`` to it, import the tasks it lacks.

        Returns the project and how many tasks were imported."""
        project = self.project(title, config)
        self.local_storage(project.id, Path(frames).resolve(), f"{title} frames")
        return project, self.import_tasks(project.id, tasks)

    def find_project(self, title: str):
        for project in self._call("listing projects", self.client.projects.list):
            if project.title == title:
                return project
        raise ServerError(f"Label Studio at {self.url} has no project {title!r}")

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
        return [task.model_dump(mode="json") if hasattr(task, "model_dump") else dict(task) for task in pager]

    def import_tasks(self, project_id: int, tasks: list[dict]) -> int:
        """Import the tasks whose ``key`` the project does not have yet; return how many."""
        existing = {t["data"].get("key") for t in self.tasks(project_id)}
        new = [t for t in tasks if t["data"]["key"] not in existing]
        for first in range(0, len(new), IMPORT_BATCH):
            self._call("importing tasks", self.client.projects.import_tasks, project_id,
                       request=new[first : first + IMPORT_BATCH], return_task_ids=True)
        return len(new)

    def users(self) -> dict[int, str]:
        """User id -> email."""
        return {u.id: u.email for u in self._call("listing users", self.client.users.list)}

    def user(self, email: str) -> int:
        """The id of the user with ``email``, created if absent."""
        for user_id, known in self.users().items():
            if known == email:
                return user_id
        user = self._call(f"creating user {email}", self.client.users.create, username=email, email=email)
        return user.id

    def annotate(self, task_id: int, result: list[dict], user_id: int, lead_time: float | None = None) -> int:
        """Post one annotation as ``user_id`` (scripts and tests; annotators use the web interface)."""
        annotation = self._call("posting an annotation", self.client.annotations.create, id=task_id, result=result,
                                completed_by=user_id, lead_time=lead_time)
        return annotation.id
