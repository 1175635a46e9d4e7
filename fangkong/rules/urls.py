from django.urls import path

from . import views

app_name = "rules"

urlpatterns = [
    path("", views.rule_list, name="rule_list"),
    path("new/", views.rule_new, name="rule_new"),
    path("mine/", views.mine, name="mine"),
    path("<int:rule_id>/", views.rule_detail, name="rule_detail"),
    path("<int:rule_id>/publish/", views.rule_publish, name="rule_publish"),
    path("versions/<int:version_id>/", views.version_detail, name="version_detail"),
    path("versions/<int:version_id>/confirm/", views.confirm, name="confirm"),
    path("versions/<int:version_id>/files/<int:file_id>/", views.attachment, name="attachment"),
    path("plans/", views.plan_list, name="plan_list"),
    path("plans/edit/", views.plan_edit, name="plan_edit"),
    path("plans/<int:plan_id>/", views.plan_detail, name="plan_detail"),
    path("plans/<int:plan_id>/drill/", views.drill_new, name="drill_new"),
    path("drills/<int:drill_id>/", views.drill_detail, name="drill_detail"),
]
