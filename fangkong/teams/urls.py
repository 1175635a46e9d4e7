from django.urls import path

from . import views

app_name = "teams"

urlpatterns = [
    path("", views.team_list, name="team_list"),
    path("new/", views.team_new, name="team_new"),
    path("today/", views.today, name="today"),
    path("<int:team_id>/", views.team_detail, name="team_detail"),
    path("<int:team_id>/members/", views.member_save, name="member_save"),
    path("<int:team_id>/members/remove/", views.member_remove, name="member_remove"),
    path("<int:team_id>/deploy/", views.deployment_new, name="deployment_new"),
    path("deployments/<int:deployment_id>/end/", views.deployment_end, name="deployment_end"),
]
