"""The duplicate check's index of open tickets, and the likely duplicates it found."""

from django.db import models
from django.utils import timezone

from opsdesk.tickets.models import Ticket


class IndexedTerm(models.Model):
    """One term of an open ticket, with its weight when indexed (see text.py, services.py).

    Only open tickets are indexed: a ticket's rows go when it is resolved or closed, and
    come back if it is reopened.
    """

    # Indexed by the unique (ticket, term) constraint; a second index would only slow inserts.
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="+",
                               db_index=False)
    term = models.CharField(max_length=40)
    weight = models.FloatField()
    doc_weight = models.FloatField(help_text="The sum of the weights of the ticket's terms.")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["ticket", "term"], name="indexed_term_unique")
        ]
        # Serves the search for the pool of tickets to score without reading the table.
        indexes = [models.Index(fields=["term", "ticket", "weight", "doc_weight"],
                                name="indexed_term_pool")]

    def __str__(self) -> str:
        return f"{self.term} in #{self.ticket_id:05d}"


class DuplicateCandidate(models.Model):
    """A ticket that looks like the same request as another one, with how alike they are.

    Stored both ways when found: the earlier report lists the later ones too.
    """

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE,  # see the unique constraint
                               related_name="duplicate_candidates", db_index=False)
    candidate = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="+")
    score = models.FloatField()
    found_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-score", "candidate_id"]
        constraints = [
            models.UniqueConstraint(fields=["ticket", "candidate"], name="duplicate_pair_unique"),
            models.CheckConstraint(condition=~models.Q(ticket=models.F("candidate")),
                                   name="duplicate_not_itself"),
        ]

    def __str__(self) -> str:
        return f"#{self.ticket_id:05d} ~ #{self.candidate_id:05d} ({self.score:.2f})"


class TermFrequency(models.Model):
    """How many open tickets held a term when last counted (the worker counts every few
    minutes): what makes a rare term weigh more than a common one.

    Counted in the background rather than on every new ticket, so that creating tickets
    never waits on a shared counter; a term not counted yet weighs as a rare one.
    """

    term = models.CharField(max_length=40, primary_key=True)
    tickets = models.PositiveIntegerField()
    counted_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.term}: {self.tickets}"
