"""The batch planner's JSON format: reading and checking input, and the `dispatch-plan` command.

Plain Python on purpose: `guanjia dispatch-plan FILE` needs no database, no settings and no
`var/`, so nothing here imports Django. Every error names the place it was found
(`workers[3].capacity`), the way a person fixes a file.
"""

from __future__ import annotations

import json
import math
import os
import sys
from typing import TYPE_CHECKING, NoReturn

from guanjia.dispatch.planner import Order, OrderId, Problem, Worker

if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import TextIO

USAGE = """\
usage: guanjia dispatch-plan FILE

Plan a backlog of orders over workers (FILE is JSON; - reads standard input):
  {"service_minutes": 30, "speed_m_per_min": 80,
   "workers": [{"id", "skills": [codes], "x", "y", "open_orders", "capacity"}],
   "orders": [{"id", "category", "x", "y", "priority"}]}
x and y are metres. Prints {"assignments": [{"order", "worker"}], "unassigned": [ids], "cost"}:
as many orders assigned as possible, then the least total cost, each worker's orders listed in
the sequence to take them.
"""


class PlanInputError(ValueError):
    """The input does not follow the format; the message names the place."""


def _fail(where: str, message: str) -> NoReturn:
    raise PlanInputError(f"{where}: {message}")


def _type_name(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def _field(obj: dict[str, object], key: str, where: str) -> object:
    if key not in obj:
        _fail(f"{where}.{key}" if where else key, "missing")
    return obj[key]


# Bounds that keep every cost a finite float (coordinates: metres, a thousand times round the
# Earth; counts and priorities: far beyond any street).
LIMIT = 1e9


def _number(
    value: object, where: str, *, minimum: float | None = None, positive: bool = False
) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        _fail(where, f"must be a number, not {_type_name(value)}")
    try:
        number = float(value)
    except OverflowError:
        number = math.inf
    if not math.isfinite(number) or abs(number) > LIMIT:
        _fail(where, f"must be a finite number no larger than {LIMIT:g} in size")
    if positive and number <= 0:
        _fail(where, f"must be greater than 0, not {value}")
    if minimum is not None and number < minimum:
        _fail(where, f"must be at least {minimum:g}, not {value}")
    return number


def _count(value: object, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        else:
            _fail(where, f"must be a whole number, not {_type_name(value)}")
    if value < 0:
        _fail(where, f"must not be negative, not {value}")
    if value > LIMIT:
        _fail(where, f"must be at most {LIMIT:g}, not {value}")
    return value


def _identifier(value: object, where: str) -> OrderId:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        _fail(where, f"must be a string or a number, not {_type_name(value)}")
    if isinstance(value, float) and not math.isfinite(value):
        _fail(where, "must be a finite number")
    return value


def _text(value: object, where: str) -> str:
    if not isinstance(value, str):
        _fail(where, f"must be a string, not {_type_name(value)}")
    return value


def _object(value: object, where: str) -> dict[str, object]:
    if not isinstance(value, dict):
        _fail(where or "document", f"must be an object, not {_type_name(value)}")
    return value


def _array(value: object, where: str) -> list[object]:
    if not isinstance(value, list):
        _fail(where, f"must be an array, not {_type_name(value)}")
    return value


def _id_key(value: OrderId) -> tuple[str, object]:
    # "1" and 1 are different ids; 1 and 1.0 are the same number.
    return ("s", value) if isinstance(value, str) else ("n", float(value))


def parse_problem(data: object) -> Problem:
    """Check a decoded JSON document and turn it into a `Problem`."""
    doc = _object(data, "")
    service = _number(_field(doc, "service_minutes", ""), "service_minutes", minimum=0)
    speed = _number(_field(doc, "speed_m_per_min", ""), "speed_m_per_min", positive=True)

    workers: list[Worker] = []
    seen: dict[tuple[str, object], int] = {}
    for i, item in enumerate(_array(_field(doc, "workers", ""), "workers")):
        where = f"workers[{i}]"
        w = _object(item, where)
        wid = _identifier(_field(w, "id", where), f"{where}.id")
        if (first := seen.setdefault(_id_key(wid), i)) != i:
            _fail(f"{where}.id", f"duplicate id {json.dumps(wid)} (also workers[{first}])")
        skills = _array(_field(w, "skills", where), f"{where}.skills")
        workers.append(
            Worker(
                id=wid,
                skills=frozenset(_text(s, f"{where}.skills[{j}]") for j, s in enumerate(skills)),
                x=_number(_field(w, "x", where), f"{where}.x"),
                y=_number(_field(w, "y", where), f"{where}.y"),
                open_orders=_count(_field(w, "open_orders", where), f"{where}.open_orders"),
                capacity=_count(_field(w, "capacity", where), f"{where}.capacity"),
            )
        )

    orders: list[Order] = []
    seen = {}
    for i, item in enumerate(_array(_field(doc, "orders", ""), "orders")):
        where = f"orders[{i}]"
        o = _object(item, where)
        oid = _identifier(_field(o, "id", where), f"{where}.id")
        if (first := seen.setdefault(_id_key(oid), i)) != i:
            _fail(f"{where}.id", f"duplicate id {json.dumps(oid)} (also orders[{first}])")
        orders.append(
            Order(
                id=oid,
                category=_text(_field(o, "category", where), f"{where}.category"),
                x=_number(_field(o, "x", where), f"{where}.x"),
                y=_number(_field(o, "y", where), f"{where}.y"),
                priority=_number(_field(o, "priority", where), f"{where}.priority", minimum=0),
            )
        )
    return Problem(
        service_minutes=service,
        speed_m_per_min=speed,
        workers=tuple(workers),
        orders=tuple(orders),
    )


def _reject_constant(name: str) -> NoReturn:
    raise PlanInputError(f"invalid JSON: {name} is not a number JSON allows")


def load_problem(path: str) -> Problem:
    """Read FILE (or standard input for "-") and check it."""
    try:
        if path == "-":
            text = sys.stdin.read()
        else:
            with open(path, encoding="utf-8") as fh:
                text = fh.read()
    except OSError as exc:
        raise PlanInputError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:
        raise PlanInputError(f"{path}: not UTF-8 text ({exc.reason})") from exc
    try:
        data = json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        raise PlanInputError(
            f"{path}: invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}"
        ) from exc
    except RecursionError as exc:
        raise PlanInputError(f"{path}: invalid JSON: nested too deeply") from exc
    try:
        return parse_problem(data)
    except PlanInputError as exc:
        raise PlanInputError(f"{path}: {exc}") from exc


def dispatch_plan_main(
    argv: Sequence[str], stdout: TextIO | None = None, stderr: TextIO | None = None
) -> int:
    """`guanjia dispatch-plan FILE`: one JSON plan on stdout, or a reason on stderr and exit 2."""
    out = stdout or sys.stdout
    err = stderr or sys.stderr
    args = [a for a in argv if a != "--json"]  # the output is JSON either way
    if any(a in {"-h", "--help"} for a in args):
        out.write(USAGE)
        return 0
    if len(args) != 1 or (args[0].startswith("-") and args[0] != "-"):
        err.write(USAGE)
        err.write("error: expected exactly one FILE (or - for standard input)\n")
        return 2
    try:
        problem = load_problem(args[0])
    except PlanInputError as exc:
        err.write(f"dispatch-plan: {exc}\n")
        return 2

    from guanjia.dispatch.planner import plan_optimal

    plan = plan_optimal(problem)
    try:
        out.write(json.dumps(plan.as_json(), ensure_ascii=False, allow_nan=False) + "\n")
        out.flush()
    except BrokenPipeError:
        # The reader went away (`| head`): no traceback, and no second flush at exit.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    return 0
