"""Loading source files (CSV, JSON Lines) into the credit data hub: validated, idempotent, all or nothing."""
