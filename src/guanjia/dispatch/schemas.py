"""JSON shapes of dispatch: the suggestions a dispatcher sees beside an order."""

from django.utils.translation import gettext as _
from ninja import Schema

from guanjia.dispatch import engine
from guanjia.tickets.models import Ticket


class SuggestionWarningOut(Schema):
    code: str  # over_workload, off_duty, other_compound: the warnings a dispatch would give
    message: str


class SuggestionOut(Schema):
    username: str
    display_name: str
    is_vendor: bool
    score: float
    explanation: str  # the reasons, joined: 专人负责·在岗·手头3单·距离0.8公里
    reasons: list[str]
    warnings: list[SuggestionWarningOut]
    open_orders: int
    on_duty: bool
    distance_km: float | None
    auto: bool  # whether auto-dispatch would pick this candidate now


class SuggestionsOut(Schema):
    number: str
    mode: str  # the category's dispatch mode: assign, rotate, grab
    suggestions: list[SuggestionOut]


def _warning_message(code: str, c: engine.CandidateIn, ticket: Ticket) -> str:
    # The same words as a manual dispatch's warnings (tickets.services._assignee_check).
    if code == engine.OVER_WORKLOAD:
        return _("%(name)s already has %(count)d open orders.") % {
            "name": c.name,
            "count": c.open_orders,
        }
    if code == engine.OFF_DUTY:
        return _("%(name)s is not on duty now.") % {"name": c.name}
    return _("%(name)s does not usually serve %(compound)s.") % {
        "name": c.name,
        "compound": ticket.compound.name if ticket.compound is not None else "",
    }


def suggestions_out(ticket: Ticket, decision: engine.Decision, *, limit: int = 3) -> SuggestionsOut:
    pick = decision.pick.candidate.user_id if decision.pick is not None else None
    return SuggestionsOut(
        number=ticket.number,
        mode=ticket.category.dispatch_mode,
        suggestions=[
            SuggestionOut(
                username=r.candidate.username,
                display_name=r.candidate.name,
                is_vendor=r.candidate.is_vendor,
                score=r.score,
                explanation=r.explanation,
                reasons=list(r.reasons),
                warnings=[
                    SuggestionWarningOut(
                        code=code, message=_warning_message(code, r.candidate, ticket)
                    )
                    for code in r.warnings
                ],
                open_orders=r.candidate.open_orders,
                on_duty=r.candidate.on_duty,
                distance_km=r.distance_km,
                auto=r.candidate.user_id == pick,
            )
            for r in decision.ranked[:limit]
        ],
    )
