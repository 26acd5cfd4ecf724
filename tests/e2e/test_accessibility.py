"""The staff pages at 1366 px pass an accessibility check, in a real browser, with a street's
day of data behind them: every field labelled, every meaningful image or SVG named, text contrast
at least 4.5:1, one <h1> and a <main> landmark, and the keyboard walking the page's primary form
(or its main content) in the order it is drawn, each stop visible with a focus ring. The print
pages are checked for labels and contrast. Screenshots go to var/screenshots/a11y-<page>.png."""

import datetime as dt
import itertools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.utils import timezone
from test_console import DESKTOP, _names, _place, _sign_in
from test_dashboard import _handle
from test_intake import CORRECTED, LINES
from test_resident import CONTRAST_BELOW_4_5

from guanjia.notifications.delivery import notification_deliver_batch
from guanjia.org.models import Compound
from guanjia.people.models import StaffProfile
from guanjia.people.services import cover_create, leave_create, shift_create
from guanjia.testing import factories as f
from guanjia.tickets.models import Ticket
from guanjia.tickets.services import Rating, ticket_transition
from guanjia.triage.models import IntakeMessage, IntakeSettings
from guanjia.triage.services import intake_draft_confirm, intake_receive

# A fourth group message that names no compound: it stays a draft for the draft page.
EXTRA_LINE = ("赵叔", "楼下垃圾桶两天没人清了，味道很大，麻烦安排一下")


@dataclass(frozen=True)
class Street:
    compound: Compound
    ticket: Ticket  # a new order waiting for dispatch
    dispatched: Ticket  # accepted by 李师傅: the work order sheet
    draft: IntakeMessage


def _street(world: Any) -> Street:
    """大乐园小区 on a working day: orders new, urgent, under way, overdue, resolved and rated;
    a week's roster with leave and a cover; group messages read by triage (an order, a joined
    message, drafts, one corrected); the notifications these made, delivered in the app."""
    compound = _place(world)
    world.street.hotline = "0791-88001234"
    world.street.save()
    _names(world)
    for code in ("repair.corridor_light", "repair.water_electric", "personal.home_repair"):
        f.category(code, after_photo_required=False)
    unit = {
        (b.name, u.name): u for b in compound.buildings.all() for u in b.units.all()
    }.__getitem__
    now = timezone.now()

    # Today's orders: one waiting, one urgent, one under way.
    waiting = f.ticket(
        unit(("3幢", "2单元")), phone="13900001234", room="401", description="楼道灯坏了两天"
    )
    f.ticket(
        unit(("1幢", "1单元")),
        code="repair.water_electric",
        phone="13812342345",
        urgent=True,
        description="卫生间水管漏水，楼下在滴水",
    )
    dispatched = f.ticket(
        unit(("2幢", "1单元")),
        code="repair.water_electric",
        phone="13855556666",
        room="302",
        contact_name="王阿姨",
        description="厨房插座没电",
    )
    ticket_transition(
        ticket=dispatched, action="dispatch", actor=world.dispatcher, assignee=world.worker
    )
    ticket_transition(ticket=dispatched, action="accept", actor=world.worker)

    # The last days: two left open (overdue by now), four resolved, two of them rated.
    for i in range(6):
        at = now - dt.timedelta(days=i + 1, hours=2)
        t = f.ticket(
            unit((f"{i % 3 + 1}幢", f"{i % 2 + 1}单元")),
            code=("repair.corridor_light", "personal.home_repair")[i % 2],
            phone=f"1381234{i:04d}",
            room=f"{i + 1}01",
            description=("楼道灯不亮", "家里水龙头关不紧")[i % 2],
            now=at,
        )
        if i in (2, 5):
            continue
        _handle(t, world, world.worker if i % 2 else world.other_worker, at, minutes=25)
        if i in (0, 1):
            ticket_transition(
                ticket=t,
                action="rate",
                actor=world.operator,
                rating=Rating(overall=5 if i else 2),
                now=at + dt.timedelta(hours=3),
            )

    # The roster: 李师傅 works weekdays, is off two days and covered on a third; 王师傅 keeps no
    # shifts (on duty at any hour), so the backlog plan has someone to give orders to.
    li = StaffProfile.objects.get(user=world.worker)
    wang = StaffProfile.objects.get(user=world.other_worker)
    for weekday in range(5):
        shift_create(staff=li, weekday=weekday, start=dt.time(8), end=dt.time(17))
    monday = timezone.localdate() - dt.timedelta(days=timezone.localdate().weekday())
    leave_create(
        staff=li,
        start=monday + dt.timedelta(days=1),
        end=monday + dt.timedelta(days=2),
        reason="病假",
        actor=world.manager,
    )
    cover_create(
        staff=li, substitute=wang, day=monday + dt.timedelta(days=3), reason="调休", actor=None
    )

    # The compound's group: an order, a message joining it, two drafts; one draft confirmed
    # with its service corrected (the accuracy page's correction).
    IntakeSettings.objects.create(street=world.street, confidence_threshold=0.5)
    for line in (*LINES, f"09:30 {EXTRA_LINE[0]}：{EXTRA_LINE[1]}"):
        _time, said = line.split(" ", 1)
        sender, text = said.split("：", 1)
        intake_receive(street=world.street, text=text, channel="wechat", sender=sender)
    drafts = list(IntakeMessage.objects.filter(status="draft").order_by("pk"))
    assert len(drafts) == 2, [m.status for m in IntakeMessage.objects.all()]
    first = drafts[0]
    intake_draft_confirm(
        message_id=first.pk,
        version=first.version,
        actor=world.dispatcher,
        category=f.category(CORRECTED),
        compound=compound,
        building=compound.buildings.get(name="2幢"),
        contact_phone="13812345678",
    )
    notification_deliver_batch()
    return Street(compound=compound, ticket=waiting, dispatched=dispatched, draft=drafts[1])


@dataclass(frozen=True)
class Page:
    name: str
    url: Callable[[Street], str]
    # The page's primary form, or the part of the page the keyboard walks; None: no walk.
    walk: str | None
    full: bool = True  # False: a print page, checked for labels and contrast only


PAGES = [
    Page("login", lambda s: "/accounts/login/", "form.login"),
    Page("console-queue", lambda s: "/console/", "form.filters"),
    Page("console-ticket", lambda s: f"/console/t/{s.ticket.number}/", ".ticket-actions"),
    Page("console-new", lambda s: "/console/new/", "form.entry"),
    Page("console-followup", lambda s: "/console/followup/", "table.followup"),
    Page("console-roster", lambda s: "/console/roster/", "section[aria-labelledby=leave-h] form"),
    Page("console-plan", lambda s: "/console/plan/", "main form[method=post]"),
    Page("console-intake-paste", lambda s: "/console/intake/paste/", "form.entry"),
    Page("console-intake-draft", lambda s: f"/console/intake/{s.draft.pk}/", "form.entry"),
    Page("console-intake-accuracy", lambda s: "/console/intake/accuracy/", "main"),
    Page("dashboard", lambda s: "/dashboard/", "main"),
    Page("notifications", lambda s: "/notifications/", "main"),
    Page("print-ticket", lambda s: f"/console/print/t/{s.dispatched.number}/", None, full=False),
    Page(
        "print-posters",
        lambda s: f"/console/print/posters/{s.compound.pk}/",
        None,
        full=False,
    ),
]

# Form fields with no label: a <label for>, a wrapping <label>, aria-label or aria-labelledby.
UNLABELLED = """() => [...document.querySelectorAll(
    'input:not([type=hidden]), select, textarea')]
  .filter(e => {
    const labelled = e.labels && [...e.labels].some(l => l.textContent.trim());
    const aria = (e.getAttribute('aria-label') || '').trim()
      || (e.getAttribute('aria-labelledby') || '').split(/\\s+/).filter(Boolean)
           .map(id => document.getElementById(id)).some(l => l && l.textContent.trim());
    return !labelled && !aria;
  })
  .map(e => e.outerHTML.slice(0, 100))"""

# Buttons and links a screen reader could only call "button" or "link".
NAMELESS = """() => [...document.querySelectorAll('a[href], button')]
  .filter(e => !e.textContent.trim() && !(e.getAttribute('aria-label') || '').trim()
    && !(e.getAttribute('title') || '').trim()
    && ![...e.querySelectorAll('img[alt]')].some(i => i.alt.trim()))
  .map(e => e.outerHTML.slice(0, 100))"""

# Images and SVGs that say something without words for a screen reader: an <img> with no alt
# (alt="" marks a decoration, but not as a link's only content), an <svg> neither hidden
# (aria-hidden, role=presentation/none) nor named (role=img with aria-label/labelledby or a
# <title>, or inside a named role=img), and any role=img without a name.
UNNAMED_IMAGES = """() => {
  const hidden = e => e.closest('[aria-hidden=true]')
    || ['presentation', 'none'].includes(e.getAttribute('role'));
  const named = e => (e.getAttribute('aria-label') || '').trim()
    || (e.getAttribute('aria-labelledby') || '').split(/\\s+/).filter(Boolean)
         .map(id => document.getElementById(id)).some(l => l && l.textContent.trim());
  const bad = [];
  for (const img of document.querySelectorAll('img')) {
    if (hidden(img)) continue;
    const alt = img.getAttribute('alt');
    const control = img.closest('a, button');
    if (alt === null || (!alt.trim() && control && !control.textContent.trim()))
      bad.push(img.outerHTML.slice(0, 100));
  }
  for (const svg of document.querySelectorAll('svg')) {
    if (hidden(svg)) continue;
    const outer = svg.parentElement && svg.parentElement.closest('[role=img]');
    if (outer && named(outer)) continue;
    const title = svg.querySelector(':scope > title');
    if (svg.getAttribute('role') === 'img' && (named(svg) || (title && title.textContent.trim())))
      continue;
    bad.push(svg.outerHTML.slice(0, 100));
  }
  for (const e of document.querySelectorAll('[role=img]:not(svg)'))
    if (!named(e) && !hidden(e)) bad.push(e.outerHTML.slice(0, 100));
  return bad;
}"""

# Ids given twice (a label or an aria reference then finds the wrong one), and references to ids
# that are not on the page.
BROKEN_IDS = """() => {
  const ids = [...document.querySelectorAll('[id]')].map(e => e.id);
  const twice = ids.filter((id, i) => ids.indexOf(id) !== i).map(id => `twice: #${id}`);
  const missing = [];
  for (const e of document.querySelectorAll(
      'label[for], [aria-labelledby], [aria-describedby], [aria-controls]')) {
    const refs = [e.getAttribute('for'), e.getAttribute('aria-labelledby'),
      e.getAttribute('aria-describedby'), e.getAttribute('aria-controls')];
    for (const id of refs.filter(Boolean).join(' ').split(/\\s+/).filter(Boolean))
      if (!document.getElementById(id))
        missing.push(`missing: #${id} (${e.outerHTML.slice(0, 60)})`);
  }
  return [...new Set(twice), ...missing];
}"""

# Placeholder text (a hint inside an empty field) and the field's background, as computed colours.
PLACEHOLDERS = """() => [...document.querySelectorAll('input[placeholder], textarea[placeholder]')]
  .filter(e => e.checkVisibility() && e.placeholder.trim())
  .map(e => ({html: e.outerHTML.slice(0, 80),
    fg: getComputedStyle(e, '::placeholder').color, bg: getComputedStyle(e).backgroundColor}))"""

# Controls smaller than 24 × 24 px (WCAG 2.2 AA, target size on a desktop; the phone pages ask
# 44 px). Links inside a sentence are exempt, as WCAG exempts them.
SMALL_TARGETS = """() => [...document.querySelectorAll(
    'button, select, textarea, input:not([type=hidden]), summary')]
  .filter(e => e.checkVisibility())
  .filter(e => { const r = e.getBoundingClientRect(); return r.width < 24 || r.height < 24; })
  .map(e => { const r = e.getBoundingClientRect();
    return `${e.outerHTML.slice(0, 80)} ${Math.round(r.width)}×${Math.round(r.height)}`; })"""

LANDMARKS = """() => ({
  h1: [...document.querySelectorAll('h1')].map(h => h.textContent.trim()),
  main: document.querySelectorAll('main, [role=main]').length,
})"""

# Number the stops of `selector` in DOM order (what the keyboard should walk), and put the focus
# on the stop just before the first one, so the next Tab should land on stop 0.
FOCUS_START = """(selector) => {
  const tabbable = e => e.tabIndex >= 0 && !e.disabled && !e.closest('[inert]')
    && e.checkVisibility({visibilityProperty: true, contentVisibilityAuto: true});
  const all = [...document.querySelectorAll(
      'a[href], button, input:not([type=hidden]), select, textarea, summary, [tabindex]')]
    .filter(tabbable)
    .filter(e => e.type !== 'radio' || e.checked
      || !document.querySelector(`input[type=radio][name="${e.name}"]:checked`));
  const root = document.querySelector(selector);
  const stops = all.filter(e => root.contains(e));
  stops.forEach((e, i) => e.setAttribute('data-a11y-stop', i));
  const before = all.indexOf(stops[0]) - 1;
  if (before >= 0) all[before].focus();
  else { document.activeElement && document.activeElement.blur(); }
  return stops.map(e => e.outerHTML.slice(0, 80));
}"""

# Where the focus is: which stop, whether it is on screen, and its focus ring.
FOCUS_NOW = """(selector) => {
  const e = document.activeElement;
  const root = document.querySelector(selector);
  if (!e || e === document.body || !root.contains(e)) return null;
  const r = e.getBoundingClientRect();
  const s = getComputedStyle(e);
  // A date or time field is several stops (its parts, then the browser's own picker button,
  // which draws its own ring: the field itself is then not :focus).
  const picker = /^(date|time|datetime-local|month|week)$/.test(e.type) && !e.matches(':focus');
  const ring = picker || (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0)
    || (s.boxShadow && s.boxShadow !== 'none');
  return {
    stop: e.hasAttribute('data-a11y-stop') ? Number(e.getAttribute('data-a11y-stop')) : null,
    html: e.outerHTML.slice(0, 80),
    visible: r.width > 0 && r.height > 0 && s.visibility !== 'hidden' && s.opacity !== '0'
      && r.bottom > 0 && r.top < innerHeight && r.right > 0 && r.left < innerWidth,
    ring,
    box: [r.left + scrollX, r.top + scrollY, r.right + scrollX, r.bottom + scrollY],
  };
}"""


def _luminance(css: str) -> float:
    """The relative luminance of an rgb()/rgba() colour (WCAG 2)."""
    r, g, b = (float(v) / 255 for v in css[css.index("(") + 1 : -1].split(",")[:3])

    def linear(v: float) -> float:
        return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4

    return 0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b)


def _faint_placeholders(page: Any) -> list[str]:
    """Placeholders below 4.5:1 against their field (the browser's default grey is about 2.3:1);
    CONTRAST_BELOW_4_5 reads elements' own text, not their ::placeholder."""
    faint = []
    for p in page.evaluate(PLACEHOLDERS):
        a, b = _luminance(p["fg"]), _luminance(p["bg"])
        ratio = (max(a, b) + 0.05) / (min(a, b) + 0.05)
        if ratio < 4.5:
            faint.append(f"{p['html']} {ratio:.2f}")
    return faint


def _walk(page: Any, selector: str) -> list[str]:
    """Tab through `selector`; returns what is wrong with the order and the focus rings."""
    stops = page.evaluate(FOCUS_START, selector)
    assert stops, f"nothing to focus in {selector}"
    problems: list[str] = []
    seen: list[dict[str, Any]] = []
    for _ in range(len(stops) * 5 + 3):  # a date field takes 4 presses
        page.keyboard.press("Tab")
        now = page.evaluate(FOCUS_NOW, selector)
        if now is None:
            break
        seen.append(now)
        if not now["visible"]:
            problems.append(f"focused but not on screen: {now['html']}")
        if not now["ring"]:
            problems.append(f"no focus ring: {now['html']}")
    # The parts of one date field are one stop; so are the same stop's boxes, measured once.
    seen = [s for i, s in enumerate(seen) if i == 0 or s["stop"] != seen[i - 1]["stop"]]
    order = [s["stop"] for s in seen]
    if order != list(range(len(stops))):
        problems.append(f"Tab order {order}, expected {list(range(len(stops)))}: {stops}")
    # Drawn in reading order: each stop below the previous one, or beside it to the right.
    for a, b in itertools.pairwise(seen):
        (al, at, _ar, ab), (bl, bt, _br, bb) = a["box"], b["box"]
        same_line = bt < ab and at < bb
        if not (bt >= ab - 4 or (same_line and bl >= al - 1)):
            problems.append(f"drawn before the previous stop: {b['html']} after {a['html']}")
    return problems


@pytest.fixture
def story(world: Any) -> Street:
    return _street(world)


@pytest.mark.parametrize("spec", PAGES, ids=[p.name for p in PAGES])
def test_staff_page_passes_the_accessibility_check(
    live_server: Any, world: Any, story: Street, browser: Any, shot: Any, spec: Page
) -> None:
    context = browser.new_context(viewport=DESKTOP, locale="zh-CN")
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        url = spec.url(story)
        if spec.name == "login":
            page.goto(f"{live_server.url}{url}")
        else:
            _sign_in(page, live_server.url, "manager", url)
        page.wait_for_load_state("load")
        assert page.locator("html").get_attribute("lang") == "zh-hans"
        assert page.evaluate("document.documentElement.scrollWidth") <= DESKTOP["width"]
        shot(page, f"a11y-{spec.name}")
        found = {
            "unlabelled fields": page.evaluate(UNLABELLED),
            "text below 4.5:1": page.evaluate(CONTRAST_BELOW_4_5),
            "placeholders below 4.5:1": _faint_placeholders(page),
            "ids": page.evaluate(BROKEN_IDS),
        }
        if not spec.full:
            # What goes to the printer: the print stylesheet's colours.
            page.emulate_media(media="print")
            found["printed text below 4.5:1"] = page.evaluate(CONTRAST_BELOW_4_5)
            page.emulate_media(media="screen")
        else:
            marks = page.evaluate(LANDMARKS)
            found["nameless controls"] = page.evaluate(NAMELESS)
            found["targets below 24 px"] = page.evaluate(SMALL_TARGETS)
            found["images without a text alternative"] = page.evaluate(UNNAMED_IMAGES)
            found["landmarks"] = (
                [] if len(marks["h1"]) == 1 and marks["main"] == 1 else [str(marks)]
            )
            found["title"] = [] if page.title().strip() else ["the page has no <title>"]
            if spec.walk:
                found["keyboard"] = _walk(page, spec.walk)
        wrong = {k: v for k, v in found.items() if v}
        assert wrong == {}, "\n".join(f"{k}: {item}" for k, v in wrong.items() for item in v)
    finally:
        context.close()


def test_the_pages_carry_the_data_they_are_checked_with(
    live_server: Any, world: Any, story: Street, browser: Any
) -> None:
    """The checks above ran on full pages, not empty states."""
    context = browser.new_context(viewport=DESKTOP, locale="zh-CN")
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        _sign_in(page, live_server.url, "manager", "/console/")
        # Today 3, overdue 2, the 2-star order reopened, 2 orders from the group's messages.
        assert page.locator("#queue > table.queue tbody tr").count() == 8
        assert page.locator("section.drafts table tbody tr").count() == 1
        page.goto(f"{live_server.url}/console/followup/")
        assert page.locator("table.followup form.call-form").count() >= 2
        page.goto(f"{live_server.url}/console/roster/")
        assert page.locator("table.roster-grid .shift-cover").count() == 1
        assert page.locator("table.roster-grid td.on-leave").count() == 2
        page.goto(f"{live_server.url}/console/plan/")
        assert page.locator("main form[method=post] input[type=checkbox]").count() >= 1
        page.goto(f"{live_server.url}/console/intake/accuracy/")
        assert page.locator("table.corrections tbody tr").count() >= 1
        page.goto(f"{live_server.url}/notifications/")
        assert page.locator("ul.notifications li").count() >= 1
    finally:
        context.close()
