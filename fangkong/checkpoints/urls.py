from django.urls import path

from . import views

app_name = "checkpoints"

urlpatterns = [
    path("", views.checkpoint_list, name="list"),
    path("new/", views.checkpoint_new, name="new"),
    path("bulk/", views.bulk, name="bulk"),
    path("<str:code>/", views.detail, name="detail"),
    path("<str:code>/state/", views.set_state, name="set_state"),
    path("<str:code>/signin/", views.set_signin, name="set_signin"),
]
