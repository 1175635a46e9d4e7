from .views import daily, stock

app_name = "supplies"

urlpatterns = [*stock.urlpatterns, *daily.urlpatterns]
