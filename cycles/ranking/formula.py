"""The ranking formula's settings: read from a certified review's copy, checked, and put in
words for the bulletin. The arithmetic is ``cycles.ranking.compute``."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from cycles.models import FORMULA_SETTINGS, DifficultyMode, RankingFormula, Rating

#: The penalties (applied measures of these kinds, see ``cycles.hooks.penalties``) and the
#: setting that says how many points each one deducts.
PENALTY_SETTINGS = {
    "criticism": "penalty_criticism",
    "talk": "penalty_talk",
    "accountability": "penalty_accountability",
}


def setting_label(name: str) -> str:
    """A setting's name as the page and the sheets give it."""
    field = RankingFormula._meta.get_field(name)
    return str(getattr(field, "verbose_name", name))


def penalty_label(kind: str) -> str:
    return {
        "criticism": _("public criticism"),
        "talk": _("admonitory talk"),
        "accountability": _("accountability"),
    }.get(kind, kind)


def setting_shown(formula: RankingFormula, name: str):
    """A setting as a page or a sheet shows it: the words of a choice, "—" for none, numbers
    without trailing zeros."""
    value = getattr(formula, name)
    if name == "difficulty_mode":
        return str(DifficultyMode(value).label)
    if value is None:
        return "—"
    return value if isinstance(value, int) else _n(value)


#: The rating → its points setting.
POINT_SETTINGS = {
    Rating.COMPLETED: "points_completed",
    Rating.ON_TRACK: "points_on_track",
    Rating.BEHIND: "points_behind",
    Rating.NOT_COMPLETED: "points_not_completed",
}

_INTEGERS = {"red_top", "black_bottom"}
_TEXT = {"difficulty_mode"}


def formula_from_json(data: dict | None) -> RankingFormula:
    """An unsaved formula holding ``data`` (a certified review's copy, or a history entry's
    "after"); settings it lacks keep their defaults (those of a campaign that never set one)."""
    formula = RankingFormula()
    for name, value in (data or {}).items():
        if name not in FORMULA_SETTINGS:
            continue
        if value is None or name in _TEXT:
            setattr(formula, name, value)
        elif name in _INTEGERS:
            setattr(formula, name, int(value))
        else:
            setattr(formula, name, Decimal(str(value)))
    return formula


def points(formula: RankingFormula) -> dict[str, Decimal]:
    return {rating: Decimal(getattr(formula, name)) for rating, name in POINT_SETTINGS.items()}


def formula_problems(formula: RankingFormula) -> dict[str, str]:
    """What is wrong with the settings, by field, in words for the coordinator (empty: fine).
    Each setting's range, then the rules between settings."""
    problems: dict[str, str] = {}
    try:
        formula.clean_fields(exclude=["campaign", "version", "updated_at", "updated_by"])
    except ValidationError as error:
        problems.update({name: " ".join(msgs) for name, msgs in error.message_dict.items()})
    if problems:
        return problems
    ladder = [getattr(formula, POINT_SETTINGS[r]) for r in POINT_SETTINGS]
    if any(higher < lower for higher, lower in zip(ladder, ladder[1:], strict=False)):
        problems["points_behind"] = _(
            "The points must not rise from completed to on track, behind and not completed: "
            "a worse rating cannot earn more."
        )
    if (
        formula.red_min_score is not None
        and formula.black_max_score is not None
        and formula.black_max_score > formula.red_min_score
    ):
        problems["black_max_score"] = _(
            "The black board's score must not be above the red board's, or a unit could be on both."
        )
    if not any(getattr(formula, POINT_SETTINGS[r]) for r in POINT_SETTINGS):
        problems["points_completed"] = _("At least one rating must earn points.")
    return problems


def _n(value) -> str:
    """A setting as printed: 100, 0.5, 2.5 (no trailing zeros)."""
    text = f"{Decimal(value):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def describe(formula: RankingFormula) -> list[str]:
    """The formula in words and numbers, one sentence per term, as the bulletin prints it."""
    words = [
        _(
            "Ratings: completed %(completed)s, on track %(on_track)s, behind %(behind)s, "
            "not completed %(not_completed)s points per task."
        )
        % {
            "completed": _n(formula.points_completed),
            "on_track": _n(formula.points_on_track),
            "behind": _n(formula.points_behind),
            "not_completed": _n(formula.points_not_completed),
        },
        {
            DifficultyMode.NONE: _("Difficulty: not used; every task weighs the same."),
            DifficultyMode.WEIGHT: _(
                "Difficulty: each task weighs its difficulty factor in the average, so a hard "
                "task's rating counts more (ratings term = Σ points × factor ÷ Σ factor)."
            ),
            DifficultyMode.MULTIPLY: _(
                "Difficulty: each task's points are multiplied by its difficulty factor "
                "(ratings term = Σ points × factor ÷ number of tasks)."
            ),
        }[DifficultyMode(formula.difficulty_mode)],
    ]
    if formula.support_weight:
        words.append(
            _(
                "Supporting units: each task a unit supports counts in its average with "
                "weight %(weight)s of a task it leads, at the task's rating points if the unit "
                "reported a contribution that month, else 0."
            )
            % {"weight": _n(formula.support_weight)}
        )
    else:
        words.append(_("Supporting units: only the lead unit is scored on a task."))
    for weight, sentence in (
        (
            formula.reporting_weight,
            _("Reporting rate: %(w)s × the share of its tasks with a report in the month."),
        ),
        (
            formula.punctuality_weight,
            _("Punctuality: %(w)s × the share of weekly reports owed that came by the due time."),
        ),
        (
            formula.targets_weight,
            _("Targets: %(w)s × the average share of the way to each target at month end."),
        ),
        (
            formula.claimed_bonus,
            _("Claimed (揭榜) tasks: +%(w)s for each one rated completed or on track."),
        ),
    ):
        if weight:
            words.append(sentence % {"w": _n(weight)})
    deductions = [
        f"{penalty_label(kind)} −{_n(getattr(formula, name))}"
        for kind, name in PENALTY_SETTINGS.items()
        if getattr(formula, name)
    ]
    if deductions:
        words.append(
            _("Penalties applied in the month deduct: %(list)s.") % {"list": "、".join(deductions)}
        )
    words.append(
        _("Score = the sum of these terms, each rounded to 0.01; equal scores share a rank.")
    )
    words.append(boards_in_words(formula))
    return words


def boards_in_words(formula: RankingFormula) -> str:
    red, black = [], []
    if formula.red_top:
        red.append(_("the top %(n)d") % {"n": formula.red_top})
    if formula.red_min_score is not None:
        red.append(_("score %(s)s or more") % {"s": _n(formula.red_min_score)})
    if formula.black_bottom:
        black.append(_("the bottom %(n)d") % {"n": formula.black_bottom})
    if formula.black_max_score is not None:
        black.append(_("score below %(s)s") % {"s": _n(formula.black_max_score)})
    return _("Red board: %(red)s; black board: %(black)s.") % {
        "red": _(" and ").join(red) if red else _("none"),
        "black": _(" and ").join(black) if black else _("none"),
    }
