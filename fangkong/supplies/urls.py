from django.urls import path

from . import views

app_name = "supplies"

urlpatterns = [
    path("board/", views.board, name="board"),
    path("requests/", views.request_list, name="request_list"),
    path("requests/new/", views.request_new, name="request_new"),
    path("requests/<int:request_id>/", views.request_detail, name="request_detail"),
    path("requests/<int:request_id>/decide/", views.request_decide, name="request_decide"),
    path("distribute/", views.distribute, name="distribute"),
]
