"""Staff health over JSON: check-ins, cases, observations, trips and risk areas."""

from ninja import Router

from . import cases, checkins, observation, travel

router = Router()
for module in (checkins, cases, observation, travel):
    router.add_router("", module.router)
