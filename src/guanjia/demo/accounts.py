"""The service center's people: one manager, two guards, two electricians, six maintenance workers,
the dispatcher and the hotline operator, four contracted vendors, and an administrator.

Every demo account has the password `guanjia-demo`.
"""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group

from guanjia.catalog.models import ServiceCategory
from guanjia.dispatch.models import AutoDispatch, DispatchRule, StreetDispatchSettings
from guanjia.org.models import Compound, Street
from guanjia.people.models import Shift, StaffProfile, User, Vendor

DEMO_PASSWORD = "guanjia-demo"  # noqa: S105 - published on purpose: it is the demo's password

# The service center (物业服务中心), where staff start from.
CENTER_LATITUDE = Decimal("28.230000")
CENTER_LONGITUDE = Decimal("117.050000")

GUARD_SKILLS = (
    "security.patrol",
    "security.ebike_charging",
    "security.fire_safety",
    "security.parking",
    "security.noise",
)
ELECTRICIAN_SKILLS = (
    "repair.corridor_light",
    "repair.water_electric",
    "repair.door_access",
    "personal.home_repair",
)
FIXER_SKILLS = (
    "repair.drain",
    "repair.public_facility",
    "repair.door_access",
    "personal.home_repair",
    "repair.water_electric",
    "cleaning.garbage",
    "cleaning.corridor",
)
DESK_SKILLS = ("consult.other",)

DAY = (dt.time(8, 0), dt.time(18, 0))
NIGHT_ON_CALL = (dt.time(18, 0), dt.time(8, 0))
GUARD_DAY = (dt.time(8, 0), dt.time(20, 0))
GUARD_NIGHT = (dt.time(20, 0), dt.time(8, 0))
ALL_WEEK = range(7)


@dataclass(frozen=True)
class Person:
    username: str
    role: str  # a group of people/roles.py
    display_name: str
    title: str = ""
    kind: str = ""  # guard, electrician, fixer, vendor, desk: how the simulator uses them
    skills: tuple[str, ...] = ()
    vendor: str = ""  # the vendor's name, for vendor accounts


@dataclass(frozen=True)
class VendorSpec:
    name: str
    phone: str
    categories: tuple[str, ...]
    arrive_minutes: int
    prices: dict[str, str]


VENDORS = (
    VendorSpec(
        "贴心家政服务有限公司",
        "07016228801",
        ("personal.housekeeping",),
        720,
        {"personal.housekeeping": "50元/小时，两小时起"},
    ),
    VendorSpec(
        "康乐居家养老服务中心",
        "07016228802",
        ("personal.elder_care", "personal.child_care"),
        480,
        {"personal.elder_care": "陪诊80元/次，探视免费", "personal.child_care": "40元/小时"},
    ),
    VendorSpec(
        "固顶防水工程有限公司",
        "07016228803",
        ("repair.roof_leak",),
        1440,
        {"repair.roof_leak": "公共部位免费，户内按面积报价"},
    ),
    VendorSpec(
        "绿洁环境服务有限公司",
        "07016228804",
        ("cleaning.disinfection", "cleaning.greenery"),
        1440,
        {"cleaning.disinfection": "公共区域免费", "cleaning.greenery": "公共区域免费"},
    ),
)

PEOPLE = (
    Person("admin", "admin", "系统管理员"),
    Person("manager", "manager", "经理 王建国"),
    Person("dispatcher", "dispatcher", "调度 陈敏", "调度员", "desk", DESK_SKILLS),
    Person("operator", "operator", "话务 刘芳", "话务员", "desk", DESK_SKILLS),
    Person("guard1", "worker", "保安 赵师傅", "保安", "guard", GUARD_SKILLS),
    Person("guard2", "worker", "保安 孙师傅", "保安", "guard", GUARD_SKILLS),
    Person("electrician1", "worker", "电工 李师傅", "电工", "electrician", ELECTRICIAN_SKILLS),
    Person("electrician2", "worker", "电工 周师傅", "电工", "electrician", ELECTRICIAN_SKILLS),
    Person("fixer1", "worker", "维修工 吴师傅", "维修工", "fixer", FIXER_SKILLS),
    Person("fixer2", "worker", "维修工 郑师傅", "维修工", "fixer", FIXER_SKILLS),
    Person("fixer3", "worker", "维修工 冯师傅", "维修工", "fixer", FIXER_SKILLS),
    Person("fixer4", "worker", "维修工 何师傅", "维修工", "fixer", FIXER_SKILLS),
    Person("fixer5", "worker", "维修工 许师傅", "维修工", "fixer", FIXER_SKILLS),
    Person("fixer6", "worker", "维修工 邓师傅", "维修工", "fixer", FIXER_SKILLS),
    Person(
        "vendor_housekeeping", "vendor", "贴心家政 张阿姨", "家政", "vendor", (), VENDORS[0].name
    ),
    Person("vendor_care", "vendor", "康乐养老 黄护理员", "护理员", "vendor", (), VENDORS[1].name),
    Person("vendor_roofing", "vendor", "固顶防水 马师傅", "防水工", "vendor", (), VENDORS[2].name),
    Person(
        "vendor_environment", "vendor", "绿洁环境 林师傅", "环境", "vendor", (), VENDORS[3].name
    ),
)


def shifts_for(person: Person, index: int) -> list[tuple[int, dt.time, dt.time]]:
    """Weekly shifts (weekday, start, end); `index` is the person's 0-based rank in their kind.

    Guards alternate 12-hour day and night shifts, so one is always on duty. Electricians and
    maintenance workers work days; at night one of each is on call, taking turns.
    """
    if person.kind == "guard":
        days = [d for d in ALL_WEEK if d % 2 == index % 2]
        nights = [d for d in ALL_WEEK if d not in days]
        return [(d, *GUARD_DAY) for d in days] + [(d, *GUARD_NIGHT) for d in nights]
    if person.kind == "electrician":
        nights = [d for d in ALL_WEEK if d % 2 == index]
        return [(d, *DAY) for d in ALL_WEEK] + [(d, *NIGHT_ON_CALL) for d in nights]
    if person.kind == "fixer":
        day_off = (index + 2) % 7
        nights = [index] + ([6] if index == 5 else [])
        return [(d, *DAY) for d in ALL_WEEK if d != day_off] + [(d, *NIGHT_ON_CALL) for d in nights]
    return []


def _compounds_split(compounds: list[Compound], parts: int) -> list[list[Compound]]:
    """Neighbouring compounds go to the same worker: split west to east, then south to north."""
    ordered = sorted(compounds, key=lambda c: (c.longitude or 0, c.latitude or 0))
    size, extra = divmod(len(ordered), parts)
    chunks: list[list[Compound]] = []
    start = 0
    for i in range(parts):
        end = start + size + (1 if i < extra else 0)
        chunks.append(ordered[start:end])
        start = end
    return chunks


def demo_accounts_create(*, street: Street, today: dt.date) -> dict[str, User]:
    """Create the demo accounts, vendors, staff profiles and shifts; return users by username."""
    password = make_password(DEMO_PASSWORD)  # hashed once: hashing is slow on purpose
    categories = {c.code: c for c in ServiceCategory.objects.all()}
    groups = {g.name: g for g in Group.objects.all()}
    vendors: dict[str, Vendor] = {}
    for spec in VENDORS:
        vendor = Vendor.objects.create(
            street=street,
            name=spec.name,
            contact_phone=spec.phone,
            contract_start=today.replace(month=1, day=1) - dt.timedelta(days=365),
            contract_end=today.replace(month=12, day=31) + dt.timedelta(days=365),
            contract_arrive_minutes=spec.arrive_minutes,
            prices=spec.prices,
        )
        vendor.categories.set([categories[code] for code in spec.categories])
        vendors[spec.name] = vendor

    compounds = list(Compound.objects.filter(street=street))
    fixers = [p for p in PEOPLE if p.kind == "fixer"]
    fixer_compounds = dict(
        zip((p.username for p in fixers), _compounds_split(compounds, len(fixers)), strict=True)
    )
    users: dict[str, User] = {}
    rank: dict[str, int] = {}
    for person in PEOPLE:
        user = User(
            username=person.username,
            password=password,
            display_name=person.display_name,
            street=None if person.role == "admin" else street,
            is_staff=True,
            is_superuser=person.role == "admin",
        )
        user.save()
        user.groups.add(groups[person.role])
        users[person.username] = user
        if not person.kind:
            continue
        profile = StaffProfile.objects.create(
            user=user,
            street=street,
            title=person.title,
            vendor=vendors[person.vendor] if person.vendor else None,
            base_latitude=CENTER_LATITUDE,
            base_longitude=CENTER_LONGITUDE,
        )
        if person.skills:
            profile.skills.set([categories[code] for code in person.skills])
        if person.kind == "fixer":
            profile.compounds.set(fixer_compounds[person.username])
        elif person.kind in {"guard", "electrician"}:
            profile.compounds.set(compounds)
        index = rank.get(person.kind, 0)
        rank[person.kind] = index + 1
        Shift.objects.bulk_create(
            Shift(staff=profile, weekday=d, start=start, end=end)
            for d, start, end in shifts_for(person, index)
        )
    _dispatch_rules_create(street, categories, users, fixer_compounds)
    # Off, so that the dispatcher's console shows a real queue (the setting is the manager's).
    StreetDispatchSettings.objects.create(street=street, mode=AutoDispatch.OFF)
    return users


# 专人负责制: the street-wide dedicated handler (primary, backup) of high-frequency categories.
DEDICATED = {
    "repair.corridor_light": ("electrician1", "electrician2"),
    "repair.water_electric": ("electrician1", "electrician2"),
    "security.fire_safety": ("guard1", "guard2"),
    "security.ebike_charging": ("guard2", "guard1"),
}
# Categories whose dedicated handler is the maintenance worker of the compound (the next one
# west to east as backup).
DEDICATED_BY_COMPOUND = ("repair.drain", "repair.public_facility")


def _dispatch_rules_create(
    street: Street,
    categories: dict[str, ServiceCategory],
    users: dict[str, User],
    fixer_compounds: dict[str, list[Compound]],
) -> None:
    rules = [
        DispatchRule(
            street=street,
            category=categories[code],
            primary=users[primary],
            backup=users[backup],
        )
        for code, (primary, backup) in DEDICATED.items()
    ]
    fixers = list(fixer_compounds)
    for i, fixer in enumerate(fixers):
        backup = fixers[(i + 1) % len(fixers)]
        rules += [
            DispatchRule(
                street=street,
                category=categories[code],
                compound=compound,
                primary=users[fixer],
                backup=users[backup],
            )
            for compound in fixer_compounds[fixer]
            for code in DEDICATED_BY_COMPOUND
        ]
    DispatchRule.objects.bulk_create(rules)
