from django.urls import path

from . import views

app_name = "canteens"

urlpatterns = [
    path("", views.canteen_list, name="list"),
    path("setup/", views.setup, name="setup"),
    path("<str:code>/", views.detail, name="detail"),
    path("<str:code>/plan/", views.plan_action, name="plan_action"),
]
