"""`opsdesk duplicates reindex`: rebuild the duplicate check's index of open tickets."""

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from opsdesk.duplicates.services import reindex


class Command(BaseCommand):
    help = "Duplicate check: rebuild the index of open tickets and their likely duplicates."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        again = actions.add_parser(
            "reindex", help="Index every open ticket again, checking each against the "
                            "ones before it (as if they had just been created).")
        again.add_argument("--terms-only", action="store_true",
                           help="Rebuild the index in bulk; keep the stored duplicates.")

    def handle(self, *args: Any, **options: Any) -> None:
        count, pairs = reindex(candidates=not options["terms_only"])
        found = "" if options["terms_only"] else f"; {pairs} likely duplicates found"
        self.stdout.write(f"Indexed {count} open tickets{found}.")
