from django.urls import path

from . import views

app_name = "orgs"

urlpatterns = [
    path("units/", views.unit_tree, name="unit_tree"),
    path("units/add/", views.unit_add_root, name="unit_add_root"),
    path("units/<str:code>/", views.unit_detail, name="unit_detail"),
    path("units/<str:code>/children/", views.unit_children, name="unit_children"),
    path("units/<str:code>/edit/", views.unit_edit, name="unit_edit"),
    path("units/<str:code>/add-child/", views.unit_add_child, name="unit_add_child"),
    path("units/<str:code>/add-person/", views.person_add, name="person_add"),
    path("units/<str:code>/roles/", views.unit_role_add, name="unit_role_add"),
    path(
        "units/<str:code>/roles/<int:assignment_id>/remove/",
        views.unit_role_remove,
        name="unit_role_remove",
    ),
    path("pick/units/", views.unit_pick, name="unit_pick"),
    path("pick/units/<str:code>/children/", views.unit_pick_children, name="unit_pick_children"),
    path("pick/people/", views.person_pick, name="person_pick"),
    path("people/", views.people_list, name="people_list"),
    path("people/<int:person_id>/", views.person_detail, name="person_detail"),
    path("people/<int:person_id>/edit/", views.person_edit, name="person_edit"),
    path("transfer/", views.transfer, name="transfer"),
    path("transfer/<str:kind>/template.xlsx", views.template_download, name="template_download"),
    path("transfer/<str:kind>/export.xlsx", views.export_download, name="export_download"),
    path("transfer/<str:kind>/import/", views.import_upload, name="import_upload"),
]
