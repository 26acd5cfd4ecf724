"""The default service catalog (../DOMAIN: 三有 and 三管). Codes are stable identifiers.

SLA minutes (accept, arrive, resolve) follow what the service center promised its residents:
an electrician within 20–30 minutes for a dark corridor, vendors within a day for bought-in work.
"""

from typing import Any

PREFERRED_TIME = {
    "code": "preferred_time",
    "description": "希望上门时间",
    "datatype": "datetime",
    "datatype_description": "YYYY-MM-DDTHH:MM",
    "required": True,
    "order": 1,
}
PLACE_KIND = {
    "code": "place_kind",
    "description": "位置类型",
    "datatype": "singlevaluelist",
    "required": False,
    "order": 1,
    "values": [
        {"key": "corridor", "name": "楼道"},
        {"key": "outdoor", "name": "室外公共区域"},
        {"key": "indoor", "name": "户内"},
    ],
}


def _c(
    code: str,
    name: str,
    name_en: str,
    group: str,
    frequency: str,
    sla: tuple[int, int, int],
    *,
    mode: str = "assign",
    handler: str = "staff",
    site_visit: bool = True,
    life_safety: bool = False,
    after_photo: bool = False,
    fee: str = "0",
    fee_note: str = "",
    follow_up: str = "sample",
    attributes: list[dict[str, Any]] | None = None,
    keywords: str = "",
    calendar: str = "24x7",
) -> dict[str, Any]:
    return {
        "code": code,
        "name": name,
        "name_en": name_en,
        "group": group,
        "frequency": frequency,
        "accept_minutes": sla[0],
        "arrive_minutes": sla[1],
        "resolve_minutes": sla[2],
        "dispatch_mode": mode,
        "handler_kind": handler,
        "site_visit": site_visit,
        "life_safety": life_safety,
        "after_photo_required": after_photo,
        "fee": fee,
        "fee_note": fee_note,
        "follow_up": follow_up,
        "attributes": attributes or [],
        "keywords": keywords,
        "calendar": calendar,
    }


DEFAULT_CATALOG: list[dict[str, Any]] = [
    _c(
        "repair.corridor_light",
        "楼道灯/公共照明",
        "Corridor and public lighting",
        "repair",
        "high",
        (10, 30, 120),
        after_photo=True,
        attributes=[PLACE_KIND],
        keywords="灯,路灯,声控灯,照明",
    ),
    _c(
        "repair.water_electric",
        "公共水电（总管爆裂、楼道停电、表箱）",
        "Public water and power (burst mains, outages, meter boxes)",
        "repair",
        "high",
        (10, 30, 240),
        keywords="水管,爆裂,停电,跳闸,表箱",
    ),
    _c(
        "repair.drain",
        "下水道/管道堵塞、化粪池外溢",
        "Blocked drains and overflowing septic tanks",
        "repair",
        "high",
        (15, 60, 480),
        keywords="下水道,堵塞,化粪池",
    ),
    _c(
        "repair.roof_leak",
        "屋面、外墙渗漏",
        "Roof and wall leaks",
        "repair",
        "low",
        (120, 1440, 7200),
        handler="vendor",
        follow_up="all",
        keywords="漏水,渗水,屋顶",
    ),
    _c(
        "repair.door_access",
        "单元门、门禁",
        "Unit doors and access control",
        "repair",
        "high",
        (15, 60, 480),
        keywords="门禁,单元门,门锁",
    ),
    _c(
        "repair.public_facility",
        "公共设施（路面、围墙、晾衣架、座椅、健身器材、路灯、井盖）",
        "Public facilities (paving, walls, seats, fitness gear, manholes)",
        "repair",
        "high",
        (30, 240, 4320),
        keywords="井盖,路面,健身器材,座椅",
    ),
    _c(
        "security.patrol",
        "治安：可疑人员、盗窃、纠纷、巡逻",
        "Security: suspicious people, theft, disputes",
        "security",
        "high",
        (5, 15, 120),
        follow_up="all",
        keywords="小偷,可疑,纠纷,吵架",
    ),
    _c(
        "security.ebike_charging",
        "电动车违规充电、飞线充电、电瓶车进楼道",
        "Unsafe e-bike charging",
        "security",
        "high",
        (10, 30, 240),
        keywords="电瓶车,飞线,充电",
    ),
    _c(
        "security.fire_safety",
        "消防与燃气：煤气味、消防通道堵塞、起火",
        "Fire and gas: gas smell, blocked fire lanes, fire",
        "security",
        "high",
        (3, 10, 120),
        life_safety=True,
        follow_up="all",
        keywords="煤气,燃气,着火,消防通道",
    ),
    _c(
        "security.parking",
        "车辆乱停、占道",
        "Illegal parking",
        "security",
        "high",
        (15, 30, 240),
        keywords="停车,占道",
    ),
    _c(
        "security.noise", "噪音扰民", "Noise", "security", "high", (10, 30, 120), keywords="噪音,吵"
    ),
    _c(
        "cleaning.garbage",
        "垃圾清运、垃圾桶满溢",
        "Garbage collection, overflowing bins",
        "cleaning",
        "high",
        (30, 120, 480),
        mode="rotate",
        keywords="垃圾,垃圾桶",
    ),
    _c(
        "cleaning.corridor",
        "楼道堆物、公共区域卫生",
        "Corridor clutter and public hygiene",
        "cleaning",
        "high",
        (30, 240, 1440),
        mode="rotate",
        keywords="堆物,卫生",
    ),
    _c(
        "cleaning.disinfection",
        "消杀（蚊虫、鼠、蟑螂、疫情消毒）",
        "Pest control and disinfection",
        "cleaning",
        "low",
        (120, 1440, 4320),
        handler="vendor",
        keywords="老鼠,蟑螂,蚊子,消毒",
    ),
    _c(
        "cleaning.greenery",
        "绿化养护",
        "Greenery upkeep",
        "cleaning",
        "low",
        (240, 2880, 10080),
        handler="vendor",
        keywords="树,草,绿化",
    ),
    _c(
        "personal.housekeeping",
        "家政服务",
        "Housekeeping",
        "housekeeping",
        "low",
        (120, 1440, 2880),
        handler="vendor",
        fee="50",
        fee_note="按小时计费，价格以合同为准",
        follow_up="all",
        attributes=[PREFERRED_TIME],
        keywords="保洁,打扫,家政",
    ),
    _c(
        "personal.elder_care",
        "助老服务（独居老人看护、陪诊、探视）",
        "Elder care (visits, escorts to the doctor)",
        "care",
        "low",
        (60, 720, 2880),
        handler="vendor",
        follow_up="all",
        attributes=[PREFERRED_TIME],
        keywords="老人,陪诊,探视",
    ),
    _c(
        "personal.child_care",
        "托幼看护（临时照看、接送）",
        "Child care (minding, school runs)",
        "care",
        "low",
        (60, 720, 2880),
        handler="vendor",
        follow_up="all",
        attributes=[PREFERRED_TIME],
        keywords="小孩,接送,看护",
    ),
    _c(
        "personal.home_repair",
        "小修小补（户内水龙头、马桶、门锁、灯泡、家具）",
        "Small home repairs (taps, toilets, locks, bulbs, furniture)",
        "home_repair",
        "high",
        (30, 240, 1440),
        mode="grab",
        fee="0",
        fee_note="人工免费，材料费按实收取",
        keywords="水龙头,马桶,门锁,灯泡",
    ),
    _c(
        "consult.other",
        "咨询、表扬、其他",
        "Questions, praise and other",
        "other",
        "high",
        # 咨询: two working days (7.5 working hours a day by default).
        (30, 0, 900),
        handler="desk",
        site_visit=False,
        calendar="working",
        follow_up="none",
        keywords="咨询,表扬",
    ),
    # Department matters: assigned by a leader (交办) or split from one composite request (一件事);
    # residents never order them (catalog.models.ORDERABLE). No site visit, working days.
    _c(
        "assignment.matter",
        "交办事项",
        "Assigned matter",
        "government",
        "low",
        # 签收 within 4 working hours, 办结 within 5 working days (7.5 working hours a day).
        (240, 0, 2250),
        handler="department",
        site_visit=False,
        calendar="working",
        follow_up="none",
        keywords="交办,督办",
    ),
    _c(
        "composite.task",
        "一件事",
        "Composite request",
        "government",
        "low",
        (240, 0, 2250),
        handler="department",
        site_visit=False,
        calendar="working",
        follow_up="none",
        keywords="一件事,联办",
    ),
]


def catalog_install_defaults(category_model: Any) -> tuple[int, int]:
    """Create the default categories that are missing; never overwrite a street's edits.

    Takes the model as an argument so a data migration can pass its historical model.
    """
    created = 0
    # A historical model (an early migration) may lack fields added since.
    fields = {f.name for f in category_model._meta.get_fields()}
    for order, data in enumerate(DEFAULT_CATALOG):
        known = {k: v for k, v in data.items() if k in fields}
        _obj, was_created = category_model.objects.get_or_create(
            code=data["code"], defaults={**known, "sort_order": (order + 1) * 10}
        )
        created += int(was_created)
    return created, len(DEFAULT_CATALOG) - created
