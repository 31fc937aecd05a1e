"""From a URL key back to the ID number: ``resolve(key)``.

The key is a keyed hash (``people.keys.person_key``) and cannot be reversed, so the
index remembers each key it hands out, in the ``PersonKey`` table:

- a search remembers the people it shows (``remember``), before the page links to them;
- a person with a lead may be linked from anywhere (the lead pages, exports), so on a
  miss the index first catches up with the leads created since it last looked (the
  leads table is read once, in primary-key order, from a watermark) and looks again.

A miss costs one indexed lookup plus reading the new leads; a key never handed out is a
``None`` and the page a 404. Model runs (``zhijian models run``, the model library's
background task, the demo) catch up when they have synced their leads, so a user rarely
waits for it. People without leads enter the index only through a search,
which is where a user meets them. A new secret key changes every key: the index notices
(it keeps a check value) and starts again.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from django.db import transaction

from zhijian.web.leads.models import Lead
from zhijian.web.people.keys import person_key
from zhijian.web.people.models import PersonKey, PersonKeyIndex

KEY_PATTERN = re.compile(r"[0-9a-f]{24}")
# Leads read per query while catching up.
BATCH_SIZE = 10_000
# Concurrent model runs may commit leads out of primary-key order: catching up re-reads
# this many leads below the watermark, so that a late commit is not skipped.
REREAD_MARGIN = 1_000


def remember(id_numbers: Iterable[str]) -> dict[str, str]:
    """Index the keys of these numbers; returns number → key."""
    keys = {number: person_key(number) for number in id_numbers if number}
    PersonKey.objects.bulk_create(
        [PersonKey(key=key, id_number=number) for number, key in keys.items()],
        ignore_conflicts=True,
    )
    return keys


def resolve(key: str) -> str | None:
    """The ID number behind a key, or None when the key was never handed out."""
    if not KEY_PATTERN.fullmatch(key):
        return None
    found = _lookup(key)
    if found is None:
        catch_up_with_leads()
        found = _lookup(key)
    return found


def _lookup(key: str) -> str | None:
    number: str | None = (
        PersonKey.objects.filter(key=key).values_list("id_number", flat=True).first()
    )
    return number


def catch_up_with_leads() -> None:
    """Index the people of the leads created since the last catch-up. One caller at a
    time: the others wait on the index row, then find little left to read."""
    with transaction.atomic():
        check = person_key("")
        PersonKeyIndex.objects.get_or_create(pk=1, defaults={"key_check": check})
        state = PersonKeyIndex.objects.select_for_update().get(pk=1)
        if state.key_check != check:
            PersonKey.objects.all().delete()
            state.key_check, state.last_lead_id = check, 0
        after = max(0, state.last_lead_id - REREAD_MARGIN)
        while True:
            batch = list(
                Lead.objects.filter(pk__gt=after)
                .order_by("pk")
                .values_list("pk", "id_number")[:BATCH_SIZE]
            )
            if not batch:
                break
            remember({number for _, number in batch})
            after = batch[-1][0]
        state.last_lead_id = max(state.last_lead_id, after)
        state.save()
