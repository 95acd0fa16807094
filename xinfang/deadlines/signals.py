"""Signals of the deadlines app.

``year_confirmed`` is sent inside the confirming transaction, so that a receiver in a higher layer (the cases
app recomputes provisional clocks) commits or fails together with the confirmation; the deadlines app never
imports cases.
"""

from django.dispatch import Signal

# Arguments: year (int), actor (User or None).
year_confirmed = Signal()
