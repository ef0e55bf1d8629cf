"""The report's figures on a hand-made service where the right answers are known: PHQ-9
and GAD-7 reliable improvement, recovery and deterioration at their edges, pairing across
quarters, the physical health check's "all six", contacts, and suppression."""

from __future__ import annotations

import pytest

from mhf_tui.hub.suppress import STAR, suppress_count
from tests.hub.conftest import Hub
from tests.hub.known import Q2, report


def test_phq9_and_gad7_edges_unsuppressed(known: Hub) -> None:
    service = report(known, suppressed=False)["service"]
    phq9 = service["phq9"]
    # paired: 1-6, 8 and 30 (Q2 18 -> Q3 7: -11, recovery, reliable improvement)
    assert phq9["paired"] == 8
    assert phq9["reliable_improvement"] == 4  # 1, 4, 8, 30
    assert phq9["recovery"] == 2  # 3, 30
    assert phq9["at_caseness"] == 5  # 1, 2, 3, 8, 30
    assert phq9["reliable_deterioration"] == 1  # 5
    assert phq9["mean_change"] == round((-6 - 5 - 1 - 6 + 6 + 5 - 8 - 11) / 8, 2)
    gad7 = service["gad7"]
    assert (
        gad7["paired"],
        gad7["reliable_improvement"],
        gad7["recovery"],
        gad7["reliable_deterioration"],
    ) == (4, 1, 1, 1)
    assert gad7["mean_change"] == round((-4 - 1 + 4 - 3) / 4, 2)


def test_groups_by_practice_facilitator_and_cluster(known: Hub) -> None:
    by_practice = {g["group"]: g for g in report(known, suppressed=False)["groups"]}
    assert set(by_practice) == {"C82001", "C82002"}
    assert by_practice["C82001"]["caseload"] == 12
    assert by_practice["C82002"]["phq9"]["recovery"] == 1
    by_facilitator = report(known, by="facilitator", suppressed=False)["groups"]
    assert [g["group"] for g in by_facilitator] == ["Alex Facilitator", "Sam Facilitator"]
    assert by_facilitator[0]["phq9"]["paired"] == 7
    clusters = {
        g["group"]: g["caseload"] for g in report(known, by="cluster", suppressed=False)["groups"]
    }
    assert clusters == {"11": 14, "none": 1}


def test_episodes_contacts_goals_checks_signposting(known: Hub) -> None:
    s = report(known, suppressed=False)["service"]
    assert (s["caseload"], s["new_episodes"], s["closed_episodes"]) == (15, 1, 1)
    c = s["contacts"]
    assert c["total"] == 13 and c["minutes"] == 360 and c["dna"] == 3
    assert c["by_mode"]["face_to_face"] == 9 and c["by_mode"]["cancelled"] == 1
    assert c["dna_rate"] == round(100 * 3 / 12, 1)  # cancelled ones are not offered
    assert s["goals"] == {"paired": 1, "mean_change": 5.0}
    # 30 has all six within 12 months (cholesterol in Q2); 31 has five; 32 is not SMI.
    assert s["physical_health_checks"] == {"smi": 2, "all_six": 1, "rate": 50.0}
    assert s["physical_health_checks_by_practice"] == [
        {"practice": "C82001", "smi": 0, "all_six": 0, "rate": None},
        {"practice": "C82002", "smi": 2, "all_six": 1, "rate": 50.0},
    ]
    assert s["signposting"] == [{"service": "Talking Therapies", "status": "referred", "count": 1}]


def test_a_period_counts_only_its_own_returns(known: Hub) -> None:
    q2 = report(known, Q2, suppressed=False)["service"]
    assert q2["caseload"] == 1
    assert q2["phq9"]["paired"] == 0  # the Q3 score is after Q2's end
    everything = report(known, None, suppressed=False)
    assert everything["period"] == {"label": "all", "from": "2026-04-01", "to": "2026-09-30"}
    assert everything["service"]["caseload"] == 15


@pytest.mark.parametrize(
    ("n", "shown"),
    [(0, 0), (1, STAR), (7, STAR), (8, 10), (10, 10), (12, 10), (13, 15), (17, 15), (18, 20)],
)
def test_suppression_of_small_numbers_and_rounding(n: int, shown: object) -> None:
    assert suppress_count(n) == shown


def test_suppressed_report_hides_1_to_7_and_rounds_the_rest(known: Hub) -> None:
    s = report(known)["service"]
    assert s["caseload"] == 15  # 15 stays 15
    assert s["contacts"]["total"] == 15  # 13 -> 15
    assert s["contacts"]["minutes"] == 360
    assert s["phq9"]["paired"] == 10  # 8 -> 10
    assert s["phq9"]["reliable_improvement"] == STAR  # 4
    assert s["phq9"]["recovery"] == STAR
    assert s["phq9"]["reliable_deterioration"] == STAR
    assert s["gad7"]["paired"] == STAR
    assert s["gad7"]["mean_change"] == STAR  # from a suppressed base
    assert s["contacts"]["dna_rate"] == STAR  # 3 DNAs
    assert s["closed_episodes"] == STAR
    assert s["new_episodes"] == STAR
    assert report(known)["suppressed"] is True
