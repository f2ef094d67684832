"""Staff accounts: roles, sign-in, invitations, password resets and staff management."""
