"""Deployer commands refuse bad input with one clear line and exit status 1; verify-audit
names the first broken link of the audit chain."""

import pytest
import sqlalchemy as sa

from app import create_app
from app.models import AuditEvent, Clinic, User
from tests.conftest import FAST_HASHING

GOOD_PASSWORD = "tulips along the canal"


def _create_user(runner, *args, password=GOOD_PASSWORD):
    return runner.invoke(args=["create-user", *args], input=f"{password}\n{password}\n")


def test_create_clinic_then_user_works(runner, session):
    result = runner.invoke(
        args=["create-clinic", "--slug", "hillside", "--name", "Hillside", "--timezone", "Europe/London"]
    )
    assert result.exit_code == 0, result.output
    result = _create_user(
        runner, "--email", "a@hillside.org", "--name", "Ada", "--role", "admin", "--clinic", "hillside"
    )
    assert result.exit_code == 0, result.output
    assert "Created clinic admin account a@hillside.org at Hillside." in result.output
    assert session.scalar(sa.select(User.role).where(User.email == "a@hillside.org")) == "admin"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--slug", "Hill Side", "--name", "Hillside"], "The short name may use lower-case letters"),
        (["--slug", "hillside", "--name", "  "], "Give the clinic's name as patients know it."),
        (
            ["--slug", "hillside", "--name", "Hillside", "--timezone", "Mars/Base"],
            "'Mars/Base' is not a time zone name",
        ),
        (["--slug", "hillside", "--name", "Hillside", "--paper-size", "Legal"], "'Legal' is not one of 'Letter', 'A4'"),
        (["--slug", "riverside", "--name", "Again"], "A clinic with the short name 'riverside' already exists."),
    ],
)
def test_create_clinic_refuses_bad_input(demo, runner, session, args, message):
    result = runner.invoke(args=["create-clinic", *args])
    assert result.exit_code != 0
    assert message in result.output
    assert session.scalar(sa.select(sa.func.count()).select_from(Clinic)) == 1


@pytest.mark.parametrize(
    ("args", "password", "message"),
    [
        (["--clinic", "nowhere"], GOOD_PASSWORD, "no clinic has the short name 'nowhere'"),
        (["--role", "superuser"], GOOD_PASSWORD, "'superuser' is not one of 'admin', 'clinician', 'frontdesk'"),
        (["--email", "not-an-address"], GOOD_PASSWORD, "Enter the person's e-mail address"),
        (["--email", "Clinician@example.com"], GOOD_PASSWORD, "An account for clinician@example.com already exists."),
        (["--name", " "], GOOD_PASSWORD, "Enter the person's name"),
        ([], "too short", "Use at least 12 characters"),
        ([], "password1234", "on a list of common passwords"),
    ],
)
def test_create_user_refuses_bad_input(demo, runner, session, args, password, message):
    base = {"--email": "new@example.com", "--name": "New Person", "--role": "clinician", "--clinic": "riverside"}
    base.update(dict(zip(args[::2], args[1::2], strict=True)))
    result = _create_user(runner, *[part for pair in base.items() for part in pair], password=password)
    assert result.exit_code != 0
    assert message in result.output
    assert session.scalar(sa.select(sa.func.count()).select_from(User)) == 3


def test_verify_audit_reports_an_intact_chain(demo, runner, session):
    result = runner.invoke(args=["verify-audit"])
    assert result.exit_code == 0
    count = session.scalar(sa.select(sa.func.count()).select_from(AuditEvent))
    assert f"Audit trail intact: {count} events" in result.output


def _drop_audit_guard(connection):
    # 0001 installs triggers that refuse UPDATE and DELETE on audit_event; an attacker
    # with database rights could drop them, which is what verify-audit must catch.
    if connection.dialect.name == "postgresql":
        connection.execute(sa.text("DROP TRIGGER audit_event_no_change ON audit_event"))
    else:
        connection.execute(sa.text("DROP TRIGGER audit_event_no_update"))
        connection.execute(sa.text("DROP TRIGGER audit_event_no_delete"))


@pytest.mark.parametrize("tampering", ["edit", "delete"])
def test_verify_audit_names_the_first_broken_link(scratch_url, tampering):
    app = create_app({"DATABASE_URL": scratch_url, "SECRET_KEY": "k", **FAST_HASHING})
    runner = app.test_cli_runner()
    for slug in ("one", "two", "three"):
        assert runner.invoke(args=["create-clinic", "--slug", slug, "--name", slug.title()]).exit_code == 0
    engine = app.extensions["tallyform.engine"]
    with engine.begin() as connection:
        ids = connection.scalars(sa.select(AuditEvent.id).order_by(AuditEvent.id)).all()
        _drop_audit_guard(connection)
        if tampering == "edit":
            connection.execute(
                sa.text("UPDATE audit_event SET action = 'clinic.nothing' WHERE id = :id"), {"id": ids[1]}
            )
        else:
            connection.execute(sa.text("DELETE FROM audit_event WHERE id = :id"), {"id": ids[1]})

    result = runner.invoke(args=["verify-audit"])
    assert result.exit_code == 1
    broken = ids[1] if tampering == "edit" else ids[2]
    assert f"the audit trail is broken at event {broken}" in result.output
    engine.dispose()
