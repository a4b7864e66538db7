"""The unit ranking (赛马): a formula per campaign, computed the same way for a draft before
certifying and for the certified month, and explained term by term.

* ``formula``: the settings read back from a certified review's copy, checked, put in words;
* ``compute``: the arithmetic (no database): inputs + formula → terms, score, rank, board;
* ``inputs``: the inputs of a review, read in a fixed number of queries, or as stored;
* ``selectors``: the ranking a page shows (draft or certified), rank changes, one unit's why;
* ``exports``: the ranking's sheets of the bulletin's workbook.

The formula's writes (``ranking_formula_update``) are in ``cycles.services.ranking``.
"""
