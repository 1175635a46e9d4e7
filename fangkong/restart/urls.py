from django.urls import path

from . import views

app_name = "restart"

urlpatterns = [
    path("", views.plan_list, name="list"),
    path("edit/", views.plan_edit, name="edit"),
    path("<int:plan_id>/", views.detail, name="detail"),
    path("<int:plan_id>/act/", views.act, name="act"),
]
