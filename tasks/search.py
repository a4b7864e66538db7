"""The task search of the list pages, 我的任务 and the drill-downs: each word found in the
task's title, content or specific owner, its number, or its lead unit's name.

On PostgreSQL a trigram index (``task_search_trgm``, migration 0010) serves the words of
three characters or more: title, content and specific owner are searched as one text
(``SearchText``), the expression the index holds, so one index answers all three; the lead
units whose name matches are an array of ids (``AnyOf``), which the index on the lead unit
serves, so the whole condition is an OR of index scans instead of reading every task of the
list. Words of one or two characters (common in Chinese: 督办, 住建) have no trigram: the
database reads the tasks as before. The results are the same either way and on SQLite.
"""

from django.db.models import F, Func, Lookup, Q, Subquery, TextField
from django.db.models.lookups import IContains

from accounts.models import Unit
from tasks.models import Task

#: Between the fields of ``SearchText``: a word of the search holds no whitespace (the words
#: are the query split on it), so no match can run from one field into the next.
SEPARATOR = " "


class SearchText(Func):
    """Title, content and specific owner as one text (the trigram index's expression)."""

    template = "(%(expressions)s)"
    arg_joiner = f" || '{SEPARATOR}' || "
    output_field = TextField()

    def __init__(self, **extra):
        super().__init__(F("title"), F("content"), F("specific_owner_name"), **extra)


class AnyOf(Lookup):
    """``lhs`` among the values a subquery returns: on PostgreSQL ``= ANY(ARRAY(...))``, an
    array computed once that an index scan can take (``IN (subquery)`` inside an OR is a
    filter on every row), elsewhere ``IN (...)``."""

    lookup_name = "any_of"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} IN {rhs}", (*lhs_params, *rhs_params)

    def as_postgresql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} = ANY(ARRAY{rhs})", (*lhs_params, *rhs_params)


def word_q(word: str) -> Q:
    """One word of the search, as a condition on the task.

    The text is asked of live tasks and of drafts apart: the trigram index holds live tasks
    only (migration 0012: a draft list's tasks are written without it, and enter it once when
    published), so that is where the planner looks for them, and for the tasks of a draft list,
    which its coordinators review and search too, it reads the few drafts through the index of
    status. Together the two are every task, as before.
    """
    units = Unit.objects.filter(name__icontains=word).order_by().values("pk")
    text = IContains(SearchText(), word)
    return (
        (~Q(status=Task.Status.DRAFT) & Q(text))
        | (Q(status=Task.Status.DRAFT) & Q(text))
        | Q(code=word)
        | Q(AnyOf(F("lead_unit_id"), Subquery(units)))
    )
