"""The coordination office's desk: suggestions with reasons, team rules, acceptance by link, notifications."""
