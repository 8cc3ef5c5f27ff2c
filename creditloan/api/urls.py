"""/api/v1/: one route table for the API, by role, in the namespace `api` (`api:offers`). Each role's views are
its module here: accounts and tokens (anyone), applicant, officer, operator, sources (the source systems)."""

from django.urls import path

from creditloan.api import accounts, applicant, loans, officer, operator, sources, tokens

app_name = "api"

urlpatterns = [
    path("tokens/", tokens.Tokens.as_view(), name="tokens"),
    path("tokens/<id:token_id>/revoke/", tokens.TokenRevoke.as_view(), name="token_revoke"),
    # Accounts: opened and recovered without signing in; then the mobile, the identity, the firm's agents
    path("accounts/", accounts.Accounts.as_view(), name="accounts"),
    path("accounts/me/", accounts.Me.as_view(), name="account"),
    path("accounts/me/phone/code/", accounts.PhoneCodeResend.as_view(), name="phone_code"),
    path("accounts/me/phone/confirm/", accounts.PhoneConfirm.as_view(), name="phone_confirm"),
    path("accounts/me/identity/", accounts.Identity.as_view(), name="identity"),
    path("password-reset/", accounts.PasswordReset.as_view(), name="password_reset"),
    path("password-reset/confirm/", accounts.PasswordResetConfirm.as_view(), name="password_reset_confirm"),
    path("enterprises/<id:enterprise_id>/agents/", accounts.Agents.as_view(), name="agents"),
    path("delegations/<id:delegation_id>/approve/", accounts.DelegationApprove.as_view(), name="delegation_approve"),
    path("delegations/<id:delegation_id>/refuse/", accounts.DelegationRefuse.as_view(), name="delegation_refuse"),
    path("delegations/<id:delegation_id>/revoke/", accounts.DelegationRevoke.as_view(), name="delegation_revoke"),
    # Applicants
    path("enterprises/", applicant.Enterprises.as_view(), name="enterprises"),
    path("enterprises/<id:enterprise_id>/", applicant.EnterpriseDetail.as_view(), name="enterprise"),
    path("enterprises/<id:enterprise_id>/eligibility/", applicant.Eligibility.as_view(), name="eligibility"),
    path("enterprises/<id:enterprise_id>/credit-report/", applicant.CreditReport.as_view(), name="credit_report"),
    path("enterprises/<id:enterprise_id>/access-log/", applicant.AccessLogList.as_view(), name="access_log"),
    path("enterprises/<id:enterprise_id>/export/", applicant.EnterpriseExport.as_view(), name="enterprise_export"),
    path("authorisations/", applicant.Authorisations.as_view(), name="authorisations"),
    path(
        "authorisations/<id:authorisation_id>/revoke/",
        applicant.AuthorisationRevoke.as_view(),
        name="authorisation_revoke",
    ),
    path("applications/", applicant.Applications.as_view(), name="applications"),
    path("applications/<id:application_id>/", applicant.ApplicationDetail.as_view(), name="application"),
    path(
        "applications/<id:application_id>/withdraw/",
        applicant.ApplicationWithdraw.as_view(),
        name="application_withdraw",
    ),
    path(
        "applications/<id:application_id>/review/",
        applicant.KnockOutReviewRequest.as_view(),
        name="knockout_review_request",
    ),
    path("disputes/", applicant.Disputes.as_view(), name="disputes"),
    # Bank officers
    path("offers/", officer.OfferQueue.as_view(), name="offers"),
    path("offers/<id:offer_id>/", officer.OfferView.as_view(), name="offer"),
    path("offers/<id:offer_id>/accept/", officer.Accept.as_view(), name="offer_accept"),
    path("offers/<id:offer_id>/decline/", officer.DeclineOffer.as_view(), name="offer_decline"),
    path("offers/<id:offer_id>/approve/", officer.ApproveOffer.as_view(), name="offer_approve"),
    path("offers/<id:offer_id>/disburse/", officer.DisburseOffer.as_view(), name="offer_disburse"),
    path("bank/warnings/", officer.Warnings.as_view(), name="warnings"),
    path("bank/loans/status/", loans.LoanStatusReports.as_view(), name="loan_status_reports"),
    path("bank/warnings/<id:warning_id>/", officer.WarningView.as_view(), name="warning"),
]

urlpatterns += [
    path("operations/banks/", operator.Banks.as_view(), name="banks"),
    path("operations/banks/<id:bank_id>/", operator.BankDetail.as_view(), name="bank"),
    path("operations/products/", operator.Products.as_view(), name="products"),
    path("operations/products/<id:product_id>/", operator.ProductDetail.as_view(), name="product"),
    path("operations/weights/", operator.Weights.as_view(), name="weights"),
    path("operations/weights/preview/", operator.WeightsPreview.as_view(), name="weights_preview"),
    path("operations/models/", operator.ModelVersions.as_view(), name="models"),
    path("operations/models/train/", operator.TrainModel.as_view(), name="model_train"),
    path("operations/models/runs/<id:run_id>/", operator.TrainingRunDetail.as_view(), name="training_run"),
    path("operations/models/<id:number>/promote/", operator.Promote.as_view(), name="model_promote"),
    path("operations/models/roll-back/", operator.RollBack.as_view(), name="model_roll_back"),
    path("operations/imports/", operator.ImportBatches.as_view(), name="imports"),
    path("operations/imports/<id:batch_id>/", operator.ImportBatchDetail.as_view(), name="import"),
    path(
        "operations/imports/<id:batch_id>/rejections/",
        operator.ImportRejections.as_view(),
        name="import_rejections",
    ),
    path("operations/disputes/", operator.DisputeQueue.as_view(), name="dispute_queue"),
    path("operations/disputes/<id:dispute_id>/resolve/", operator.DisputeResolve.as_view(), name="dispute_resolve"),
    path("operations/reviews/", operator.ReviewQueue.as_view(), name="review_queue"),
    path("operations/reviews/<id:review_id>/resolve/", operator.ReviewResolve.as_view(), name="review_resolve"),
    path("operations/dashboard/", operator.Dashboard.as_view(), name="dashboard"),
]

urlpatterns += [
    path("sources/<str:source>/records/", sources.PushRecords.as_view(), name="push_records"),
]
