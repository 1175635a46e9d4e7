"""Checks of the two formats, from their published descriptions: DHIS2's data value set
JSON (Web API, "Data values": a set with dataSet, completeDate, period, orgUnit and its
dataValues, each with dataElement, period, orgUnit, categoryOptionCombo, value — values
are strings; period and orgUnit on each value or on the set) and the ADX schema (adx.xsd
here, written from the IHE QRPH ADX profile), validated with lxml."""

import re
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path

from lxml import etree

ADX_XSD = Path(__file__).with_name("adx.xsd")
SET_KEYS = {"dataSet", "completeDate", "period", "orgUnit", "attributeOptionCombo", "dataValues"}
VALUE_KEYS = {
    "dataElement",
    "period",
    "orgUnit",
    "categoryOptionCombo",
    "attributeOptionCombo",
    "value",
    "storedBy",
    "comment",
    "followup",
}
PERIOD = re.compile(r"^\d{8}$")  # a DHIS2 daily period, yyyyMMdd


def _code(value) -> bool:
    return isinstance(value, str) and 0 < len(value) <= 50 and value.strip() == value


def _period(value) -> bool:
    if not isinstance(value, str) or not PERIOD.match(value):
        return False
    try:
        date(int(value[:4]), int(value[4:6]), int(value[6:]))
    except ValueError:
        return False
    return True


def data_value_set_problems(body) -> list[str]:
    """Every way `body` departs from DHIS2's data value set (empty: it conforms)."""
    if not isinstance(body, dict):
        return ["not an object"]
    problems = [f"unknown key {k}" for k in body if k not in SET_KEYS]
    if not _code(body.get("dataSet")):
        problems.append("dataSet must be a code")
    if "period" in body and not _period(body["period"]):
        problems.append("period must be yyyyMMdd")
    if "orgUnit" in body and not _code(body["orgUnit"]):
        problems.append("orgUnit must be a code")
    if "completeDate" in body:
        try:
            date.fromisoformat(body["completeDate"])
        except (TypeError, ValueError):
            problems.append("completeDate must be yyyy-MM-dd")
    values = body.get("dataValues")
    if not isinstance(values, list):
        return [*problems, "dataValues must be a list"]
    for i, dv in enumerate(values):
        if not isinstance(dv, dict):
            problems.append(f"dataValues[{i}] is not an object")
            continue
        problems += [f"dataValues[{i}]: unknown key {k}" for k in dv if k not in VALUE_KEYS]
        if not _code(dv.get("dataElement")):
            problems.append(f"dataValues[{i}].dataElement must be a code")
        if not _period(dv.get("period", body.get("period"))):
            problems.append(f"dataValues[{i}] has no yyyyMMdd period")
        if not _code(dv.get("orgUnit", body.get("orgUnit"))):
            problems.append(f"dataValues[{i}] has no orgUnit")
        if "categoryOptionCombo" in dv and not _code(dv["categoryOptionCombo"]):
            problems.append(f"dataValues[{i}].categoryOptionCombo must be a code")
        value = dv.get("value")
        if not isinstance(value, str):
            problems.append(f"dataValues[{i}].value must be a string")
        else:
            try:
                Decimal(value)
            except InvalidOperation:
                problems.append(f"dataValues[{i}].value must be a number")
    return problems


def adx_schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(ADX_XSD)))


def adx_problems(xml: bytes) -> list[str]:
    schema = adx_schema()
    document = etree.fromstring(xml)
    if schema.validate(document):
        return []
    return [str(e) for e in schema.error_log]
