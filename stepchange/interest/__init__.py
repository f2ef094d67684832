"""Expressions of interest: calls to action and the volunteers' answers to them."""
