"""Work-stream governance rules and queries, one module per subject; `common` holds what they share."""
