"""A realistic synthetic caseload for trying mhf out, for screenshots and for benchmarks.

Everything is made up: names are drawn from common first names and surnames at random,
NHS numbers come only from the 999 000 0000 - 999 999 9999 test range (with a valid check
digit), practice ODS codes are in a Z999xx range, phone numbers are Ofcom drama numbers
(07700 900xxx), postcodes are in the fictional "ZZ" area.

Rows go in with bulk inserts (`services.bulk`: 10,000 patients in seconds); the audit
trail gets one event for the build and one `import` event per patient. Other feature areas add their
own demo records (reviews, outcomes) by appending to `DEMO_EXTENSIONS`.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlmodel import Session

from mhf_tui.db.store import Caseload
from mhf_tui.db.tables import (
    CarePlan,
    Contact,
    Note,
    Patient,
    RelatedPerson,
    Signposting,
)
from mhf_tui.services.audit import record_event
from mhf_tui.services.bulk import bulk_insert, row_values
from mhf_tui.services.directory import ServiceRead, list_services
from mhf_tui.services.patient_import import insert_patients
from mhf_tui.services.patients import PatientRead
from mhf_tui.services.practices import PracticeCreate, PracticeRead, add_practice
from mhf_tui.services.reviews_demo import add_demo_reviews
from mhf_tui.services.validation import nhs_check_digit

#: Extensions run after the core demo rows are written, in the same unit of work:
#: `(session, rng, patients, today)`; they must draw randomness only from `rng`.
DemoExtension = Callable[[Session, random.Random, list[PatientRead], date], None]
DEMO_EXTENSIONS: list[DemoExtension] = [add_demo_reviews]

DEMO_PRACTICES = (
    ("Z99901", "Riverside Medical Centre"),
    ("Z99902", "Hollybank Surgery"),
    ("Z99903", "Millfield Health Centre"),
    ("Z99904", "Castle View Practice"),
)
GIVEN_FEMALE = (
    "Olivia Amelia Isla Ava Mia Sophia Grace Lily Freya Emily Ivy Ella Rosie Evie Florence "
    "Poppy Charlotte Willow Harper Sienna Aisha Fatima Priya Zara Margaret Susan Janet Karen "
    "Linda Patricia Joanne Claire Nicola Hannah Megan Chloe Niamh Siobhan Agnieszka Ewa"
).split()
GIVEN_MALE = (
    "Oliver George Noah Arthur Muhammad Leo Harry Oscar Archie Henry Theodore Jack Charlie "
    "Thomas Jacob Alfie Freddie Ethan James William David John Michael Paul Mark Stephen "
    "Gary Darren Lee Craig Ravi Sanjay Imran Tariq Kwame Tomasz Piotr Connor Liam Ryan"
).split()
FAMILY = (
    "Smith Jones Taylor Brown Williams Wilson Johnson Davies Patel Robinson Wright Thompson "
    "Evans Walker White Roberts Green Hall Wood Jackson Clarke Khan Hughes Edwards Turner "
    "Lewis Hill Harris Cooper Ward Morris Moore Clark Lee King Baker Harrison Morgan Allen "
    "Mistry Begum Ahmed Hussain Kaur Singh Chauhan Parmar Lodge Bennett Shaw Cook Carter "
    "Mitchell Kelly Murphy O'Brien O'Neill Nowak Kowalski Okafor Mensah Campbell Stewart "
    "Price Bailey Fletcher Gibson Marsh Pearson Holmes Rhodes Barker Naylor Chambers"
).split()
STREETS = (
    "Church Lane,High Street,Station Road,Victoria Road,Park Avenue,Mill Lane,Queens Road,"
    "Granby Street,London Road,Narborough Road,Belgrave Gate,Welford Road,Aylestone Road"
).split(",")
NOTE_OPENERS = (
    "Seen at the surgery.",
    "Telephone review.",
    "Home visit with consent.",
    "Video call, patient at home.",
    "Joint appointment with the practice nurse.",
)
NOTE_BODIES = (
    "Mood low over the past fortnight; sleeping poorly and waking early.",
    "Reports feeling more settled since starting the walking group.",
    "Anxiety about a benefits reassessment; signposted to welfare rights advice.",
    "Discussed medication side effects: weight gain and tiredness. To raise with the GP.",
    "Talked through the crisis plan; knows to call 111 and choose the mental health option.",
    "Carer present and supportive. Carer's assessment offered.",
    "Smoking about 15 a day; interested in the stop smoking service.",
    "Attending the recovery college course on managing stress; finding it helpful.",
    "Debt worries continue. Gave National Debtline details and offered a follow-up.",
    "Hearing voices less often; using the coping strategies from the care plan.",
    "Physical health check booked: bloods, blood pressure and weight.",
    "Drinking has increased since losing work; brief intervention given.",
    "Housing problems: damp flat, letter to the housing officer agreed.",
    "Feeling isolated; interested in the peer support group at the community centre.",
    "Lithium level due; reminded about the blood test.",
    "Patient declined talking therapies for now; will think about it.",
)
NOTE_CLOSERS = (
    "Follow up in two weeks.",
    "Review at the next appointment.",
    "GP informed.",
    "Will phone next week.",
    "No immediate risk identified; safety plan reviewed.",
)
GOALS = (
    "Get out of the house three times a week",
    "Sleep through the night most nights",
    "Cut down smoking to 5 a day",
    "Manage money and pay off the catalogue debt",
    "Return to voluntary work",
    "Reconnect with family",
    "Take medication every day",
    "Walk for 20 minutes a day",
)
OUTCOMES = ("Plan agreed", "Signposted", "Medication query passed to GP", "Follow-up booked", "")


@dataclass(frozen=True)
class DemoSummary:
    patients: int
    contacts: int
    notes: int
    care_plans: int
    signposting: int
    related_people: int


def demo_nhs_numbers(rng: random.Random, count: int) -> list[str]:
    """Distinct valid NHS numbers from the 999 test range only."""
    numbers: set[str] = set()
    while len(numbers) < count:
        first = f"999{rng.randrange(10**6):06d}"
        check = nhs_check_digit(first)
        if check is not None:
            numbers.add(first + str(check))
    return sorted(sorted(numbers), key=lambda _n: rng.random())  # set order varies by process


def _when(rng: random.Random, day: date) -> datetime:
    return datetime.combine(day, time(rng.randint(8, 17), rng.choice((0, 15, 30, 45))), UTC)


def _note_text(rng: random.Random) -> str:
    return " ".join(
        (rng.choice(NOTE_OPENERS), *rng.sample(NOTE_BODIES, 2), rng.choice(NOTE_CLOSERS))
    )


def _patient(
    rng: random.Random, nhs: str, practices: list[PracticeRead], today: date
) -> dict[str, Any]:
    sex = rng.choice(("female", "male", "female", "male", "other", "unknown"))
    pool = GIVEN_FEMALE if sex == "female" else GIVEN_MALE
    if sex in ("other", "unknown"):
        pool = GIVEN_FEMALE + GIVEN_MALE
    born = today - timedelta(days=rng.randint(18 * 365, 88 * 365))
    status = rng.choices(("active", "on_hold", "discharged"), (85, 8, 7))[0]
    practice = rng.choice(practices)
    return row_values(
        Patient,
        nhs_number=nhs,
        family_name=rng.choice(FAMILY),
        given_name=rng.choice(pool),
        date_of_birth=born,
        sex=sex,
        phone=f"07700 900{rng.randrange(1000):03d}",
        address=f"{rng.randint(1, 180)} {rng.choice(STREETS)}, Leicester",
        postcode=f"ZZ{rng.randint(1, 99)} {rng.randint(1, 9)}"
        f"{rng.choice('ABDEFGHJLNPQRSTUWXYZ')}{rng.choice('ABDEFGHJLNPQRSTUWXYZ')}",
        preferred_contact=rng.choice(("phone", "text", "letter", "phone")),
        practice_id=practice.id,
        usual_gp=f"Dr {rng.choice(FAMILY)}",
        care_cluster=rng.choices((8, 11, 12, 4, 7, 3, 17), (30, 30, 10, 10, 8, 7, 5))[0],
        smi_register=rng.random() < 0.55,
        raised_cv_risk=rng.random() < 0.15,
        status=status,
        discharged_on=today - timedelta(days=rng.randint(1, 400))
        if status == "discharged"
        else None,
        alert_risk=rng.random() < 0.04,
        alert_safeguarding=rng.random() < 0.03,
        alert_lone_worker=rng.random() < 0.02,
        alert_do_not_text=rng.random() < 0.05,
        interpreter_needs=rng.choice(("Gujarati", "Polish", "Punjabi"))
        if rng.random() < 0.04
        else "",
    )


def _contacts(
    rng: random.Random, patient: dict[str, Any], where: str, today: date, actor: str
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """A patient's contacts over the last year, each but a DNA or cancellation with a note."""
    contacts: list[dict[str, Any]] = []
    notes: list[dict[str, Any]] = []
    n_contacts = rng.choices((0, 1, 2, 3, 4, 6), (5, 20, 30, 25, 12, 8))[0]
    days_ago = sorted((rng.randint(0, 365) for _ in range(n_contacts)), reverse=True)
    for position, ago in enumerate(days_ago):
        mode = rng.choices(
            ("face_to_face", "phone", "video", "home_visit", "dna", "cancelled"),
            (45, 30, 5, 8, 8, 4),
        )[0]
        latest = position == len(days_ago) - 1
        follow_up = None
        if latest and patient["status"] == "active" and rng.random() < 0.5:
            follow_up = today + timedelta(days=rng.randint(-10, 21))
        contact = row_values(
            Contact,
            patient_id=patient["id"],
            occurred_at=_when(rng, today - timedelta(days=ago)),
            mode=mode,
            duration_minutes=None if mode in ("dna", "cancelled") else rng.randint(10, 60),
            practice_id=patient["practice_id"],
            location=where,
            reason=rng.choice(("Review", "New referral", "Medication query", "Support")),
            outcome=rng.choice(OUTCOMES),
            follow_up_on=follow_up,
            author=actor,
        )
        contacts.append(contact)
        if mode not in ("dna", "cancelled"):
            note_id = uuid.uuid4()
            notes.append(
                row_values(
                    Note,
                    id=note_id,
                    patient_id=patient["id"],
                    contact_id=contact["id"],
                    lineage_id=note_id,
                    kind="phone_call" if mode == "phone" else "contact",
                    text=_note_text(rng),
                    author=actor,
                    written_at=contact["occurred_at"] + timedelta(minutes=5),
                )
            )
    return contacts, notes


def _care_plan(
    rng: random.Random, patient: dict[str, Any], today: date, actor: str
) -> dict[str, Any]:
    plan_id = uuid.uuid4()
    return row_values(
        CarePlan,
        id=plan_id,
        patient_id=patient["id"],
        lineage_id=plan_id,
        goals=[
            {"id": uuid.uuid4().hex, "goal": g, "score": rng.randint(1, 8)}
            for g in rng.sample(GOALS, rng.randint(1, 3))
        ],
        actions=[
            {
                "action": "Book physical health check",
                "owner": "facilitator",
                "due": (today + timedelta(days=rng.randint(-5, 30))).isoformat(),
                "done": False,
            }
        ],
        crisis_plan="Call 111 and choose the mental health option, or Samaritans "
        "on 116 123. Sister to be called if unwell.",
        early_warning_signs="Stops answering the phone; sleeping in the day.",
        review_on=today + timedelta(days=rng.randint(-20, 120)),
        author=actor,
    )


def _signposting(
    rng: random.Random,
    patient: dict[str, Any],
    services: list[ServiceRead],
    today: date,
    actor: str,
) -> dict[str, Any]:
    status = rng.choice(("suggested", "referred", "accepted", "attended", "closed"))
    open_ = status in ("suggested", "referred", "accepted")
    return row_values(
        Signposting,
        patient_id=patient["id"],
        service_id=rng.choice(services).id,
        status=status,
        signposted_on=today - timedelta(days=rng.randint(0, 90)),
        follow_up_on=today + timedelta(days=rng.randint(-7, 14)) if open_ else None,
        author=actor,
    )


def _related_people(
    rng: random.Random, patient: dict[str, Any], index: int, today: date, actor: str
) -> list[dict[str, Any]]:
    """A carer for some patients, a care coordinator for every ninth."""
    people = []
    if rng.random() < 0.3:
        people.append(
            row_values(
                RelatedPerson,
                patient_id=patient["id"],
                name=f"{rng.choice(GIVEN_FEMALE + GIVEN_MALE)} {patient['family_name']}",
                relationship=rng.choice(("partner", "mother", "son", "daughter", "friend")),
                role="carer",
                phone=f"07700 900{rng.randrange(1000):03d}",
                consent_to_contact=rng.random() < 0.7,
                consent_on=today - timedelta(days=30),
                consent_recorded_by=actor,
            )
        )
    if index % 9 == 0:
        people.append(
            row_values(
                RelatedPerson,
                patient_id=patient["id"],
                name=f"{rng.choice(GIVEN_FEMALE + GIVEN_MALE)} {rng.choice(FAMILY)}",
                relationship="CMHT care coordinator",
                role="professional",
                organisation="Community Mental Health Team",
                phone="0116 496 0000",
                consent_to_contact=True,
                consent_on=today - timedelta(days=30),
                consent_recorded_by=actor,
            )
        )
    return people


def build_demo_caseload(
    caseload: Caseload, *, patients: int = 300, seed: int = 1, today: date | None = None
) -> DemoSummary:
    """Fill an empty caseload with synthetic practices, patients and their records (the
    same seed gives the same records: every draw comes from one generator, in order)."""
    rng = random.Random(seed)  # noqa: S311  (synthetic data, reproducible by seed)
    today = today or date.today()
    actor = caseload.actor
    with caseload.session() as session:
        practices = [
            add_practice(session, actor=actor, data=PracticeCreate(ods_code=ods, name=name))
            for ods, name in DEMO_PRACTICES
        ]
        services = list_services(session)
    practice_rows = {p.id: p for p in practices}

    patient_rows = [_patient(rng, nhs, practices, today) for nhs in demo_nhs_numbers(rng, patients)]
    if patient_rows:
        objector = patient_rows[len(patient_rows) // 2]
        objector["share_with_practice"] = False
        objector["share_decision_on"] = today - timedelta(days=30)
        objector["share_objection_reason"] = "Asked that notes stay with the facilitator service"
        objector["share_recorded_by"] = actor

    contacts: list[dict[str, Any]] = []
    notes: list[dict[str, Any]] = []
    plans: list[dict[str, Any]] = []
    signposts: list[dict[str, Any]] = []
    people: list[dict[str, Any]] = []
    for index, patient in enumerate(patient_rows):
        where = practice_rows[patient["practice_id"]].name
        their_contacts, their_notes = _contacts(rng, patient, where, today, actor)
        contacts += their_contacts
        notes += their_notes
        if index % 4 == 0 or (index % 7 == 0 and patient["smi_register"]):
            plans.append(_care_plan(rng, patient, today, actor))
        if services and rng.random() < 0.3:
            signposts.append(_signposting(rng, patient, services, today, actor))
        people += _related_people(rng, patient, index, today, actor)
    # Today's list: a few follow-ups due today whatever the random draw gave.
    active_contacts = [c for c in contacts if c["follow_up_on"] is not None]
    for contact in active_contacts[:5]:
        contact["follow_up_on"] = today

    with caseload.session() as session:
        insert_patients(session, actor=actor, rows=patient_rows, detail="demo")
        for model, rows in (
            (Contact, contacts),
            (Note, notes),
            (CarePlan, plans),
            (Signposting, signposts),
            (RelatedPerson, people),
        ):
            bulk_insert(session, model, rows)
        reads = [PatientRead.from_values(p, practice_rows[p["practice_id"]]) for p in patient_rows]
        for extension in DEMO_EXTENSIONS:
            extension(session, rng, reads, today)
        record_event(
            session,
            actor=actor,
            action="import",
            entity="demo",
            detail=f"patients={len(patient_rows)},contacts={len(contacts)},notes={len(notes)}",
        )
    return DemoSummary(
        patients=len(patient_rows),
        contacts=len(contacts),
        notes=len(notes),
        care_plans=len(plans),
        signposting=len(signposts),
        related_people=len(people),
    )
