from django.contrib import admin
from django.urls import path
from django.views.generic import RedirectView

urlpatterns = [
    # Until the product's own pages exist, the operators' back office is the front door.
    path("", RedirectView.as_view(pattern_name="admin:index", permanent=False)),
    path("admin/", admin.site.urls),
]
