from django.db import models
from django.utils.translation import gettext_lazy as _


class Symptom(models.TextChoices):
    FEVER = "fever", _("Fever")
    COUGH = "cough", _("Cough")
    FATIGUE = "fatigue", _("Fatigue")
    SORE_THROAT = "sore_throat", _("Sore throat")
    SHORT_BREATH = "short_breath", _("Shortness of breath")
    DIARRHOEA = "diarrhoea", _("Diarrhoea")
    TASTE_SMELL = "taste_smell", _("Loss of taste or smell")


class Whereabouts(models.TextChoices):
    AT_POST = "at_post", _("At post")
    REMOTE = "remote", _("Remote / at home")
    TRAVELLING = "travelling", _("Travelling")
    OBSERVATION = "observation", _("In observation")


class Category(models.TextChoices):
    """List-based management of staff (清单式管理, seed 003)."""

    DUTY = "duty", _("On duty watch (值班值守)")
    ON_POST = "on_post", _("At work (在岗上班)")
    PARTY = "party", _("Party member at post (党员在岗)")
    VOLUNTEER = "volunteer", _("Volunteer at post (志愿者在岗)")
    OBSERVATION = "observation", _("Under observation (留观特护)")
    OTHER = "other", _("Other staff (其余在职)")


class Source(models.TextChoices):
    LINK = "link", _("Personal link")
    PROXY = "proxy", _("Entered by the liaison")
    EXCEL = "excel", _("Excel upload")
    API = "api", _("API")


class CaseTrigger(models.TextChoices):
    FEVER = "fever", _("Temperature at or above the threshold")
    SYMPTOM = "symptom", _("Red-flag symptom")
    MANUAL = "manual", _("Reported by hand")


class CaseState(models.TextChoices):
    REPORTED = "reported", _("Reported")
    ISOLATED = "isolated", _("Isolated")
    DIAGNOSING = "diagnosing", _("Sent for diagnosis")
    RESULT = "result", _("Result known")
    CLOSED = "closed", _("Closed")


class CaseResult(models.TextChoices):
    EXCLUDED = "excluded", _("Excluded")
    SUSPECTED = "suspected", _("Suspected")
    CONFIRMED = "confirmed", _("Confirmed")


class ObservationReason(models.TextChoices):
    RISK_AREA = "risk_area", _("Returned from a risk area")
    CLOSE_CONTACT = "close_contact", _("Close contact")
    FEVER = "fever", _("Fever")
    OTHER = "other", _("Other")


class ObservationPlace(models.TextChoices):
    HOME = "home", _("At home")
    DESIGNATED = "designated", _("Designated site")


class Transport(models.TextChoices):
    TRAIN = "train", _("Train")
    FLIGHT = "flight", _("Flight")
    CAR = "car", _("Car")
    BUS = "bus", _("Coach")
    SHIP = "ship", _("Ship")
    OTHER = "other", _("Other")


class RiskLevel(models.TextChoices):
    LOW = "low", _("Low risk")
    MEDIUM = "medium", _("Medium risk")
    HIGH = "high", _("High risk")
