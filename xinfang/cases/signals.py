"""Signals for overlays (supervision, intelligence, reports); sent after the transaction commits."""

from django.dispatch import Signal

# kwargs: event (CaseEvent)
case_event_recorded = Signal()
