"""Our own line icons for the service tiles: inner SVG markup (24×24, stroked), no icon font and
no file from elsewhere. Constants only, so they are safe to mark safe."""

from django.utils.safestring import SafeString, mark_safe

_ICONS = {
    "light": '<path d="M9 18h6M10 21h4M12 3a6 6 0 0 0-4 10.5c.8.8 1 1.5 1 2.5h6c0-1 .2-1.7 1-2.5'
    'A6 6 0 0 0 12 3z"/>',
    "water": '<path d="M12 3s-6 7-6 11a6 6 0 0 0 12 0c0-4-6-11-6-11z"/>',
    "drain": '<path d="M3 7h9v5h9M3 11h5v5h13M14 19v2M18 19v2"/>',
    "roof": '<path d="M3 11l9-7 9 7M5 10v10h14V10M9 14l1 2M14 13l1 2"/>',
    "door": '<rect x="6" y="3" width="12" height="18" rx="1"/><circle cx="15" cy="12" r="1"/>',
    "facility": '<path d="M4 14h16M6 14v5M18 14v5M5 10h14"/><circle cx="12" cy="5" r="2"/>',
    "shield": '<path d="M12 3l7 3v5c0 5-3 8-7 10-4-2-7-5-7-10V6z"/>',
    "bolt": '<path d="M13 3L5 14h6l-1 7 8-11h-6z"/>',
    "flame": '<path d="M12 3c1 4 5 6 5 11a5 5 0 0 1-10 0c0-3 2-4 2-7 2 1 3 3 3 5 0-3 0-6 0-9z"/>',
    "car": '<path d="M5 16v-5l2-5h10l2 5v5M3 16h18M7 19v-3M17 19v-3"/>',
    "noise": '<path d="M4 10v4h4l5 4V6l-5 4zM16 9a4 4 0 0 1 0 6M19 6a8 8 0 0 1 0 12"/>',
    "trash": '<path d="M4 7h16M9 7V4h6v3M6 7l1 13h10l1-13"/>',
    "broom": '<path d="M12 3v7M8 10h8l2 11H6zM10 15v6M14 15v6"/>',
    "bug": '<circle cx="12" cy="13" r="5"/><path d="M12 8V5M7 13H3M21 13h-4M8 9L5 6M16 9l3-3"/>',
    "leaf": '<path d="M5 19c0-9 6-14 15-14 0 9-5 15-14 15M5 19l8-8"/>',
    "home": '<path d="M3 11l9-7 9 7M6 10v10h12V10M10 20v-5h4v5"/>',
    "heart": '<path d="M12 20s-8-5-8-11a4 4 0 0 1 8-1 4 4 0 0 1 8 1c0 6-8 11-8 11z"/>',
    "child": '<circle cx="12" cy="6" r="3"/><path d="M7 21l2-9h6l2 9M6 13h12"/>',
    "tools": '<path d="M14 4l6 6-3 3-6-6zM11 7l-8 8 3 3 8-8"/>',
    "chat": '<path d="M4 5h16v11H9l-5 4z"/>',
}

_BY_CODE = {
    "repair.corridor_light": "light",
    "repair.water_electric": "water",
    "repair.drain": "drain",
    "repair.roof_leak": "roof",
    "repair.door_access": "door",
    "repair.public_facility": "facility",
    "security.patrol": "shield",
    "security.ebike_charging": "bolt",
    "security.fire_safety": "flame",
    "security.parking": "car",
    "security.noise": "noise",
    "cleaning.garbage": "trash",
    "cleaning.corridor": "broom",
    "cleaning.disinfection": "bug",
    "cleaning.greenery": "leaf",
    "personal.housekeeping": "home",
    "personal.elder_care": "heart",
    "personal.child_care": "child",
    "personal.home_repair": "tools",
    "consult.other": "chat",
}

_BY_GROUP = {
    "security": "shield",
    "repair": "tools",
    "cleaning": "broom",
    "housekeeping": "home",
    "care": "heart",
    "home_repair": "tools",
    "other": "chat",
}


def icon_for(code: str, group: str) -> SafeString:
    """The inner markup of the icon for a service: by its code, else by its group."""
    name = _BY_CODE.get(code) or _BY_GROUP.get(group, "chat")
    return mark_safe(_ICONS[name])  # noqa: S308 - our own constants above
