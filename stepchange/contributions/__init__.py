"""Time donated and unreimbursed expenses: what volunteers with a place give, month by month."""
