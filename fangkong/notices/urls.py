from django.urls import path

from . import views

app_name = "notices"

urlpatterns = [
    path("", views.notice_list, name="notice_list"),
    path("new/", views.notice_new, name="notice_new"),
    path("<int:notice_id>/", views.notice_detail, name="notice_detail"),
    path("<int:notice_id>/ack/", views.notice_ack, name="notice_ack"),
    path("<int:notice_id>/approve/", views.notice_approve, name="notice_approve"),
    path("<int:notice_id>/remind/", views.notice_remind, name="notice_remind"),
    path("<int:notice_id>/forward/", views.notice_forward, name="notice_forward"),
    path("<int:notice_id>/files/<int:attachment_id>/", views.attachment, name="attachment"),
    path("<int:notice_id>/withdraw/", views.notice_withdraw, name="notice_withdraw"),
]
