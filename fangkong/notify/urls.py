from django.urls import path

from . import views

app_name = "notify"

urlpatterns = [
    path("inbox/", views.inbox, name="inbox"),
    path("inbox/unread/", views.unread_badge, name="unread"),
    path("inbox/read/", views.mark_read, name="mark_read"),
    path("log/", views.delivery_log, name="log"),
    path("log/<int:message_id>/retry/", views.message_retry, name="message_retry"),
]
