"""The weekly round: open it (one report owed per open task, one digest per owner), send the
second reminder, close it with its bulletin. Each step locks its row and acts once."""

import datetime
import logging
from collections import defaultdict
from collections.abc import Sequence
from functools import partial

from django.db import IntegrityError, transaction

from accounts.models import User
from campaigns.models import Campaign
from cycles import bulletin_store, hooks, permissions, schedule
from cycles.models import Digest, DispatchRound, RoundItem
from cycles.services._bulk import BATCH
from cycles.services.digests import digests_write
from cycles.services.figures import reported_task_ids, round_bulletin
from cycles.services.owed import owed_states_refresh
from tasks.lights import Light, light_expression
from tasks.models import Task

log = logging.getLogger(__name__)


def _owners(rows: Sequence[tuple[int, int, int | None]]) -> dict[int, list[int]]:
    """recipient id → task ids. The specific owner when a user is linked; otherwise every
    staff member of the lead unit."""
    # An owner counts only while active and of the task's lead unit (after a transfer the old
    # unit's person is no longer the one to chase).
    owner_unit = dict(
        User.objects.filter(
            pk__in={owner for _t, _u, owner in rows if owner}, is_active=True
        ).values_list("pk", "unit_id")
    )

    def linked(owner, unit_id) -> bool:
        return owner is not None and owner_unit.get(owner) == unit_id

    staff = permissions.unit_reporters(
        {unit for _t, unit, owner in rows if not linked(owner, unit)}
    )
    digests: dict[int, list[int]] = defaultdict(list)
    for task_id, unit_id, owner in rows:
        for user_id in (
            [owner] if owner is not None and linked(owner, unit_id) else staff.get(unit_id, [])
        ):
            digests[user_id].append(task_id)
    return digests


def round_open(
    *, campaign: Campaign, times: schedule.RoundTimes, now: datetime.datetime
) -> DispatchRound | None:
    """Open the round of a week: every open task owes one report from its lead unit, and each
    owner gets one digest of all their tasks. None when it was already open."""
    try:
        with transaction.atomic():
            Campaign.objects.select_for_update(of=("self",)).filter(pk=campaign.pk).first()
            if DispatchRound.objects.filter(
                campaign=campaign, week_start=times.week_start
            ).exists():
                return None
            rows = list(
                Task.objects.work()
                .filter(task_list__campaign=campaign, status=Task.Status.IN_PROGRESS)
                .order_by("pk")
                .values_list("pk", "lead_unit_id", "specific_owner_id")
            )
            if not rows:  # nothing open, nothing owed: no round to chase
                return None
            round_ = DispatchRound.objects.create(
                campaign=campaign,
                week_start=times.week_start,
                opens_at=times.opens_at,
                due_at=times.due_at,
                reminder_at=times.reminder_at,
                closes_at=times.closes_at,
            )
            RoundItem.objects.bulk_create(
                [RoundItem(round=round_, task_id=t, lead_unit_id=u) for t, u, _o in rows],
                batch_size=BATCH,
            )
            # Reports may already be in its window (a round opened late, or back-filled).
            owed_states_refresh(items=RoundItem.objects.filter(round=round_))
            transaction.on_commit(partial(_owed_states_settle, round_.pk))
            digests_write(round_=round_, kind=Digest.Kind.OPENING, by_user=_owners(rows))
            if now >= round_.reminder_at:
                # Opened late (the server was down): the opening digest already reaches every
                # owner, so only the unit heads' escalation goes out, in this transaction:
                # no other run may see the round open and not yet reminded.
                _remind(round_, now, remind_owners=False)
            log.info("opened %s: %d tasks", round_, len(rows))
            return round_
    except IntegrityError:  # another worker opened it in the same instant
        return None


def _owed_states_settle(round_id: int) -> None:
    """Once the round is committed, its states worked out again: a report saved while it was
    being opened ran its hook before the round's items existed, and committed after the check
    above (the items' key on the task waits for the report's lock on it, so the round commits
    after the report). Writes nothing when all is in step."""
    owed_states_refresh(items=RoundItem.objects.filter(round_id=round_id))


def round_remind(*, round_id: int, now: datetime.datetime) -> bool:
    """The second reminder, only to those who have not reported; overdue and red tasks also go
    to the unit head. Once per round."""
    with transaction.atomic():
        round_ = (
            DispatchRound.objects.select_for_update(of=("self",))
            .select_related("campaign")
            .get(pk=round_id)
        )
        if round_.reminded_at is not None or round_.closed_at is not None:
            return False
        _remind(round_, now, remind_owners=True)
        return True


def _remind(round_: DispatchRound, now: datetime.datetime, *, remind_owners: bool) -> None:
    """The reminder's digests of a round locked (or just created) by the caller, and its mark."""
    reported = reported_task_ids(round_, until=now)
    today = schedule.local_date(now, round_.campaign.schedule_timezone)
    rows = list(
        Task.objects.filter(round_items__round=round_, status=Task.Status.IN_PROGRESS)
        .annotate(light_value=light_expression(today))
        .order_by("pk")
        .values_list("pk", "lead_unit_id", "specific_owner_id", "light_value")
    )
    if remind_owners:
        missing = [(t, u, o) for t, u, o, _light in rows if t not in reported]
        digests_write(round_=round_, kind=Digest.Kind.REMINDER, by_user=_owners(missing))
    alarming = [(t, u) for t, u, _o, light in rows if light == Light.RED]
    heads = permissions.unit_heads({u for _t, u in alarming})
    escalation: dict[int, list[int]] = defaultdict(list)
    for task_id, unit_id in alarming:
        for head in heads.get(unit_id, []):
            escalation[head].append(task_id)
    digests_write(round_=round_, kind=Digest.Kind.ESCALATION, by_user=escalation)
    round_.reminded_at = now
    round_.save(update_fields=["reminded_at"])


def round_close(*, round_id: int, now: datetime.datetime) -> bool:
    """Close the round and store its weekly bulletin. Once per round."""
    with transaction.atomic():
        round_ = (
            DispatchRound.objects.select_for_update(of=("self",))
            .select_related("campaign")
            .get(pk=round_id)
        )
        if round_.closed_at is not None:
            return False
        # The states its reports gave (written with each report; again here, in case a
        # report came through the release before this one, while it still served).
        owed_states_refresh(items=RoundItem.objects.filter(round=round_))
        round_.result = round_bulletin(round_=round_, until=min(now, round_.closes_at))
        round_.closed_at = now
        round_.save(update_fields=["result", "closed_at"])
        bulletin_store.store(round_)  # what the page reads: the figures, the lists as rows
        # Apps above (the cockpit's weekly snapshot) act once the close has committed.
        transaction.on_commit(lambda: hooks.after_round_close(round_id), robust=True)
        return True
