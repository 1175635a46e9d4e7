from django.db import models


class PathField(models.CharField):
    """A materialized path ("/1/7/42/"): digits and slashes compared byte by byte.

    On PostgreSQL the column uses the "C" collation, so one plain b-tree index serves
    both the subtree range filter and ORDER BY path (a locale collation would ignore
    the slashes). SQLite compares bytes (BINARY) already.
    """

    def db_parameters(self, connection):
        params = super().db_parameters(connection)
        if connection.vendor == "postgresql":
            params["collation"] = "C"
        return params


def subtree_q(field: str, path: str) -> models.Q:
    """Rows whose `field` lies in the subtree at `path`, as an index range.

    Every path in the subtree starts with `path`, which ends with "/"; the range
    [path, path[:-1] + "0") holds exactly those strings because "/" sorts right before "0".
    """
    return models.Q(**{f"{field}__gte": path, f"{field}__lt": path[:-1] + "0"})
