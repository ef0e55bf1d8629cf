"""The hand-made service whose right answers are known (tests/hub/test_hub_report.py says
what each patient is for), and the report read from a hub the way `hub report` reads it."""

from __future__ import annotations

from typing import Any

from mhf_tui.hub.report import collect, window
from mhf_tui.hub.suppress import build_report
from mhf_tui.sync.returns_package import Period
from tests.hub.helpers import patient, quarter

Q2, Q3 = quarter("2026-Q2"), quarter("2026-Q3")
SIX = ("alcohol", "blood_pressure", "bmi", "cholesterol", "glucose", "smoking")


def phq(first: int, last: int) -> list[list[Any]]:
    return [["2026-07-01", first], ["2026-09-01", last]]


def gad(first: int, last: int) -> list[list[Any]]:
    return [["2026-07-02", first], ["2026-09-02", last]]


def report(hub: Any, period: Period | None = Q3, by: str = "practice", **kw: Any) -> dict[str, Any]:
    p = window(hub.conn, period)
    raw, by_practice = collect(hub.conn, p, by)
    return build_report(raw, by_practice, period=p, by=by, **kw)


def load_known(hub: Any) -> None:
    """Two facilitators, two practices, Q2 and Q3 2026."""
    key = hub.returns.key
    alex, sam = hub.enrol("Alex Facilitator"), hub.enrol("Sam Facilitator")
    q3_alex = [
        patient(1, key, phq9=phq(16, 10)),  # -6: reliable improvement; 10 is not below caseness
        patient(2, key, phq9=phq(15, 10)),  # -5: nothing
        patient(3, key, phq9=phq(10, 9)),  # at caseness (10) -> 9: recovery, not reliable
        patient(4, key, phq9=phq(9, 3)),  # -6 from below caseness: improvement, no recovery
        patient(5, key, phq9=phq(4, 10)),  # +6: reliable deterioration
        patient(6, key, phq9=phq(4, 9)),  # +5: nothing
        patient(7, key, phq9=[["2026-07-01", 20]]),  # one score: not paired
        patient(8, key, phq9=[["2026-07-01", 20], ["2026-08-01", 25], ["2026-09-01", 12]]),
        patient(20, key, gad7=gad(12, 8)),  # -4: reliable improvement, 8 is still caseness
        patient(21, key, gad7=gad(8, 7)),  # at caseness (8) -> 7: recovery
        patient(22, key, gad7=gad(3, 7)),  # +4: reliable deterioration
        patient(23, key, gad7=gad(11, 8)),  # -3: nothing
    ]
    # Sam's patient 30 was first scored in Q2 (Sam's Q2 return) and last in Q3.
    q2_sam = [
        patient(
            30,
            key,
            practice="C82002",
            phq9=[["2026-05-01", 18]],
            smi=True,
            health_checks=[["cholesterol", "2026-05-02"]],
        )
    ]
    q3_sam = [
        patient(
            30,
            key,
            practice="C82002",
            phq9=[["2026-08-01", 7]],
            smi=True,
            health_checks=[[e, "2026-07-15"] for e in SIX if e != "cholesterol"],
        ),
        patient(
            31,
            key,
            practice="C82002",
            smi=True,
            end="2026-08-31",
            health_checks=[[e, "2026-07-15"] for e in SIX[:5]],
        ),
        patient(
            32,
            key,
            practice="C82002",
            start="2026-07-03",
            cluster=None,
            contacts=[["2026-07-03", "face_to_face", 40, False]] * 9
            + [["2026-07-10", "dna", None, True]] * 3
            + [["2026-07-11", "cancelled", None, False]],
            gbo=[["2026-07-03", 1, 2], ["2026-09-03", 1, 7], ["2026-07-03", 2, 5]],
            signposting=[["Talking Therapies", "iapt", "referred", "2026-07-04", "2026-07-20"]],
        ),
    ]
    hub.load(
        hub.returns.write(alex, Q3, q3_alex),
        hub.returns.write(sam, Q2, q2_sam),
        hub.returns.write(sam, Q3, q3_sam),
    )
