def seed_funds(admin, log):
    pass
