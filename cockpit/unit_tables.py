"""The unit page's week-by-week reporting table (cockpit/unit.html), drawn row by row in Python
as the campaign cockpit's tables are (``cockpit.tables``): a unit reports in every campaign
every week, and the template's loop, a ``{% url %}`` and four ``{% unit_drill %}`` links a row
were a fifth of the page's CPU. The markup is what the template drew."""

from html import escape

from django.urls import reverse
from django.utils.formats import localize
from django.utils.translation import gettext as _

from cockpit.tables import drill_query
from config.pages import address_of, escaped_labels


def _words() -> dict[str, str]:
    """The labels, as ``{% translate … as l_… %}`` and ``{{ l_… }}`` wrote them (escaped)."""
    return escaped_labels(
        {
            "reconstructed": _("Reconstructed from the history: no round ran that week"),
            "campaign": _("Campaign"),
            "owed": _("owed"),
            "reported": _("reported"),
            "late": _("late"),
            "not_reported": _("not reported"),
            "rate": _("rate"),
            "on_time": _("on time"),
        }
    )


def punctuality_rows(weeks, unit_id: int) -> str:
    """The rows of ``weeks`` (``cockpit.selectors.units.WeekRow``) for the unit ``unit_id``:
    a week a round ran links to its bulletin and its counts to the tasks they count."""
    words = _words()
    round_url = address_of("cycles:round")
    drill = reverse("cockpit:unit", args=[unit_id])
    rows = []
    for week in weeks:
        if week.round_id:
            links = {
                key: escape(
                    drill
                    + drill_query({"round": week.round_id, "round_unit": unit_id, "reported": key})
                    + "#tasks"
                )
                for key in ("", "yes", "late", "no")
            }
            head = f'<a href="{round_url.format(week.round_id)}">{escape(week.label)}</a>'
            counts = (
                f"\n      "
                f'\n      <td data-label="{words["owed"]}"><a href="{links[""]}"'
                f' data-count="{week.owed}">{week.owed}</a></td>'
                f'\n      <td data-label="{words["reported"]}"><a href="{links["yes"]}"'
                f' data-count="{week.reported}">{week.reported}</a></td>'
                f'\n      <td data-label="{words["late"]}"><a href="{links["late"]}"'
                f' data-count="{week.late}">{week.late}</a></td>'
                f'\n      <td data-label="{words["not_reported"]}"><a href="{links["no"]}"'
                f' data-count="{week.not_reported}">{week.not_reported}</a></td>'
                f"\n      "
            )
        else:
            head = (
                f"{escape(week.label)} "
                f'<small class="muted" title="{words["reconstructed"]}">*</small>'
            )
            counts = (
                f"\n      "
                f'\n      <td data-label="{words["owed"]}">{week.owed}</td>'
                f'<td data-label="{words["reported"]}">{week.reported}</td>'
                f'<td data-label="{words["late"]}">{week.late}</td>'
                f'<td data-label="{words["not_reported"]}">{week.not_reported}</td>'
                f"\n      "
            )
        rows.append(
            f'<tr>\n      <th scope="row" class="title">{head}</th>'
            f'\n      <td data-label="{words["campaign"]}">{escape(week.campaign)}</td>'
            f"{counts}"
            f'\n      <td data-label="{words["rate"]}">{localize(week.rate)}%</td>'
            f'\n      <td data-label="{words["on_time"]}">{localize(week.on_time_rate)}%</td>'
            f"\n    </tr>"
        )
    return "".join(rows)
