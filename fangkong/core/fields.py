from django.core.exceptions import EmptyResultSet
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


@models.Field.register_lookup
class AnyOf(models.lookups.In):
    """`field__any=[…]`: `field__in` written as `field = ANY(%s)` with one array parameter
    on PostgreSQL (the same IN list elsewhere). For the batches of 1,000 ids or employee
    numbers: an IN list of 1,000 placeholders cost more to build and to quote (Django's
    lookup and psycopg's client-side binding, each placeholder parsed) than the query."""

    lookup_name = "any"

    def as_sql(self, compiler, connection):
        if connection.vendor != "postgresql" or not self.rhs_is_direct_value():
            return super().as_sql(compiler, connection)
        lhs, lhs_params = self.process_lhs(compiler, connection)
        values = [v for v in self.rhs if v is not None]
        if not values:
            raise EmptyResultSet
        field = self.lhs.output_field
        kind = "bigint" if isinstance(field, models.AutoField | models.IntegerField) else "text"
        if isinstance(field, models.ForeignKey):
            kind = "bigint"
        return f"{lhs} = ANY(%s::{kind}[])", (*lhs_params, values)


models.ForeignObject.register_lookup(AnyOf)  # its lookups do not inherit Field's
