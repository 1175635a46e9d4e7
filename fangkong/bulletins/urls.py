from django.urls import path

from . import views

app_name = "bulletins"

urlpatterns = [
    path("", views.archive, name="archive"),
    path("statements/", views.statements, name="statements"),
    path("<str:code>/generate/", views.generate, name="generate"),
    path("<str:code>/<str:day>/", views.detail, name="detail"),
    path("<str:code>/<str:day>/edit/", views.edit, name="edit"),
    path("<str:code>/<str:day>/approve/", views.approve, name="approve"),
    path("<str:code>/<str:day>/publish/", views.publish, name="publish"),
    path("<str:code>/<str:day>/bulletin.docx", views.download, {"kind": "docx"}, name="docx"),
    path("<str:code>/<str:day>/bulletin.pdf", views.download, {"kind": "pdf"}, name="pdf"),
]
