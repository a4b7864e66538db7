"""Reads of the cockpit. Every page costs a fixed number of queries whatever the number of
tasks, units and weeks (GROUP BY with conditional counts, never a count per unit):
``figures`` (headline figures per campaign), ``breakdowns`` (heat map, categories, unit
table), ``redlist``, ``drill`` (the tasks behind a figure), ``units`` (a unit's page) and
``trend`` (the weekly snapshots)."""
