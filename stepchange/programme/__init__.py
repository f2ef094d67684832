"""The programme as a whole: its milestones and the key activity to date."""
