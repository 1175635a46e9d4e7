"""Pages of staff health, one module per capability; each module lists its `urlpatterns`,
which health/urls.py puts together."""
