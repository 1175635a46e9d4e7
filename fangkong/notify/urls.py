from django.urls import path

from . import views

app_name = "notify"

urlpatterns = [
    path("inbox/", views.inbox, name="inbox"),
    path("inbox/unread/", views.unread_badge, name="unread"),
    path("inbox/read/", views.mark_read, name="mark_read"),
    path("log/", views.delivery_log, name="log"),
    path("log/<int:message_id>/retry/", views.message_retry, name="message_retry"),
    path("log/retry-dead/", views.retry_dead, name="retry_dead"),
    path("chase/", views.chase, name="chase"),
    path("rules/", views.rule_list, name="rule_list"),
    path("rules/new/", views.rule_create, name="rule_create"),
    path("rules/<int:rule_id>/", views.rule_edit, name="rule_edit"),
    path("rules/<int:rule_id>/deactivate/", views.rule_deactivate, name="rule_deactivate"),
]
