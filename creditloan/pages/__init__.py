"""The pages, by who uses them: `accounts` (signing up and in, anyone), `applicant`, `officer` and `operator`, each
with its views and its own forms. The routes are in creditloan/urls.py, a namespace per role."""
