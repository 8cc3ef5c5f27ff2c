"""A reproducible demo world: firms, their records from all five sources, banks, products and loan history."""
