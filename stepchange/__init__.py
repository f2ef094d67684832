"""Step-Change: the protective-security programme's web service."""
