"""Assignments: offering volunteers places on projects, under the programme's rules."""
