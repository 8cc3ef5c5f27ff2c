"""Every page's address, grouped by who uses it: accounts (anyone), the applicant, the bank officer and the
operator, each a namespace (`applicant:apply`) whose views are in creditloan/pages/<role>/views.py; the API's
are in creditloan/api/urls.py. tests/test_urls.py holds the paths themselves to the list they had."""

from csp.constants import SELF, UNSAFE_INLINE
from csp.decorators import csp_update
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path, register_converter, reverse_lazy
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView

from creditloan.converters import IdConverter
from creditloan.pages.accounts import views as accounts
from creditloan.pages.accounts.forms import SignInForm
from creditloan.pages.applicant import views as applicant
from creditloan.pages.officer import loans as officer_loans
from creditloan.pages.officer import views as officer
from creditloan.pages.officer import warnings as officer_warnings
from creditloan.pages.operator import deadlines as operator_deadlines
from creditloan.pages.operator import views as operator

register_converter(IdConverter, "id")

api_docs_styles = csp_update({"style-src": [UNSAFE_INLINE]})
# ReDoc searches in a web worker it builds from a blob of its own script.
redoc_policy = csp_update({"style-src": [UNSAFE_INLINE], "worker-src": [SELF, "blob:"]})

accounts_pages = [
    path("login/", auth_views.LoginView.as_view(authentication_form=SignInForm), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("signup/", accounts.signup, name="signup"),
    path("password-reset/", accounts.password_reset_by_phone, name="password_reset_by_phone"),
    path("password-reset/confirm/", accounts.password_reset_by_phone_confirm, name="password_reset_by_phone_confirm"),
    # By e-mail, where the account gave one: Django's signed, single-use links.
    path(
        "password-reset/email/",
        auth_views.PasswordResetView.as_view(
            template_name="registration/password_reset_email_form.html",
            email_template_name="registration/password_reset_email.txt",
            subject_template_name="registration/password_reset_subject.txt",
            success_url=reverse_lazy("accounts:password_reset_done"),
        ),
        name="password_reset",
    ),
    path(
        "password-reset/email/sent/",
        auth_views.PasswordResetDoneView.as_view(template_name="registration/password_reset_sent.html"),
        name="password_reset_done",
    ),
    path(
        "password-reset/email/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(
            template_name="registration/password_reset_new.html",
            success_url=reverse_lazy("accounts:password_reset_complete"),
        ),
        name="password_reset_confirm",
    ),
    path(
        "password-reset/email/done/",
        auth_views.PasswordResetCompleteView.as_view(template_name="registration/password_reset_finished.html"),
        name="password_reset_complete",
    ),
    path("legal/<str:document>/", accounts.agreement, name="agreement"),
    path("uscc-check/", accounts.uscc_check, name="uscc_check"),
    path("products/", accounts.products, name="products"),
]

applicant_pages = [
    path("", applicant.applicant_home, name="home"),
    path("phone/", applicant.phone_confirm_view, name="phone_confirm"),
    path("identity/", applicant.identity_verify_view, name="identity_verify"),
    path("enterprises/add/", applicant.enterprise_add, name="enterprise_add"),
    path("enterprises/<id:enterprise_id>/agents/", applicant.delegations, name="delegations"),
    path("enterprises/<id:enterprise_id>/report/", applicant.credit_report, name="credit_report"),
    path("enterprises/<id:enterprise_id>/access/", applicant.access_log, name="access_log"),
    path("enterprises/<id:enterprise_id>/export/", applicant.enterprise_export_view, name="enterprise_export"),
    path("enterprises/<id:enterprise_id>/apply/", applicant.apply, name="apply"),
    path("authorisations/", applicant.authorisations, name="authorisations"),
    path(
        "authorisations/<id:authorisation_id>/revoke/", applicant.authorisation_revoke_view, name="authorisation_revoke"
    ),
    path("applications/<id:application_id>/", applicant.application_detail, name="application_detail"),
    path(
        "applications/<id:application_id>/review/",
        applicant.knockout_review_request_view,
        name="knockout_review_request",
    ),
    path(
        "applications/<id:application_id>/withdraw/", applicant.application_withdraw_view, name="application_withdraw"
    ),
]

officer_pages = [
    path("offers/", officer.officer_queue, name="queue"),
    path("offers/<id:offer_id>/", officer.officer_offer, name="offer"),
    path("figures/", officer.officer_figures, name="figures"),
    path("loans/", officer_loans.officer_loans, name="loans"),
    path("loans/<id:loan_id>/", officer_loans.officer_loan, name="loan"),
    path("warnings/", officer_warnings.officer_warnings, name="warnings"),
    path("warnings/<id:warning_id>/", officer_warnings.officer_warning, name="warning"),
]

operator_pages = [
    path("dashboard/", operator.operator_dashboard, name="dashboard"),
    path("banks/", operator.operator_banks, name="banks"),
    path("banks/new/", operator.operator_bank_edit, name="bank_new"),
    path("banks/<id:bank_id>/", operator.operator_bank_edit, name="bank_edit"),
    path("products/", operator.operator_products, name="products"),
    path("products/new/", operator.operator_product_edit, name="product_new"),
    path("products/<id:product_id>/", operator.operator_product_edit, name="product_edit"),
    path("products/<id:product_id>/active/", operator.operator_product_active, name="product_active"),
    path("weights/", operator.operator_weights, name="weights"),
    path("prime-rates/", operator.operator_prime_rates, name="prime_rates"),
    path("disputes/", operator.operator_disputes, name="disputes"),
    path("reviews/", operator.operator_reviews, name="reviews"),
    path("escalations/", operator_deadlines.operator_escalations, name="escalations"),
    path("calendar/", operator_deadlines.operator_calendar, name="calendar"),
    path("imports/", operator.operator_imports, name="imports"),
    path("imports/<id:batch_id>/", operator.operator_import, name="import"),
    path("imports/<id:batch_id>/progress/", operator.operator_import_progress, name="import_progress"),
    path("imports/upload/", operator.operator_import_upload, name="import_upload"),
    path("models/", operator.operator_models, name="models"),
    path("models/runs/<id:run_id>/", operator.operator_training_run, name="training_run"),
    path("drift/", operator.operator_drift, name="drift"),
]

urlpatterns = [
    path("", accounts.home, name="home"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include((accounts_pages, "accounts"))),
    path("me/", include((applicant_pages, "applicant"))),
    path("bank/", include((officer_pages, "officer"))),
    path("operations/", include((operator_pages, "operator"))),
    path("admin/", admin.site.urls),
    path("api/v1/", include("creditloan.api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api_schema"),
    # Swagger UI's set-up script is served on its own (the split view), so it runs under script-src 'self'; both
    # docs pages keep their inline styles (ReDoc writes its own), the only relaxation of the site's policy.
    path(
        "api/docs/",
        api_docs_styles(SpectacularSwaggerSplitView.as_view(url_name="api_schema")),
        name="api_docs",
    ),
    path(
        "api/redoc/",
        redoc_policy(
            SpectacularRedocView.as_view(url_name="api_schema", template_name="drf_spectacular/redoc_local.html")
        ),
        name="api_redoc",
    ),
]

handler404 = "creditloan.api.errors.not_found_or_page"
handler500 = "creditloan.api.errors.server_error_or_page"
