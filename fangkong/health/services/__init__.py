"""Writes of staff health, one module per capability: checkins (晨检 and personal links),
cases (fever and health cases), observation (留观 and daily follow-ups), travel (trips
and risk areas). Each service runs in one transaction and checks scope itself."""
