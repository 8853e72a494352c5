"""Annotators annotate; only the administrator changes the server.

Label Studio Community Edition has no roles: every member of the organisation
may create storages, projects and webhooks, import or delete tasks, read the
invite link (which carries the sign-up token) and post annotations in anyone's
name. This middleware, loaded by ``stvg_bench_settings``, refuses with 403 what
a member who is not a superuser (the administrator made by ``label-studio
init``) asks of the API beyond annotating:

* storages, the invite link and webhooks cannot even be read;
* of the requests that change something, only these are let through: posting
  an annotation in one's own name (as JSON); changing, deleting or turning
  into a draft an annotation one is the author of (without handing it to
  someone else); drafts; data-manager tabs and the "next task" action; one's
  own account, hotkeys and API tokens.

Pages outside ``/api/`` (login, sign-up, the account page) are Label Studio's:
sign-up without the invite token is refused by its own setting
``DISABLE_SIGNUP_WITHOUT_LINK``.
"""

import json
import re

from django.http import JsonResponse
from rest_framework.exceptions import APIException
from rest_framework.request import Request
from rest_framework.settings import api_settings

READ_ONLY_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
HIDDEN = re.compile(r"/api/(storages|invite|webhooks)(\W.*)?")
NEW_ANNOTATION = re.compile(r"/api/tasks/\d+/annotations/?")
ANNOTATION = re.compile(r"/api/annotations/(?P<id>\d+)(/|/convert-to-draft/?)?")
ACCOUNT = re.compile(r"/api/users/(?P<id>\d+)(/avatar)?/?")
ACTIONS = re.compile(r"/api/dm/actions/?")
ANNOTATOR_CHANGES = re.compile(
    r"/api/(tasks/\d+/drafts|tasks/\d+/annotations/\d+/drafts|drafts/\d+|dm/views(/.*)?"
    r"|current-user/.*|token/.*)/?"
)
NEXT_TASK = "next_task"


class AnnotatorGuard:
    """Django middleware: 403 for what only the administrator may do (see the module docstring)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        refusal = self.refusal(request)
        if refusal is not None:
            return JsonResponse({"detail": refusal}, status=403)
        return self.get_response(request)

    def refusal(self, request) -> str | None:
        path = request.path
        hidden = HIDDEN.fullmatch(path) is not None
        if not path.startswith("/api/") or (request.method in READ_ONLY_METHODS and not hidden):
            return None
        user = _user(request)
        if user is None or user.is_superuser:
            return None  # anonymous requests are Label Studio's to refuse
        if hidden:
            return "only the administrator may use storages, the invite link and webhooks"
        if request.method in READ_ONLY_METHODS:
            return None
        if NEW_ANNOTATION.fullmatch(path):
            return _foreign_author(request, user)
        match = ANNOTATION.fullmatch(path)
        if match:
            from tasks.models import Annotation

            if not Annotation.objects.filter(pk=int(match["id"]), completed_by_id=user.id).exists():
                return "only its author may change an annotation"
            return _foreign_author(request, user)
        match = ACCOUNT.fullmatch(path)
        if match and int(match["id"]) == user.id:
            return None
        if ACTIONS.fullmatch(path) and request.GET.get("id") == NEXT_TASK:
            return None
        if ANNOTATOR_CHANGES.fullmatch(path):
            return None
        return "annotators annotate; only the administrator may change the server"


def _user(request):
    """The account making the request: its session, else what the API's authenticators make of it."""
    if request.user.is_authenticated:
        return request.user
    authenticators = [cls() for cls in api_settings.DEFAULT_AUTHENTICATION_CLASSES]
    try:
        user = Request(request, authenticators=authenticators).user
    except APIException:
        return None
    return user if user.is_authenticated else None


def _foreign_author(request, user) -> str | None:
    """A refusal if the request body names another user as the annotation's author, or is not JSON
    (a form would carry ``completed_by`` past this check)."""
    if not request.body:
        return None
    if request.content_type != "application/json":
        return "annotations are sent as JSON"
    try:
        body = json.loads(request.body)
    except ValueError:
        return None  # Label Studio answers 400
    author = body.get("completed_by") if isinstance(body, dict) else None
    if author is not None and str(author) != str(user.id):
        return "annotations are posted in one's own name: completed_by must be your own user id"
    return None
