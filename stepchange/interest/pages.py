"""The public form's pages, one topic each (``pages_questions``, ``pages_declarations``, ``pages_answers``,
``pages_flow``, ``pages_links``); the office's people pages are in ``people_pages`` and calls in ``call_pages``."""

from stepchange.interest.pages_questions import InterestPages

__all__ = ["InterestPages"]
