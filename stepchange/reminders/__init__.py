"""Reminders that chase the right person once, in one digest a day, and calendar feeds (issue 27)."""
