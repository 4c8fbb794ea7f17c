"""Ingest a directory of RFC 822 files (`opsdesk mail ingest-dir DIR`): a spool written by
another mail system, an export of a mailbox, or a batch of messages to replay.

Each file goes through `ingest_email`, exactly as one message piped to `opsdesk mail ingest`
would, in its own transaction. Files are taken in name order; with `delete`, a file is
removed once its message is stored (ingested, threaded, ignored or a duplicate), so a run
that stops half-way can simply be started again. A failed message stays in place.
"""

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from .models import Outcome
from .services import ingest_email

SUFFIXES = (".eml", ".msg", ".txt", "")


@dataclass
class DirectoryResult:
    files: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)
    failed: list[str] = field(default_factory=list)  # file names whose message failed
    deleted: int = 0


def message_files(directory: Path) -> list[Path]:
    """The message files of a directory, in name order (hidden files and folders skipped)."""
    return sorted(p for p in directory.iterdir() if p.is_file() and not p.name.startswith(".")
                  and p.suffix.lower() in SUFFIXES)


def ingest_directory(
    directory: Path,
    *,
    mailbox: str = "directory",
    delete: bool = False,
    progress: Callable[[Path, str], None] | None = None,
) -> DirectoryResult:
    """Ingest every message file of `directory`; database errors propagate (nothing is lost:
    the file of the message being ingested is still there)."""
    result = DirectoryResult()
    for path in message_files(directory):
        raw = path.read_bytes()
        result.files += 1
        if not raw.strip():
            result.outcomes["empty"] += 1
            result.failed.append(path.name)
            continue
        inbound = ingest_email(raw=raw, mailbox=mailbox)
        result.outcomes[inbound.outcome] += 1
        if inbound.outcome == Outcome.FAILED:
            result.failed.append(path.name)
        elif delete:
            path.unlink(missing_ok=True)
            result.deleted += 1
        if progress is not None:
            progress(path, inbound.outcome)
    return result
