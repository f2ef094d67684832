"""Volunteer self-service: sign in by link, manage my record, download my data, ask for erasure."""
