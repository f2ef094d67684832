"""Shared plumbing: settings, database, errors, templating. Imports no domain."""
