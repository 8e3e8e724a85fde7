"""HTTP conventions every service shares: problems, auth, idempotency, pagination."""
