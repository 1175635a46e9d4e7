"""An export in DHIS2's formats: the dataValueSets JSON, ADX XML (IHE QRPH ADX, with DHIS2's
`categoryOptionCombo` attribute) and the completeDataSetRegistrations JSON.

Codes, not uids: the administrator imports with dataElementIdScheme=code,
orgUnitIdScheme=code (or idScheme=code), see docs/dhis2.md."""

from datetime import UTC, datetime
from xml.etree import ElementTree

from .queries import Export

ADX_NAMESPACE = "urn:ihe:qrph:adx:2015"


def dhis2_period(day) -> str:
    return day.strftime("%Y%m%d")  # DHIS2's daily period, yyyyMMdd


def adx_period(day) -> str:
    return f"{day.isoformat()}/P1D"  # ADX: start date and ISO 8601 duration


def data_value_set(export: Export) -> dict:
    """DHIS2's data value set. Each data value names its period and org unit, so one
    document carries a subtree over many days; when it is one unit's one day, the set
    names them too, with `completeDate` (DHIS2 then registers the data set complete).
    Over several (unit, day) DHIS2 takes completeness from completeDataSetRegistrations."""
    values = []
    for group in export.groups:
        period = dhis2_period(group.day)
        for element, combo, value in group.values:
            item = {"dataElement": element, "period": period, "orgUnit": group.org_unit}
            if combo:
                item["categoryOptionCombo"] = combo
            item["value"] = value
            values.append(item)
    body = {"dataSet": export.data_set}
    if len(export.groups) == 1:
        group = export.groups[0]
        body["period"] = dhis2_period(group.day)
        body["orgUnit"] = group.org_unit
        body["completeDate"] = group.completed.isoformat()
    body["dataValues"] = values
    return body


def complete_registrations(export: Export) -> dict:
    """DHIS2's completeDataSetRegistrations: one per filed report (its unit and day)."""
    return {
        "completeDataSetRegistrations": [
            {
                "dataSet": export.data_set,
                "period": dhis2_period(group.day),
                "organisationUnit": group.org_unit,
                "date": group.completed.isoformat(),
                "completed": True,
            }
            for group in export.groups
        ]
    }


def adx(export: Export, now: datetime | None = None) -> bytes:
    """The ADX message: one <group> per filed report with at least one figure (ADX wants
    a data value in every group), `completed` the local day of its first filing."""
    ElementTree.register_namespace("", ADX_NAMESPACE)
    ns = f"{{{ADX_NAMESPACE}}}"
    exported = (now or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)
    root = ElementTree.Element(
        f"{ns}adx", {"exported": exported.isoformat().replace("+00:00", "Z")}
    )
    for group in export.groups:
        if not group.values:
            continue
        node = ElementTree.SubElement(
            root,
            f"{ns}group",
            {
                "dataSet": export.data_set,
                "orgUnit": group.org_unit,
                "period": adx_period(group.day),
                "completed": group.completed.isoformat(),
            },
        )
        for element, combo, value in group.values:
            attrs = {"dataElement": element}
            if combo:
                attrs["categoryOptionCombo"] = combo
            attrs["value"] = value
            ElementTree.SubElement(node, f"{ns}dataValue", attrs)
    return ElementTree.tostring(root, encoding="utf-8", xml_declaration=True)


def skipped_headers(export: Export) -> dict[str, str]:
    """What was left out, for the caller to see: units without a DHIS2 code (how many,
    and the first 50 of their codes) and numeric fields without a data element."""
    headers = {"X-Fangkong-Skipped-Units": str(len(export.skipped_units))}
    if export.skipped_units:
        headers["X-Fangkong-Skipped-Unit-Codes"] = ",".join(export.skipped_units[:50])
    if export.skipped_fields:
        headers["X-Fangkong-Skipped-Fields"] = ",".join(export.skipped_fields)
    return headers
