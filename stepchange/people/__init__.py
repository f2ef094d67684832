"""People: the volunteers' records, how well the office knows who they are, and the organisations register."""
