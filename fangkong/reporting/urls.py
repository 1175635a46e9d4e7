from django.urls import path

from . import views

app_name = "reporting"

urlpatterns = [
    path("", views.my_reports, name="my_reports"),
    path("overview/", views.overview, name="overview"),
    path("overview/trend/", views.trend_series, name="trend_series"),
    path("matrix/", views.matrix, name="matrix"),
    path("overview/export/", views.rollup_export, name="rollup_export"),
    path("matrix/export/", views.matrix_export, name="matrix_export"),
    path("setup/", views.setup_home, name="setup"),
    path("setup/forms/<slug:form_code>/", views.form_edit, name="form_edit"),
    path("setup/assignments/", views.assignment_create, name="assignment_create"),
    path("setup/assignments/<int:assignment_id>/end/", views.assignment_end, name="assignment_end"),
    path("<slug:form_code>/<str:unit_code>/<str:day>/", views.report_detail, name="report"),
    path("<slug:form_code>/<str:unit_code>/<str:day>/check/", views.report_check, name="check"),
]
