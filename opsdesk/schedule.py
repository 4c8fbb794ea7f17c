"""How the worker runs its jobs, declared once: the periodic jobs each `opsdesk worker`
runs when due, the tasks whose ready jobs it runs as one, and the tasks whose calls within
a job are made at once.

Each periodic job must be safe to run in several workers at once (they claim rows with
SKIP LOCKED).
"""

from opsdesk.automation.scheduled import run_scheduled_rules
from opsdesk.communications.tasks import (
    fan_out_each,
    fan_out_new_tickets,
    requeue_stranded_replies,
    send_reply_email,
    send_reply_emails,
)
from opsdesk.core.jobs import Joining, prune_finished_jobs
from opsdesk.core.scheduler import PeriodicJob
from opsdesk.duplicates.services import refresh_frequencies
from opsdesk.inbound.imap import poll_mailboxes
from opsdesk.incidents.tasks import answer_each, answer_linked_reports, remind_due_follow_ups
from opsdesk.notifications.tasks import (
    deliver_notification_email,
    deliver_notification_emails,
    requeue_stranded_notices,
)
from opsdesk.postmortems.reminders import remind_due_action_items
from opsdesk.sla.timers import fire_due_timers

PERIODIC_JOBS = (
    PeriodicJob("sla timers", 10, fire_due_timers),
    PeriodicJob("scheduled rules", 60, run_scheduled_rules),
    PeriodicJob("imap poll", 60, poll_mailboxes),
    PeriodicJob("duplicate term counts", 300, refresh_frequencies),
    PeriodicJob("stranded replies", 300, requeue_stranded_replies),
    PeriodicJob("stranded notifications", 300, requeue_stranded_notices),
    PeriodicJob("incident follow-ups", 60, remind_due_follow_ups),
    PeriodicJob("postmortem action items", 3600, remind_due_action_items),
    PeriodicJob("finished jobs pruned", 3600, prune_finished_jobs),
)

# A worker finding several fan-out jobs of one actor ready (tickets opened one request at a
# time) runs them as one, told ten to a transaction: 2x the tickets answered and fanned out
# (bench/README.md, performance mechanisms).
JOINABLE = (
    Joining(task=fan_out_new_tickets, items="ticket_ids", each=fan_out_each,
            result="; ".join),
    # Reports of one incident in a burst are answered with its update together.
    Joining(task=answer_linked_reports, items="ticket_ids", each=answer_each,
            result="; ".join),
)

# Within a job, the reply and notification emails its transactions call for are sent
# together after they commit (core.jobs.delivering_together).
BATCH_FORMS = (
    (send_reply_email, send_reply_emails),
    (deliver_notification_email, deliver_notification_emails),
)
