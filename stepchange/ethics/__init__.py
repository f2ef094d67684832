"""Ethics: reviewing conflict declarations, recusals, projects' commercial-advantage reviews and the register."""
