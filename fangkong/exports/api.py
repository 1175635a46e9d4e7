"""The DHIS2 export over HTTP: GET /api/v1/exports/dhis2/dataValueSets (JSON), …/adx (ADX
XML) and …/completeDataSetRegistrations, for the caller's subtree (docs/dhis2.md)."""

from django.http import HttpResponse
from ninja import Field, Query, Router, Schema

from fangkong.core.schemas import Code, Line

from . import dhis2, queries

router = Router(tags=["exports"])


class ExportQuery(Schema):
    form: Code = Field(..., description="the report form's code, e.g. daily")
    unit: Line(64) = Field(
        ...,
        description="the unit's DHIS2 org unit code (or its Fangkong code): it and every "
        "unit below it that has a DHIS2 code are exported",
    )
    start: Line(10) = Field(..., description="first report day, YYYY-MM-DD")
    end: Line(10) = Field(..., description="last report day, YYYY-MM-DD (at most 366 days)")


class DataValueOut(Schema):
    dataElement: str  # noqa: N815 (DHIS2's names)
    period: str
    orgUnit: str  # noqa: N815
    categoryOptionCombo: str | None = None  # noqa: N815
    value: str


class DataValueSetOut(Schema):
    dataSet: str  # noqa: N815
    period: str | None = None
    orgUnit: str | None = None  # noqa: N815
    completeDate: str | None = None  # noqa: N815
    dataValues: list[DataValueOut]  # noqa: N815


class RegistrationOut(Schema):
    dataSet: str  # noqa: N815
    period: str
    organisationUnit: str  # noqa: N815
    date: str
    completed: bool


class RegistrationsOut(Schema):
    completeDataSetRegistrations: list[RegistrationOut]  # noqa: N815


def _export(request, query: ExportQuery, response: HttpResponse | None = None):
    export = queries.build_export(
        request.user, form_code=query.form, unit_code=query.unit, start=query.start, end=query.end
    )
    if response is not None:
        for name, value in dhis2.skipped_headers(export).items():
            response[name] = value
    return export


@router.get(
    "/exports/dhis2/dataValueSets",
    response=DataValueSetOut,
    exclude_none=True,
    summary="Filed reports as a DHIS2 data value set (JSON)",
)
def data_value_sets(request, response: HttpResponse, query: Query[ExportQuery]):
    """Import into DHIS2 with `POST /api/dataValueSets?dataElementIdScheme=code&orgUnitIdScheme=code`.
    Units without a DHIS2 code and fields without a data element are left out and
    counted in the `X-Fangkong-Skipped-*` headers."""
    return dhis2.data_value_set(_export(request, query, response))


@router.get(
    "/exports/dhis2/completeDataSetRegistrations",
    response=RegistrationsOut,
    summary="Filed reports as DHIS2 complete data set registrations (JSON)",
)
def complete_registrations(request, response: HttpResponse, query: Query[ExportQuery]):
    return dhis2.complete_registrations(_export(request, query, response))


@router.get(
    "/exports/dhis2/adx",
    summary="Filed reports as ADX XML (IHE QRPH ADX)",
    openapi_extra={
        "responses": {
            200: {
                "description": "ADX message",
                "content": {"application/adx+xml": {"schema": {"type": "string"}}},
            }
        }
    },
)
def adx(request, query: Query[ExportQuery]):
    """Import into DHIS2 with `POST /api/dataValueSets` and
    `Content-Type: application/adx+xml`, `dataElementIdScheme=code&orgUnitIdScheme=code`."""
    export = _export(request, query)
    reply = HttpResponse(dhis2.adx(export), content_type="application/adx+xml; charset=utf-8")
    for name, value in dhis2.skipped_headers(export).items():
        reply[name] = value
    return reply
