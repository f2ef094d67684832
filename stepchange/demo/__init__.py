"""Demonstration data for development: one account per role (``accounts``), a call open now to try the
form (``call``), and realistic synthetic data at national scale (``national``, made subject by subject)."""

from __future__ import annotations

from stepchange.demo.batch import DEMO_CALL_PREFIX, GenerateReport
from stepchange.demo.national import generate, refresh_statistics

__all__ = ("DEMO_CALL_PREFIX", "GenerateReport", "generate", "refresh_statistics")
