"""Nobody acts on someone else's conversation or upload from chat, and a school admin's upload
reaches only the schools where they are an active admin."""

from __future__ import annotations

import pytest
from sqlalchemy import select, update
from sqlmodel import col

from bots import state
from bots.conversation import Person, UploadConversation
from bots.replies import CANCEL, CHOOSE_SCHOOL, CONFIRM, Outcome
from hub import schools, uploads
from hub.accounts import add_manual_account, list_accounts
from hub.context import Hub
from hub.errors import UsageError
from hub.models import Account, Membership, Upload
from tests.bots.conftest import ADMIN, ADMIN_DM, HEADER, District, Slack, workbook
from tests.bots.fake_slack import FakeFile
from tests.bots.test_conversation import Files

PAT = Person("web-17", "pat@lincoln.example.org")
QUINN = Person("web-18", "quinn@lincoln.example.org")  # another admin of the same school
HEADER_SCHOOLS = [*HEADER, "Additional Schools"]


@pytest.fixture
def lincoln(hub: Hub) -> str:
    school = schools.create_school(hub, name="Lincoln High", actor="test")
    for person in (PAT, QUINN):
        assert person.email
        _make_admin(hub, school.id, person.email)
    return school.id


@pytest.fixture
def jefferson(hub: Hub) -> str:
    return schools.create_school(hub, name="Jefferson Middle", actor="test").id


def _make_admin(hub: Hub, school_id: str, email: str) -> None:
    add_manual_account(
        hub,
        school_id=school_id,
        email=email,
        first_name="Some",
        last_name="Admin",
        roles=["admin"],
        actor="test",
    )


def _file(rows: list[list[str]]) -> tuple[str, bytes]:
    return ("people.xlsx", workbook({"Student": [HEADER_SCHOOLS, *rows]}))


def _confirm_value(outcome: Outcome) -> str:
    return next(b.value for r in outcome.replies for b in r.buttons if b.choice == CONFIRM)


def _emails_at(hub: Hub, school_id: str) -> set[str]:
    return {a["email"] for a in list_accounts(hub, school_id=school_id, include_all=True)}


def _preview(talk: UploadConversation, person: Person, files: Files, rows: list[list[str]]) -> str:
    files.content["f1"] = _file(rows)
    outcome = talk.on_file(channel=f"D-{person.user}", person=person, file_id="f1", files=files)
    return _confirm_value(outcome)


def test_another_admin_cannot_confirm_cancel_or_read_someones_upload(
    hub: Hub, lincoln: str
) -> None:
    talk, files = UploadConversation(hub, surface="web"), Files()
    upload_id = _preview(talk, PAT, files, [["ada@lincoln.example.org", "Ada", "L", "", ""]])
    before = _emails_at(hub, lincoln)
    for channel in (f"D-{QUINN.user}", f"D-{PAT.user}"):  # Quinn's own DM, and Pat's channel id
        for choice in (CONFIRM, CANCEL):
            outcome = talk.on_choice(
                channel=channel, person=QUINN, choice=choice, value=upload_id, files=files
            )
            assert outcome.replies[0].text == "That upload is no longer waiting for confirmation."
            assert not any(r.attachment for r in outcome.replies)
    assert _emails_at(hub, lincoln) == before
    with hub.session() as session:
        stored = session.get(Upload, upload_id)
        assert stored is not None and stored.status == "pending"

    done = talk.on_choice(
        channel=f"D-{PAT.user}", person=PAT, choice=CONFIRM, value=upload_id, files=files
    )
    assert "is applied to *Lincoln High*" in done.replies[0].text
    # Afterwards Quinn still learns nothing about it (not even that it was applied).
    late = talk.on_choice(
        channel=f"D-{QUINN.user}", person=QUINN, choice=CONFIRM, value=upload_id, files=files
    )
    assert late.replies[0].text == "That upload is no longer waiting for confirmation."


def test_the_upload_service_lets_only_the_uploader_confirm_or_cancel(
    hub: Hub, lincoln: str
) -> None:
    content = _file([["ada@lincoln.example.org", "Ada", "L", "", ""]])[1]
    preview = uploads.preview_upload(
        hub, school_id=lincoln, filename="p.xlsx", content=content, actor="slack:UPAT"
    )
    for call in (uploads.confirm_upload, uploads.cancel_upload):
        with pytest.raises(UsageError, match=f"unknown upload '{preview.upload_id}'"):
            call(hub, upload_id=preview.upload_id, actor="slack:UQUINN")
    assert _emails_at(hub, lincoln) == {PAT.email, QUINN.email}
    applied = uploads.confirm_upload(hub, upload_id=preview.upload_id, actor="slack:UPAT")
    assert applied.result["status"] == "applied"


def test_a_chat_admin_cannot_add_accounts_to_a_school_they_do_not_administer(
    hub: Hub, lincoln: str, jefferson: str
) -> None:
    talk, files = UploadConversation(hub, surface="web"), Files()
    texts = []
    for named in ("Jefferson Middle", "Nowhere Academy"):
        files.content["f-" + named] = _file([["ada@lincoln.example.org", "Ada", "L", "", named]])
        outcome = talk.on_file(channel="D-pat", person=PAT, file_id="f-" + named, files=files)
        [reply] = outcome.replies
        assert "nothing was changed" in reply.text
        assert "you can add accounts only to Lincoln High" in reply.text
        assert not reply.buttons
        texts.append(reply.text.replace(named, "NAME"))
    assert texts[0] == texts[1]
    assert _emails_at(hub, jefferson) == set()


def _preview_naming_jefferson(
    hub: Hub, lincoln: str, jefferson: str
) -> tuple[UploadConversation, Files, str]:
    """Pat, admin at both schools, sends a Lincoln file that also names Jefferson."""
    assert PAT.email
    _make_admin(hub, jefferson, PAT.email)
    talk, files = UploadConversation(hub, surface="web"), Files()
    files.content["f1"] = _file([["ada@lincoln.example.org", "Ada", "L", "", "Jefferson Middle"]])
    asked = talk.on_file(channel="D-pat", person=PAT, file_id="f1", files=files)
    assert "Which school is this for?" in asked.replies[0].text
    preview = talk.on_choice(
        channel="D-pat", person=PAT, choice=CHOOSE_SCHOOL, value=lincoln, files=files
    )
    return talk, files, _confirm_value(preview)


def test_an_admin_of_two_schools_may_add_to_both_but_must_pick_each_time(
    hub: Hub, lincoln: str, jefferson: str
) -> None:
    talk, files, upload_id = _preview_naming_jefferson(hub, lincoln, jefferson)
    talk.on_choice(channel="D-pat", person=PAT, choice=CONFIRM, value=upload_id, files=files)
    assert "ada@lincoln.example.org" in _emails_at(hub, lincoln) & _emails_at(hub, jefferson)

    # The next file is not silently sent to the school picked last time.
    files.content["f2"] = _file([["bo@lincoln.example.org", "Bo", "B", "", ""]])
    again = talk.on_file(channel="D-pat", person=PAT, file_id="f2", files=files)
    assert "Which school is this for?" in again.replies[0].text
    assert "f2" not in files.fetched


def test_confirm_rechecks_which_schools_the_person_still_administers(
    hub: Hub, lincoln: str, jefferson: str
) -> None:
    talk, files, upload_id = _preview_naming_jefferson(hub, lincoln, jefferson)
    with hub.transaction() as session:  # Pat stops being an admin at Jefferson meanwhile
        session.execute(
            update(Membership)
            .where(
                col(Membership.school_id) == jefferson,
                col(Membership.account_id).in_(
                    select(Account.id).where(Account.email == PAT.email).scalar_subquery()
                ),
            )
            .values(status="deactivated")
        )
    outcome = talk.on_choice(
        channel="D-pat", person=PAT, choice=CONFIRM, value=upload_id, files=files
    )
    assert "you can add accounts only to Lincoln High" in outcome.replies[0].text
    assert "ada@lincoln.example.org" not in _emails_at(hub, lincoln)
    assert _emails_at(hub, jefferson) == {PAT.email}


def test_a_confirm_click_by_another_slack_user_does_nothing(
    slack: Slack, district: District
) -> None:
    other, other_dm = "UOTHER", "DUOTHER"
    slack.fake.add_user(other, "other@jefferson.example.org")
    _make_admin(slack.hub, district.jefferson, "other@jefferson.example.org")
    content = workbook({"Student": [HEADER, ["ada@lincoln.example.org", "Ada", "L", ""]]})
    slack.share(ADMIN, ADMIN_DM, FakeFile("F1", "accounts.xlsx", content, ADMIN, ADMIN_DM, "xlsx"))
    message, _ = slack.find_button_message("Confirm", channel=ADMIN_DM)
    button = next(
        e
        for b in message["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if e["text"]["text"] == "Confirm"
    )
    snapshot = {k: message[k] for k in ("ts", "text", "blocks")}

    def click_as_other() -> None:
        response = slack.click(
            other, other_dm, action_id=button["action_id"], value=button["value"], message=snapshot
        )
        assert response.status_code == 200

    click_as_other()
    slack.fake.wait_posted(
        lambda p: p.get("channel") == other_dm and "no longer waiting" in (p.get("text") or ""),
        "the refusal",
    )
    assert "ada@lincoln.example.org" not in _emails_at(slack.hub, district.lincoln)
    slack.press(ADMIN, ADMIN_DM, "Confirm")
    slack.fake.wait_posted(
        lambda p: p.get("channel") == ADMIN_DM and "Done:" in (p.get("text") or ""), "applied"
    )
    click_as_other()  # a replay after it was applied tells the other user nothing either
    replies = slack.fake.wait_for(
        lambda: [p for p in slack.fake.posted(other_dm) if "no longer waiting" in p["text"]][1:],
        what="the second refusal",
    )
    assert replies
    assert not any("already applied" in p["text"] for p in slack.fake.posted(other_dm))
    assert slack.fake.shared_files(other_dm) == []


def test_choosing_a_school_one_does_not_administer_says_the_same_as_an_unknown_one(
    hub: Hub, lincoln: str, jefferson: str
) -> None:
    talk, files = UploadConversation(hub, surface="web"), Files()
    answers = [
        talk.on_choice(channel="D-pat", person=PAT, choice=CHOOSE_SCHOOL, value=ref, files=files)
        for ref in (jefferson, "sch_nosuchsch")
    ]
    assert [a.replies[0].text for a in answers] == [
        "You're not an active admin at that school, so I can't take files for it."
    ] * 2
    stored = state.load(hub, channel="D-pat", user=PAT.user)
    assert stored.school_id is None
