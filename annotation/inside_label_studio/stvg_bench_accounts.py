"""Annotator accounts with their own passwords, written straight to Label Studio's database.

Run by Label Studio's interpreter (``python -m stvg_bench_accounts``) with the
environment of the server. The passwords come on stdin, never on a command
line: a JSON list of ``{"email", "password", "replace"}``. A new account is
created with its password and joins the organisation; an existing one gets
the password only if ``replace`` is true. Passwords are checked by Label
Studio's password validators first, and the administrator's account is never
touched; nothing is written unless all is well. Answers on stdout, as JSON: ``{"accounts": [{"email", "id",
"created", "password_set"}]}`` or ``{"refused": "<reason>"}``.
"""

import json
import pathlib
import sys


def main() -> int:
    answer, sys.stdout = sys.stdout, sys.stderr  # whatever Django prints must not mix with the answer
    requests = json.load(sys.stdin)

    import label_studio

    sys.path.insert(0, str(pathlib.Path(label_studio.__file__).parent))
    import django

    django.setup()
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError
    from django.db import transaction
    from organizations.models import Organization
    from users.models import User

    for request in requests:
        try:
            validate_password(request["password"])
        except ValidationError as exc:
            json.dump({"refused": f"password for {request['email']}: {' '.join(exc.messages)}"}, answer)
            return 0
    administrators = User.objects.filter(email__in=[r["email"] for r in requests], is_superuser=True)
    if administrators.exists():
        json.dump({"refused": f"{administrators.first().email} is the administrator, not an annotator"}, answer)
        return 0
    organization = Organization.objects.first()
    accounts = []
    with transaction.atomic():
        for request in requests:
            user = User.objects.filter(email=request["email"]).first()
            created = user is None
            if created:
                user = User.objects.create_user(email=request["email"], password=request["password"],
                                                username=request["email"])
                organization.add_user(user)
                user.active_organization = organization
                user.save(update_fields=["active_organization"])
            elif request["replace"]:
                user.set_password(request["password"])
                user.save(update_fields=["password"])
            accounts.append({"email": user.email, "id": user.id, "created": created,
                             "password_set": created or request["replace"]})
    json.dump({"accounts": accounts}, answer)
    return 0


if __name__ == "__main__":
    sys.exit(main())
