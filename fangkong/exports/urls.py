from django.urls import path

from . import views

app_name = "exports"

urlpatterns = [
    path("dhis2/", views.mapping_list, name="mapping_list"),
    path("dhis2/<slug:form_code>/", views.mapping_edit, name="mapping_edit"),
]
