"""What each monitoring system's payload says, in one shape: a list of ParsedAlert.

One module per kind of source; each `parse(payload)` raises InvalidInput (naming the field)
for a payload it cannot read, so nothing of it is stored.
"""

from collections.abc import Callable
from typing import Any

from opsdesk.alerts.models import SourceKind

from . import alertmanager, azure_monitor, generic, uptimerobot
from .reading import ParsedAlert

PARSERS: dict[str, Callable[[Any], list[ParsedAlert]]] = {
    SourceKind.ALERTMANAGER: alertmanager.parse,
    SourceKind.AZURE_MONITOR: azure_monitor.parse,
    SourceKind.UPTIMEROBOT: uptimerobot.parse,
    SourceKind.GENERIC: generic.parse,
}

__all__ = ["PARSERS", "ParsedAlert"]
