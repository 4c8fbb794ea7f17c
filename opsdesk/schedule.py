"""The worker's periodic jobs, declared once: each runs in every `opsdesk worker` when due.

Each job must be safe to run in several workers at once (they claim rows with SKIP LOCKED).
"""

from opsdesk.automation.scheduled import run_scheduled_rules
from opsdesk.communications.tasks import requeue_stranded_replies
from opsdesk.core.jobs import prune_finished_jobs
from opsdesk.core.scheduler import PeriodicJob
from opsdesk.duplicates.services import refresh_frequencies
from opsdesk.inbound.imap import poll_mailboxes
from opsdesk.notifications.tasks import requeue_stranded_notices
from opsdesk.sla.timers import fire_due_timers

PERIODIC_JOBS = (
    PeriodicJob("sla timers", 10, fire_due_timers),
    PeriodicJob("scheduled rules", 60, run_scheduled_rules),
    PeriodicJob("imap poll", 60, poll_mailboxes),
    PeriodicJob("duplicate term counts", 300, refresh_frequencies),
    PeriodicJob("stranded replies", 300, requeue_stranded_replies),
    PeriodicJob("stranded notifications", 300, requeue_stranded_notices),
    PeriodicJob("finished jobs pruned", 3600, prune_finished_jobs),
)
