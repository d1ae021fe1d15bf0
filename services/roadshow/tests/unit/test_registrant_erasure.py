"""A registering company's contact person travels sealed, and erasing it shreds every copy."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

from roadshow.application.handlers import opened_contact
from roadshow.domain.commands import EraseRegistrant
from roadshow.domain.registrant import registrant_id
from ztc_shared.contracts.roadshow import CompanyRegistered
from ztc_shared.domain import Forbidden

if "roadshow_scenarios" not in sys.modules:
    _spec = importlib.util.spec_from_file_location(
        "roadshow_scenarios", Path(__file__).with_name("roadshow_scenarios.py")
    )
    assert _spec is not None and _spec.loader is not None
    sys.modules["roadshow_scenarios"] = importlib.util.module_from_spec(_spec)
    _spec.loader.exec_module(sys.modules["roadshow_scenarios"])
scenarios = sys.modules["roadshow_scenarios"]
Scenario, PROVINCE = scenarios.Scenario, scenarios.PROVINCE
company, company_id, registration = scenarios.company, scenarios.company_id, scenarios.registration


async def test_the_contact_person_is_sealed_in_the_event_and_opens_for_the_organisers() -> None:
    s = Scenario()
    rid = await s.registration_open()
    await s.when(registration(1, contact_name="王五", contact_phone="13712345678"), company(1), rid)
    stored = (await s.envelopes(rid))[-1]
    assert stored.event_type == "CompanyRegistered" and stored.schema_version == 2
    text = json.dumps(stored.payload, ensure_ascii=False)
    assert "13712345678" not in text and "王五" not in text
    registered = await s.last(rid)
    assert isinstance(registered, CompanyRegistered) and registered.contact is not None
    assert await opened_contact(s.app.ports, registered) == {"name": "王五", "phone": "13712345678"}


async def test_an_erasure_shreds_every_registration_of_the_company_once() -> None:
    s = Scenario()
    first = await s.registration_open()
    second = await s.opened_another()
    for rid in (first, second):
        await s.when(registration(1, contact_phone="13712345678"), company(1), rid)
    sealed = [await s.last(rid) for rid in (first, second)]

    refusal = await s.refused(EraseRegistrant(company_id=company_id(1)), company(2))
    assert isinstance(refusal, Forbidden) and refusal.code == "erase_yourself"
    assert all([await opened_contact(s.app.ports, e) for e in sealed])  # type: ignore[arg-type]

    erase = EraseRegistrant(company_id=company_id(1))
    assert await s.when(erase, company(1)) == ["RegistrantErased"]
    for event in sealed:
        assert await opened_contact(s.app.ports, event) is None  # type: ignore[arg-type]
    assert await s.when(erase, PROVINCE) == []  # a second request finds nothing left
    assert await s.types(registrant_id(company_id(1))) == ["RegistrantErased"]

    # registering again after the erasure: the registration goes on, with no contact sealed
    third = await s.opened_another()
    await s.when(registration(1), company(1), third)
    again = await s.last(third)
    assert isinstance(again, CompanyRegistered) and again.contact is None


async def test_a_v1_registration_reads_back_with_its_clear_contact_as_legacy() -> None:
    from ztc_shared.events import EVENTS

    s = Scenario()
    rid = await s.registration_open()
    await s.when(registration(3), company(3), rid)
    v2 = (await s.envelopes(rid))[-1]
    v1 = v2.model_copy(
        update={
            "schema_version": 1,
            "payload": {
                "company_id": company_id(3),
                "name": "旧版报名企业",
                "kind": "tech_company",
                "contact_name": "赵六",
                "contact_phone": "0755-1234",
                "registered_by": company_id(3),
            },
        }
    )
    event = EVENTS.payload(v1)
    assert isinstance(event, CompanyRegistered)
    assert event.contact is None and event.legacy_contact == {"name": "赵六", "phone": "0755-1234"}
    assert await opened_contact(s.app.ports, event) == {"name": "赵六", "phone": "0755-1234"}
