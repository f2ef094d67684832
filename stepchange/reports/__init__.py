"""Reports: the programme board's dashboards, charts with their tables, and exports (counts only)."""
