def seed_rules(admin, log=print) -> None:
    pass
