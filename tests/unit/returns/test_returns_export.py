"""The facilitator's service return, through the CLI as a user runs it: what it holds
(decrypted and scanned: no NHS number, name, date of birth, postcode, phone, address or
note text), the pseudonym linking across devices under one key and not under another,
the period and its edges, and the refusals."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from pyrage import x25519
from sqlmodel import select

from mhf_tui.db.store import Caseload
from mhf_tui.db.tables import Contact, Note, Patient, Practice, Service, Signposting
from mhf_tui.db.tables.reviews import OutcomeMeasure, Review, ReviewAnswer
from mhf_tui.paths import DataDir
from mhf_tui.services.setup import initialise_caseload
from mhf_tui.sync.package import decrypt, read_tar
from mhf_tui.sync.pseudonym import new_service_key, pseudonym
from mhf_tui.sync.returns_package import open_return
from tests.conftest import CliResult

PASS = "correct horse battery staple"
NHS = "9990000026"  # synthetic, valid check digit
FAMILY, GIVEN = "Quillfeather", "Zebedee"
POSTCODE, PHONE, ADDRESS = "LE1 7RH", "07700 900123", "12 Imaginary Lane, Testtown"
DOB = date(1981, 3, 14)
NOTE = "Talked about the allotment and the brother's visit"
Mhf = Callable[..., CliResult]


def at(day: str) -> datetime:
    return datetime.combine(date.fromisoformat(day), datetime.min.time(), UTC).replace(hour=10)


def make_caseload(home: Path, *, nhs: str = NHS) -> None:
    """A caseload with one fully identifiable patient and Q3 2026 activity of every kind."""
    caseload, _ = initialise_caseload(DataDir(home), PASS, facilitator="Test Facilitator")
    with caseload.session() as s:
        practice = Practice(ods_code="C82001", name="Test Surgery")
        service = Service(name="Talking Therapies Test", category="iapt")
        s.add_all([practice, service])
        s.flush()
        p = Patient(
            nhs_number=nhs,
            family_name=FAMILY,
            given_name=GIVEN,
            date_of_birth=DOB,
            sex="female",
            phone=PHONE,
            address=ADDRESS,
            postcode=POSTCODE,
            practice_id=practice.id,
            care_cluster=12,
            smi_register=True,
            alert_note="lives alone",
        )
        s.add(p)
        s.flush()
        contact = Contact(
            patient_id=p.id,
            occurred_at=at("2026-07-06"),
            mode="home_visit",
            duration_minutes=45,
            reason="Reason text Xylophone",
            outcome="Outcome text Marmalade",
            location="Kitchen",
        )
        s.add_all(
            [
                contact,
                Contact(patient_id=p.id, occurred_at=at("2026-08-03"), mode="dna"),
                Contact(patient_id=p.id, occurred_at=at("2026-10-01"), mode="phone"),  # Q4
                OutcomeMeasure(
                    patient_id=p.id,
                    measure="gbo",
                    taken_on=date(2026, 7, 6),
                    total=3,
                    goal_id="g-sleep",
                    goal_text="Sleep through the night",
                ),
                Signposting(
                    patient_id=p.id,
                    service_id=service.id,
                    status="referred",
                    signposted_on=date(2026, 7, 7),
                    outcome_note="Outcome note Pelican",
                ),
            ]
        )
        for name, day, total in (
            ("phq9", "07-06", 18),
            ("phq9", "09-30", 9),
            ("gad7", "07-01", 14),
        ):
            taken = date.fromisoformat(f"2026-{day}")
            s.add(OutcomeMeasure(patient_id=p.id, measure=name, taken_on=taken, total=total))
        s.flush()
        s.add(Note(patient_id=p.id, contact_id=contact.id, lineage_id=uuid.uuid4(), text=NOTE))
        review = Review(
            patient_id=p.id,
            template_id="smi_physical_health_check",
            status="completed",
            performed_on=date(2026, 7, 6),
        )
        s.add(review)
        s.flush()
        for item, check in (("bmi", "bmi"), ("bp_systolic", "blood_pressure")):
            s.add(
                ReviewAnswer(
                    review_id=review.id,
                    patient_id=p.id,
                    item_id=item,
                    lineage_id=uuid.uuid4(),
                    value="25",
                    number=25,
                    check=check,
                    observed_on=date(2026, 7, 6),
                )
            )
    caseload.close()


@pytest.fixture
def hub_identity() -> x25519.Identity:
    return x25519.Identity.generate()


def setup_and_export(
    mhf: Mhf, home: Path, out: Path, identity: x25519.Identity, key: str, *period: str
) -> tuple[dict[str, Any], bytes]:
    h = str(home)
    r = mhf(
        "returns",
        "setup",
        "--home",
        h,
        "--passphrase-stdin",
        "--recipient",
        str(identity.to_public()),
        stdin=f"{PASS}\n{key}\n",
    )
    assert r.code == 0, r.err
    assert key not in r.out + r.err
    r = mhf(
        "returns",
        "export",
        "--home",
        h,
        "--passphrase-stdin",
        *(period or ("--period", "2026-Q3")),
        "--out",
        str(out),
        "--json",
        stdin=f"{PASS}\n",
    )
    assert r.code == 0, r.err
    path = Path(json.loads(r.out)["path"])
    data = path.read_bytes()
    plain = decrypt(data, identity)
    opened = open_return(data, identity)
    return opened.records, plain + b"".join(read_tar(plain).values())


def test_the_return_holds_no_direct_identifier_or_free_text(
    mhf: Mhf, tmp_path: Path, hub_identity: x25519.Identity
) -> None:
    make_caseload(tmp_path / "home")
    key = new_service_key()
    records, raw = setup_and_export(mhf, tmp_path / "home", tmp_path / "out", hub_identity, key)
    forbidden = [
        NHS,
        "999 000 0026",
        FAMILY,
        GIVEN,
        POSTCODE,
        POSTCODE.replace(" ", ""),
        PHONE,
        ADDRESS,
        "Imaginary",
        DOB.isoformat(),
        DOB.strftime("%d/%m/%Y"),
        "19810314",
        NOTE,
        "allotment",
        "Xylophone",
        "Marmalade",
        "Kitchen",
        "Pelican",
        "Sleep through",
        "lives alone",
        "Test Facilitator",
    ]
    for text in forbidden:
        assert text.encode() not in raw, f"{text!r} is in the decrypted return"
        assert text.encode("utf-16-le") not in raw
    (p,) = records["patients"]
    assert p["pseudonym"] == pseudonym(bytes.fromhex(key), NHS)
    assert p["age_band"] == "45-54" and p["sex"] == "female" and p["smi"] is True
    assert p["practice_ods"] == "C82001" and p["care_cluster"] == 12
    assert p["contacts"] == [
        ["2026-07-06", "home_visit", 45, False],
        ["2026-08-03", "dna", None, True],
    ]
    assert p["phq9"] == [["2026-07-06", 18], ["2026-09-30", 9]]
    assert p["gad7"] == [["2026-07-01", 14]]
    assert p["gbo"] == [["2026-07-06", 1, 3]]
    assert p["health_checks"] == [["blood_pressure", "2026-07-06"], ["bmi", "2026-07-06"]]
    assert p["signposting"][0][:4] == ["Talking Therapies Test", "iapt", "referred", "2026-07-07"]
    assert p["episode_start"] == "2026-07-01" and p["episode_end"] is None


def test_pseudonym_links_across_devices_under_one_key_only(
    mhf: Mhf, tmp_path: Path, hub_identity: x25519.Identity
) -> None:
    key, other_key = new_service_key(), new_service_key()
    found = []
    for name, k in (("one", key), ("two", key), ("three", other_key)):
        make_caseload(tmp_path / name)
        records, _ = setup_and_export(
            mhf, tmp_path / name, tmp_path / f"out-{name}", hub_identity, k
        )
        found.append(records["patients"][0]["pseudonym"])
    assert found[0] == found[1]
    assert found[2] != found[0]


def test_from_to_and_empty_periods(mhf: Mhf, tmp_path: Path, hub_identity: x25519.Identity) -> None:
    make_caseload(tmp_path / "home")
    records, _ = setup_and_export(
        mhf,
        tmp_path / "home",
        tmp_path / "out",
        hub_identity,
        new_service_key(),
        "--from",
        "2026-08-01",
        "--to",
        "2026-10-31",
    )
    (p,) = records["patients"]
    assert [c[0] for c in p["contacts"]] == ["2026-08-03", "2026-10-01"]
    assert p["phq9"] == [["2026-09-30", 9]]
    before, _ = setup_and_export(
        mhf,
        tmp_path / "home",
        tmp_path / "out",
        hub_identity,
        new_service_key(),
        "--period",
        "2026-Q1",
    )
    assert before["patients"] == []  # the episode had not started


def test_export_refused_before_setup_and_bad_input_refused(mhf: Mhf, tmp_path: Path) -> None:
    make_caseload(tmp_path / "home")

    def returns(*args: str, stdin: str = f"{PASS}\n") -> CliResult:
        return mhf(
            "returns",
            *args[:1],
            "--home",
            str(tmp_path / "home"),
            "--passphrase-stdin",
            *args[1:],
            stdin=stdin,
        )

    r = returns("export", "--period", "2026-Q3")
    assert r.code == 1 and "mhf returns setup" in r.err
    r = returns("export", "--period", "2026-Q5")
    assert r.code == 1 and "2026-Q3" in r.err
    recipient = str(x25519.Identity.generate().to_public())
    r = returns("setup", "--recipient", recipient, stdin=f"{PASS}\nnot-a-key\n")
    assert r.code == 1 and "64 hex digits" in r.err and "not-a-key" not in r.err
    r = returns("setup", "--recipient", "age1nope", stdin=f"{PASS}\n{new_service_key()}\n")
    assert r.code == 1 and "recipient" in r.err


def test_a_patient_without_an_nhs_number_gets_a_pseudonym_that_links_nowhere(
    mhf: Mhf, tmp_path: Path, hub_identity: x25519.Identity
) -> None:
    make_caseload(tmp_path / "home")
    caseload = Caseload.open(DataDir(tmp_path / "home"), PASS)
    with caseload.session() as s:
        practice = s.exec(select(Practice)).one()
        p = Patient(
            family_name="Nonumber",
            given_name="Jo",
            date_of_birth=date(1990, 5, 6),
            practice_id=practice.id,
        )
        s.add(p)
        s.flush()
        s.add(Contact(patient_id=p.id, occurred_at=at("2026-07-20"), mode="phone"))
    caseload.close()
    key = new_service_key()
    exports = [
        setup_and_export(mhf, tmp_path / "home", tmp_path / f"out{i}", hub_identity, key)
        for i in range(2)
    ]
    found = [{r["pseudonym"] for r in records["patients"]} for records, _ in exports]
    assert found[0] == found[1] and len(found[0]) == 2  # stable on this device
    assert pseudonym(bytes.fromhex(key), NHS) in found[0]
    for _, raw in exports:
        assert b"Nonumber" not in raw and b"1990-05-06" not in raw
