from django.urls import path

from . import views

app_name = "workbench"

urlpatterns = [
    path("tasks/", views.task_list, name="tasks"),
    path("tasks/count/", views.task_count, name="task_count"),
    path("command/", views.command, name="command"),
]
