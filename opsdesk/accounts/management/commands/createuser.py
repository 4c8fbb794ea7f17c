"""`opsdesk createuser`: add a person with a role."""

import getpass
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.core.validators import validate_email

from opsdesk.accounts.models import Role, User
from opsdesk.accounts.services import create_user


class Command(BaseCommand):
    help = "Create a user: requester, agent, manager, engineer or admin."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--email", required=True)
        parser.add_argument("--role", required=True,
                            choices=[r for r in Role.values if r != Role.SYSTEM])
        parser.add_argument("--name", default="")
        parser.add_argument("--password", help="Asked for unless given or --no-password.")
        parser.add_argument("--no-password", action="store_true",
                            help="No password (API token or magic link only).")

    def handle(self, *args: Any, **options: Any) -> None:
        email = options["email"].strip().lower()
        try:
            validate_email(email)
        except ValidationError as exc:
            raise CommandError(f"{email!r} is not an email address.") from exc
        if User.objects.filter(email__iexact=email).exists():
            raise CommandError(f"A user with email {email} already exists.")
        password = options["password"]
        if password is None and not options["no_password"]:
            password = getpass.getpass("Password: ")
        user = create_user(email=email, role=options["role"], name=options["name"],
                           password=password or None)
        self.stdout.write(f"Created {user.role} {user.email}.")
