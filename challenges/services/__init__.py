"""Every write of open calls: publish (发榜), bid (揭榜), withdraw, assess (评榜), award, close.
Each is atomic, asks challenges.permissions, refuses with RuleViolation, and leaves a
CallEvent. The award creates the task through tasks.services.task_create."""

from challenges.services.awards import bid_assess, bid_award
from challenges.services.bids import bid_submit, bid_withdraw
from challenges.services.calls import call_close, call_publish

__all__ = ["bid_assess", "bid_award", "bid_submit", "bid_withdraw", "call_close", "call_publish"]
