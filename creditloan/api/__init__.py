"""The REST API under /api/v1/: the same services and selectors as the pages, for API clients of the three
roles and for the source systems that push records."""
