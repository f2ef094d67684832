"""Projects: the priority projects, their lifecycle, updates and amendments."""
