"""The tasks that carry out the flows' next steps, by their registered names (the flows may not import the tasks,
which call them). tests/creditloan/test_flows.py holds each name to a registered outbox task."""

SCORE_APPLICATION = "scoring.tasks.score_application"
ROUTE_APPLICATION = "matching.tasks.route_application"
REASSESS_ENTERPRISE = "matching.tasks.reassess_enterprise"
REASSESS_REPAIRED = "matching.tasks.reassess_repaired_after_import"
RERATE_POPULATION = "scoring.tasks.rerate_population"
AFTER_NEW_CHAMPION = "scoring.tasks.after_new_champion"
TRAIN_MODEL_RUN = "scoring.tasks.train_model_run"
WARN_LENDERS_AFTER_IMPORT = "matching.tasks.warn_lenders_after_import"
WARN_LENDERS_OF_FIRM = "matching.tasks.warn_lenders_of_firm"
IMPORT_UPLOAD = "creditloan.tasks.import_upload"

ALL = (
    SCORE_APPLICATION,
    ROUTE_APPLICATION,
    REASSESS_ENTERPRISE,
    REASSESS_REPAIRED,
    RERATE_POPULATION,
    AFTER_NEW_CHAMPION,
    TRAIN_MODEL_RUN,
    WARN_LENDERS_AFTER_IMPORT,
    WARN_LENDERS_OF_FIRM,
    IMPORT_UPLOAD,
)
