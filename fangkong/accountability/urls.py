from django.urls import path

from . import views

app_name = "accountability"

# No view creates or edits an entry: the system records them (services.record_entry).
urlpatterns = [
    path("", views.entry_list, name="entry_list"),
    path("export.xlsx", views.entry_export, name="entry_export"),
    path("entries/<int:entry_id>/annotate/", views.entry_annotate, name="entry_annotate"),
]
