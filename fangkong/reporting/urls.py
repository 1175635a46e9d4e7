from django.urls import path

from . import views

app_name = "reporting"

urlpatterns = [
    path("", views.my_reports, name="my_reports"),
    path("overview/", views.overview, name="overview"),
    path("matrix/", views.matrix, name="matrix"),
    path("<slug:form_code>/<str:unit_code>/<str:day>/", views.report_detail, name="report"),
    path("<slug:form_code>/<str:unit_code>/<str:day>/check/", views.report_check, name="check"),
]
