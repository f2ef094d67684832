"""Work-streams: the five protective-security groups that own the projects."""
