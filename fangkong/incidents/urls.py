from django.urls import path

from . import views

app_name = "incidents"

urlpatterns = [
    path("", views.board, name="board"),
    path("new/", views.incident_new, name="new"),
    path("new/call-first/", views.call_first, name="call_first"),
    path("<int:incident_id>/", views.incident_detail, name="detail"),
    path("<int:incident_id>/phone-report/", views.phone_report, name="phone_report"),
    path("<int:incident_id>/written-report/", views.written_report, name="written_report"),
    path("<int:incident_id>/ack/", views.acknowledge, name="ack"),
    path("<int:incident_id>/instruction/", views.instruct, name="instruct"),
    path("<int:incident_id>/close/", views.close, name="close"),
    path("<int:incident_id>/attachments/<int:attachment_id>/", views.attachment, name="attachment"),
]
