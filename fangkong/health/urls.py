from .views import cases, checkins, observation, travel

app_name = "health"

urlpatterns = [
    *checkins.urlpatterns,
    *cases.urlpatterns,
    *observation.urlpatterns,
    *travel.urlpatterns,
]
