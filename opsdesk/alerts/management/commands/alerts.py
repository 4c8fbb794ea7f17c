"""`opsdesk alerts create-source|list-sources`: the monitoring systems that may send alerts."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Count, Max

from opsdesk.alerts.models import AlertSource, SourceKind
from opsdesk.alerts.services import create_source, receiving_url
from opsdesk.core.errors import DomainError

KINDS = {kind.path: kind for kind in SourceKind}  # as the URL names them: azure-monitor


class Command(BaseCommand):
    help = "Monitoring alerts in: create a source (its URL and secret) or list the sources."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        create = actions.add_parser(
            "create-source", help="Allow a monitoring system to send alerts; prints the URL "
                                  "to give it, then its secret (shown once).")
        create.add_argument("--kind", required=True, choices=sorted(KINDS))
        create.add_argument("--name", required=True, help="What the source is, e.g. 'prod'.")
        actions.add_parser("list-sources", help="The sources, their URLs and last alerts.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "create-source":
            self._create(options)
        else:
            self._list()

    def _create(self, options: dict[str, Any]) -> None:
        try:
            source, secret = create_source(kind=KINDS[options["kind"]], name=options["name"])
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(f"Alert source {source.name!r} ({source.get_kind_display()}) "
                          "created. Its URL, to give the monitoring system:")
        self.stdout.write(receiving_url(source=source, secret=secret))
        self.stdout.write("Its secret (shown only now; also accepted as "
                          "'Authorization: Bearer <secret>' or 'X-Opsdesk-Token'):")
        self.stdout.write(secret)

    def _list(self) -> None:
        sources = AlertSource.objects.annotate(count=Count("alerts"),
                                               last=Max("alerts__last_seen_at"))
        for source in sources:
            state = "enabled" if source.enabled else "disabled"
            last = f"last alert {source.last:%Y-%m-%d %H:%M}" if source.last else "no alerts yet"
            self.stdout.write(f"{source.name}  {SourceKind(source.kind).path}  {state}  "
                              f"{source.count} alerts, {last}  {receiving_url(source=source)}")
        if not sources:
            self.stdout.write("No alert sources yet: opsdesk alerts create-source --kind "
                              "alertmanager --name NAME")
