"""JSON API: dispatch suggestions. Thin: the selector decides, the schema shapes."""

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router

from guanjia.core.errors import Forbidden
from guanjia.core.problems import problems
from guanjia.dispatch.schemas import SuggestionsOut, suggestions_out
from guanjia.dispatch.selectors import dispatch_decision
from guanjia.people import roles
from guanjia.people.auth import api_caller
from guanjia.tickets.api import Number
from guanjia.tickets.selectors import ticket_get

router = Router(tags=["dispatch"])


@router.get(
    "/tickets/{number}/suggestions",
    response={200: SuggestionsOut, **problems(401, 403, 404, 422)},
    summary="Whom to send an order to: the top three candidates",
)
def ticket_suggestions_op(request: HttpRequest, number: Number) -> SuggestionsOut:
    """The assignment engine's top three qualified candidates for the order (its current handler
    left out), each with a score, the reasons in words, and the warnings a dispatch to them would
    give (over the workload cap, off duty, another compound). `auto` marks whom auto-dispatch
    would pick. For dispatchers and managers (403 for others); an order out of the caller's
    scope is 404."""
    user = api_caller(request)
    ticket = ticket_get(user, number)
    if not user.has_perm(roles.DISPATCH):
        raise Forbidden(
            _("Only dispatchers and managers see dispatch suggestions."), code="forbidden"
        )
    return suggestions_out(ticket, dispatch_decision(ticket, now=timezone.now()))
