"""`opsdesk token create|list|revoke`: API tokens, shown once."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from opsdesk.accounts.models import ApiToken
from opsdesk.accounts.services import UnknownUser, create_token, get_user_by_email, revoke_token


class Command(BaseCommand):
    help = "Create, list or revoke API tokens."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        create = actions.add_parser("create", help="Issue a token for a user; printed once.")
        create.add_argument("--user", required=True, help="The user's email.")
        create.add_argument("--name", default="", help="What the token is for.")
        listing = actions.add_parser("list", help="A user's tokens (prefixes only).")
        listing.add_argument("--user", required=True)
        revoke = actions.add_parser("revoke", help="Revoke a token by its prefix.")
        revoke.add_argument("prefix")

    def handle(self, *args: Any, **options: Any) -> None:
        getattr(self, f"_{options['action']}")(options)

    def _user(self, email: str) -> Any:
        try:
            return get_user_by_email(email)
        except UnknownUser as exc:
            raise CommandError(f"No user with email {email}.") from exc

    def _create(self, options: dict[str, Any]) -> None:
        _, raw = create_token(user=self._user(options["user"]), name=options["name"])
        self.stdout.write(raw)

    def _list(self, options: dict[str, Any]) -> None:
        for token in ApiToken.objects.filter(user=self._user(options["user"])).order_by("id"):
            state = "revoked" if token.revoked_at else "active"
            created = f"{token.created_at:%Y-%m-%d}"
            self.stdout.write(f"{token.prefix}…  {state}  {token.name}  created {created}")

    def _revoke(self, options: dict[str, Any]) -> None:
        tokens = ApiToken.objects.filter(prefix=options["prefix"])
        if tokens.count() != 1:
            raise CommandError(f"No single token has prefix {options['prefix']!r}.")
        revoke_token(token=tokens.get())
        self.stdout.write("Revoked.")
