"""Pages and files of orders."""

from django.http import FileResponse, Http404, HttpRequest
from django.views.decorators.http import require_GET

from guanjia.tickets.access import ticket_scope
from guanjia.tickets.models import TicketPhoto
from guanjia.tickets.photos import ticket_photo_file


@require_GET
def photo(request: HttpRequest, pk: int) -> FileResponse:
    """One photo of an order the user may see; 404 for everyone else, signed in or not.

    Files are never served straight from MEDIA_ROOT: every read goes through the order's scope.
    The answer is always a JPEG (we re-encoded it), never sniffed, never rendered as a page.
    """
    found = (
        TicketPhoto.objects.filter(pk=pk, ticket__in=ticket_scope(request.user).values("pk"))
        .only("file")
        .first()
    )
    path = ticket_photo_file(found) if found is not None else None
    if path is None:
        raise Http404
    response = FileResponse(path.open("rb"), content_type="image/jpeg")
    response["Content-Disposition"] = "inline"
    response["X-Content-Type-Options"] = "nosniff"
    # Should a browser ever try to render it as a document, it gets nothing to run.
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    # Personal photos: no shared cache keeps them, nor a shared computer after sign-out.
    response["Cache-Control"] = "private, no-store"
    return response
