from django.urls import path

from .views import board, daily, distribution, requests, stock

app_name = "supplies"

urlpatterns = [
    *stock.urlpatterns,
    *daily.urlpatterns,
    path("board/", board.board, name="board"),
    path("requests/", requests.request_list, name="request_list"),
    path("requests/new/", requests.request_new, name="request_new"),
    path("requests/<int:request_id>/", requests.request_detail, name="request_detail"),
    path("requests/<int:request_id>/decide/", requests.request_decide, name="request_decide"),
    path("distribute/", distribution.distribute, name="distribute"),
]
