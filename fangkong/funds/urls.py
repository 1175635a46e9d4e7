from django.urls import path

from . import views

app_name = "funds"

urlpatterns = [
    path("", views.fund_list, name="fund_list"),
    path("new/", views.fund_new, name="fund_new"),
    path("<int:fund_id>/", views.fund_detail, name="fund_detail"),
    path("<int:fund_id>/statement.xlsx", views.fund_export, name="fund_export"),
    path("<int:fund_id>/allocate/", views.allocate, name="allocate"),
    path("<int:fund_id>/proposals/new/", views.proposal_new, name="proposal_new"),
    path("proposals/<int:proposal_id>/", views.proposal_detail, name="proposal_detail"),
    path("proposals/<int:proposal_id>/edit/", views.proposal_edit, name="proposal_edit"),
    path("proposals/<int:proposal_id>/submit/", views.proposal_submit, name="proposal_submit"),
    path("proposals/<int:proposal_id>/decide/", views.proposal_decide, name="proposal_decide"),
    path("proposals/<int:proposal_id>/pay/", views.payment_new, name="payment_new"),
    path(
        "proposals/<int:proposal_id>/files/<int:attachment_id>/",
        views.attachment,
        name="attachment",
    ),
]
