"""Each role's home: the page staff land on after signing in, built from live counts, linking to the work."""
