from django.urls import path

from . import views

app_name = "donations"

urlpatterns = [
    path("", views.campaign_list, name="campaign_list"),
    path("new/", views.campaign_new, name="campaign_new"),
    path("<int:campaign_id>/", views.campaign_detail, name="campaign_detail"),
    path("<int:campaign_id>/close/", views.campaign_close, name="campaign_close"),
    path("<int:campaign_id>/gifts/new/", views.gift_new, name="gift_new"),
    path("<int:campaign_id>/gifts/import/", views.gift_import, name="gift_import"),
    path("<int:campaign_id>/gifts/template/", views.gift_template, name="gift_template"),
    path("<int:campaign_id>/remit/", views.remittance_new, name="remittance_new"),
    path(
        "<int:campaign_id>/remittances/<int:remittance_id>/receipt/",
        views.remittance_receipt,
        name="remittance_receipt",
    ),
    path("<int:campaign_id>/thanks.xlsx", views.thanks_export, name="thanks_export"),
    path("<int:campaign_id>/notice/", views.notice, name="notice"),
    path("goods/", views.goods_list, name="goods_list"),
    path("goods/received/new/", views.goods_received_new, name="goods_received_new"),
    path("goods/given/new/", views.goods_given_new, name="goods_given_new"),
    path("goods/<int:goods_id>/certificate/", views.certificate, name="certificate"),
    path("goods/<int:goods_id>/receipt/", views.goods_receipt, name="goods_receipt"),
]
