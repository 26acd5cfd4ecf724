"""`guanjia createuser`: thin over user_create; one JSON document with --json; errors exit 1."""

import json
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command, execute_from_command_line
from django.core.management.base import CommandError

from guanjia.people.models import StaffProfile, User


def createuser(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("createuser", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_createuser_prints_one_json_document(world: Any) -> None:
    out, _err = createuser(
        "--role", "worker", "--username", "electrician1", "--password", "guanjia-demo",
        "--street", "shuanggang", "--name", "王电工", "--phone", "13800001111", "--json",
    )  # fmt: skip
    assert json.loads(out) == {
        "username": "electrician1",
        "role": "worker",
        "street": "shuanggang",
        "display_name": "王电工",
        "is_staff": True,
        "is_superuser": False,
        "staff_profile": True,
    }
    user = User.objects.get(username="electrician1")
    assert user.check_password("guanjia-demo")
    assert StaffProfile.objects.get(user=user).street == world.street


def test_createuser_says_what_it_did(world: Any) -> None:
    out, _err = createuser(
        "--role", "admin", "--username", "root", "--password", "guanjia-demo"
    )  # fmt: skip
    assert "root" in out
    assert User.objects.get(username="root").is_superuser


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["--role", "janitor", "--username", "x", "--password", "guanjia-demo"], "dispatcher"),
        (["--role", "worker", "--username", "x", "--password", "guanjia-demo"], "--street"),
        (
            ["--role", "worker", "--username", "x", "--password", "guanjia-demo",
             "--street", "atlantis"],
            "atlantis",
        ),
        (["--role", "operator", "--username", "x", "--password", "short"], "8"),
        (["--role", "operator", "--username", "dispatcher", "--password", "guanjia-demo"],
         "dispatcher"),
    ],
)  # fmt: skip
def test_createuser_refuses_bad_input_and_writes_nothing(
    world: Any, args: list[str], fragment: str
) -> None:
    before = User.objects.count()
    with pytest.raises(CommandError) as caught:
        createuser(*args, "--json")
    assert fragment in str(caught.value)
    assert User.objects.count() == before


def test_createuser_exits_non_zero_with_the_reason_on_stderr(
    world: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["guanjia", "createuser", "--role", "dispatcher", "--username", "dispatcher",
            "--password", "guanjia-demo", "--street", "shuanggang", "--json"]  # fmt: skip
    with pytest.raises(SystemExit) as exited:
        execute_from_command_line(argv)
    assert exited.value.code != 0
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "dispatcher" in captured.err
