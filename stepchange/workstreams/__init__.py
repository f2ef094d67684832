"""The five work-streams: the reference table every other domain hangs from."""
