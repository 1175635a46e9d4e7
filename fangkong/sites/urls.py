from django.urls import path

from . import views

app_name = "sites"

urlpatterns = [
    path("", views.compliance, name="compliance"),
    path("site/<str:code>/", views.site, name="site"),
    path("slots/<int:slot_id>/log/", views.slot_log, name="slot_log"),
    path("schedules/", views.schedules_page, name="schedules"),
    path("qr/", views.qr_sheet, name="qr_sheet"),
    path("qr/<str:code>/change/", views.link_change, name="link_change"),
    path("q/<str:token>/", views.scan, name="scan"),
    path("q/<str:token>/signin/", views.scan_signin, name="scan_signin"),
]
