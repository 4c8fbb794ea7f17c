"""Ingest a directory of RFC 822 files (`opsdesk mail ingest-dir DIR`): a spool written by
another mail system, an export of a mailbox, or a batch of messages to replay.

Files are read in name order, a hundred at a time (`batch.ingest_batch`): plain new requests
become tickets together, every other message goes through `ingest_email` exactly as one
piped to `opsdesk mail ingest` would. With `delete`, a file is removed once its message is
stored (ingested, threaded, ignored or a duplicate), so a run that stops half-way can simply
be started again. A failed message stays in place.

With `jobs` above one (PostgreSQL only), that many processes share the work by sender:
each sender's messages go to one process, in name order, so a person's follow-ups and
re-sent copies are read after what they follow. Messages of different senders are read
in parallel.
"""

import multiprocessing
import zlib
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from email.parser import BytesHeaderParser
from email.utils import parseaddr
from pathlib import Path

from django.db import connection, connections

from opsdesk.core.errors import InvalidInput

from .batch import BATCH_SIZE, ingest_batch
from .models import Outcome

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
    jobs: int = 1,
) -> DirectoryResult:
    """Ingest every message file of `directory`, in `jobs` processes; database errors
    propagate (nothing is lost: the file of the message being ingested is still there)."""
    if jobs < 1:
        raise InvalidInput("jobs must be at least 1.", fields={"jobs": "at least 1"})
    files = message_files(directory)
    if jobs == 1 or len(files) < 2:
        return ingest_files(files, mailbox=mailbox, delete=delete, progress=progress)
    if connection.vendor != "postgresql":
        raise InvalidInput("Ingesting in parallel needs PostgreSQL (SQLite takes one writer "
                           "at a time); leave jobs at 1.", fields={"jobs": "1 on SQLite"})
    lanes = [lane for lane in sender_lanes(files, jobs) if lane]
    connections.close_all()  # each process opens its own connection
    fork = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=len(lanes), mp_context=fork) as pool:
        parts = list(pool.map(_ingest_lane, lanes, [mailbox] * len(lanes),
                              [delete] * len(lanes)))
    return _merged(parts)


def sender_lanes(files: list[Path], jobs: int) -> list[list[Path]]:
    """The files split into `jobs` lanes, all of one sender's in the same lane, in order."""
    lanes: list[list[Path]] = [[] for _ in range(jobs)]
    for path in files:
        sender = _sender(path) or path.name
        lanes[zlib.crc32(sender.encode("utf-8", "replace")) % jobs].append(path)
    return lanes


def _sender(path: Path) -> str:
    try:
        headers = BytesHeaderParser().parsebytes(path.read_bytes())
        return parseaddr(str(headers.get("From", "")))[1].lower()
    except (OSError, ValueError, TypeError):
        return ""  # the ingest reports what is wrong with it


def _ingest_lane(files: list[Path], mailbox: str, delete: bool) -> DirectoryResult:
    try:
        return ingest_files(files, mailbox=mailbox, delete=delete)
    finally:
        connections.close_all()


def _merged(parts: list[DirectoryResult]) -> DirectoryResult:
    result = DirectoryResult()
    for part in parts:
        result.files += part.files
        result.outcomes.update(part.outcomes)
        result.failed.extend(part.failed)
        result.deleted += part.deleted
    result.failed.sort()
    return result


def ingest_files(
    files: list[Path],
    *,
    mailbox: str,
    delete: bool,
    progress: Callable[[Path, str], None] | None = None,
) -> DirectoryResult:
    """Ingest these message files in the order given, BATCH_SIZE at a time."""
    result = DirectoryResult()
    for start in range(0, len(files), BATCH_SIZE):
        read = [(path, path.read_bytes()) for path in files[start:start + BATCH_SIZE]]
        result.files += len(read)
        for path in (path for path, raw in read if not raw.strip()):
            result.outcomes["empty"] += 1
            result.failed.append(path.name)
        mails = [(path, raw) for path, raw in read if raw.strip()]
        inbound = ingest_batch(raws=[raw for _, raw in mails], mailbox=mailbox)
        for (path, _), one in zip(mails, inbound, strict=True):
            _account(result, path, one.outcome, delete=delete)
            if progress is not None:
                progress(path, one.outcome)
    return result


def _account(result: DirectoryResult, path: Path, outcome: str, *, delete: bool) -> None:
    """Count a file's outcome; a stored one is removed with `delete`, a failed one stays."""
    result.outcomes[outcome] += 1
    if outcome == Outcome.FAILED:
        result.failed.append(path.name)
    elif delete:
        path.unlink(missing_ok=True)
        result.deleted += 1
