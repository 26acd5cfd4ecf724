"""No page of the residents and no stylesheet names another host: street offices run on
intranets without the internet (no CDN, no web font, no script from elsewhere)."""

import re
from pathlib import Path
from typing import Any

from django.contrib.staticfiles import finders

from guanjia.resident.qrcodes import building_code
from guanjia.testing import factories as f
from guanjia.tickets.services import ticket_transition

URL = re.compile(r"""(?:https?:)?//[^\s"'<>)]+""", re.IGNORECASE)
OWN_HOST = "testserver"


def _foreign(text: str) -> list[str]:
    found = []
    for match in URL.findall(text):
        host = re.sub(r"^(?:https?:)?//", "", match, flags=re.IGNORECASE).split("/")[0]
        if host.split(":")[0] != OWN_HOST:
            found.append(match)
    return found


def _pages(client: Any, world: Any, place: Any) -> dict[str, str]:
    light = "repair.corridor_light"
    ticket = f.ticket(place.unit)
    ticket_transition(
        ticket=ticket, action="dispatch", actor=world.dispatcher, assignee=world.worker
    )
    token = ticket.tracking_token
    urls = [
        "/",
        f"/r/{building_code(place.building)}",
        f"/order/{light}/place",
        "/order/security.fire_safety/place",
        f"/order/place/buildings?compound={place.compound.pk}",
        f"/order/place/units?building={place.building.pk}",
        f"/order/{light}/?compound={place.compound.pk}&building={place.building.pk}",
        f"/t/{token}/done",
        f"/t/{token}",
    ]
    pages = {}
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        pages[url] = response.content.decode()
    # A page with errors shown, in English too.
    response = client.post(f"/order/{light}/", {"compound": place.compound.pk})
    pages["POST order"] = response.content.decode()
    pages["/ (en)"] = client.get("/", headers={"accept-language": "en"}).content.decode()
    return pages


def test_pages_name_no_other_host(client, world, place):
    pages = _pages(client, world, place)
    problems = {url: _foreign(html) for url, html in pages.items() if _foreign(html)}
    assert problems == {}
    # The scan does see URLs: the confirmation shows the tracking link on our own host.
    assert any("//testserver/t/" in html for html in pages.values())


def test_stylesheets_and_scripts_name_no_other_host():
    for name in ("guanjia/site.css", "guanjia/resident.js"):
        path = finders.find(name)
        assert path, name
        assert _foreign(Path(str(path)).read_text()) == [], name
    assert "@import" not in Path(str(finders.find("guanjia/site.css"))).read_text()


def test_the_scan_catches_a_foreign_url():
    assert _foreign('<link href="https://cdn.example.com/x.css">') == [
        "https://cdn.example.com/x.css"
    ]
    assert _foreign('<img src="//cdn.example.com/a.png">') == ["//cdn.example.com/a.png"]
    assert _foreign('<a href="http://testserver/t/x">') == []
