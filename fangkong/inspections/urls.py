from django.urls import path

from . import views

app_name = "inspections"

urlpatterns = [
    path("", views.home, name="home"),
    path("plans/", views.plans, name="plans"),
    path("plans/<int:assignment_id>/remove/", views.plan_remove, name="plan_remove"),
    path("visits/new/", views.visit_new, name="visit_new"),
    path("visits/<int:visit_id>/", views.visit_detail, name="visit_detail"),
    path("visits/<int:visit_id>/answer/", views.visit_answer, name="visit_answer"),
    path("visits/<int:visit_id>/finish/", views.visit_finish, name="visit_finish"),
    path("visits/<int:visit_id>/report.xlsx", views.visit_report_xlsx, name="visit_report_xlsx"),
    path("visits/<int:visit_id>/report.pdf", views.visit_report_pdf, name="visit_report_pdf"),
    path("photos/<int:photo_id>/", views.photo, name="photo"),
    path("board/", views.board, name="board"),
    path("rectifications/<int:rect_id>/", views.rectification_detail, name="rectification_detail"),
    path("rectifications/<int:rect_id>/fix/", views.rectification_fix, name="rectification_fix"),
    path(
        "rectifications/<int:rect_id>/verify/",
        views.rectification_verify,
        name="rectification_verify",
    ),
    path(
        "rectifications/<int:rect_id>/owner/",
        views.rectification_owner,
        name="rectification_owner",
    ),
    path(
        "rectifications/<int:rect_id>/supplies/",
        views.rectification_supplies,
        name="rectification_supplies",
    ),
]
