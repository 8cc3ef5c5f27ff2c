from csp.constants import SELF, UNSAFE_INLINE
from csp.decorators import csp_update
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path, register_converter
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView

from creditloan import views
from creditloan.converters import IdConverter
from creditloan.forms import SignInForm
from creditloan.identity import views as identity_views
from matching import views as matching_views

register_converter(IdConverter, "id")

api_docs_styles = csp_update({"style-src": [UNSAFE_INLINE]})
# ReDoc searches in a web worker it builds from a blob of its own script.
redoc_policy = csp_update({"style-src": [UNSAFE_INLINE], "worker-src": [SELF, "blob:"]})

urlpatterns = [
    path("", views.home, name="home"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("login/", auth_views.LoginView.as_view(authentication_form=SignInForm), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("signup/", identity_views.signup, name="signup"),
    path("password-reset/", identity_views.password_reset_by_phone, name="password_reset_by_phone"),
    path(
        "password-reset/confirm/",
        identity_views.password_reset_by_phone_confirm,
        name="password_reset_by_phone_confirm",
    ),
    # By e-mail, where the account gave one: Django's signed, single-use links.
    path(
        "password-reset/email/",
        auth_views.PasswordResetView.as_view(
            template_name="registration/password_reset_email_form.html",
            email_template_name="registration/password_reset_email.txt",
            subject_template_name="registration/password_reset_subject.txt",
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
        auth_views.PasswordResetConfirmView.as_view(template_name="registration/password_reset_new.html"),
        name="password_reset_confirm",
    ),
    path(
        "password-reset/email/done/",
        auth_views.PasswordResetCompleteView.as_view(template_name="registration/password_reset_finished.html"),
        name="password_reset_complete",
    ),
    path("legal/<str:document>/", identity_views.agreement, name="agreement"),
    path("uscc-check/", views.uscc_check, name="uscc_check"),
    path("me/", views.applicant_home, name="applicant_home"),
    path("me/phone/", identity_views.phone_confirm_view, name="phone_confirm"),
    path("me/identity/", identity_views.identity_verify_view, name="identity_verify"),
    path("me/enterprises/add/", identity_views.enterprise_add, name="enterprise_add"),
    path("me/enterprises/<id:enterprise_id>/agents/", identity_views.delegations, name="delegations"),
    path("me/authorisations/", views.authorisations, name="authorisations"),
    path("me/enterprises/<id:enterprise_id>/report/", views.credit_report, name="credit_report"),
    path("me/enterprises/<id:enterprise_id>/access/", views.access_log, name="access_log"),
    path("me/enterprises/<id:enterprise_id>/export/", views.enterprise_export_view, name="enterprise_export"),
    path(
        "me/authorisations/<id:authorisation_id>/revoke/",
        views.authorisation_revoke_view,
        name="authorisation_revoke",
    ),
    path("me/enterprises/<id:enterprise_id>/apply/", views.apply, name="apply"),
    path("me/applications/<id:application_id>/", views.application_detail, name="application_detail"),
    path(
        "me/applications/<id:application_id>/review/",
        views.knockout_review_request_view,
        name="knockout_review_request",
    ),
    path(
        "me/applications/<id:application_id>/withdraw/",
        views.application_withdraw_view,
        name="application_withdraw",
    ),
    path("bank/offers/", matching_views.officer_queue, name="officer_queue"),
    path("bank/offers/<id:offer_id>/", matching_views.officer_offer, name="officer_offer"),
    path("operations/banks/", matching_views.operator_banks, name="operator_banks"),
    path("operations/banks/new/", matching_views.operator_bank_edit, name="operator_bank_new"),
    path("operations/banks/<id:bank_id>/", matching_views.operator_bank_edit, name="operator_bank_edit"),
    path("operations/products/", matching_views.operator_products, name="operator_products"),
    path("operations/products/new/", matching_views.operator_product_edit, name="operator_product_new"),
    path("operations/products/<id:product_id>/", matching_views.operator_product_edit, name="operator_product_edit"),
    path(
        "operations/products/<id:product_id>/active/",
        matching_views.operator_product_active,
        name="operator_product_active",
    ),
    path("operations/disputes/", matching_views.operator_disputes, name="operator_disputes"),
    path("operations/reviews/", matching_views.operator_reviews, name="operator_reviews"),
    path("operations/dashboard/", matching_views.operator_dashboard, name="operator_dashboard"),
    path("operations/drift/", matching_views.operator_drift, name="operator_drift"),
    path("operations/imports/", matching_views.operator_imports, name="operator_imports"),
    path("operations/weights/", matching_views.operator_weights, name="operator_weights"),
    path("operations/models/", matching_views.operator_models, name="operator_models"),
    path("operations/models/runs/<id:run_id>/", matching_views.operator_training_run, name="operator_training_run"),
    path("operations/imports/<id:batch_id>/", matching_views.operator_import, name="operator_import"),
    path("bank/figures/", matching_views.officer_figures, name="officer_figures"),
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
