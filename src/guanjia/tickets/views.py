"""Pages and files of orders."""

from pathlib import Path

from django.http import FileResponse, Http404, HttpRequest
from django.views.decorators.http import require_GET

from guanjia.tickets.selectors import ticket_photo_path


@require_GET
def photo(request: HttpRequest, pk: int) -> FileResponse:
    """One photo of an order the user may see; 404 for everyone else, signed in or not.

    Files are never served straight from MEDIA_ROOT: every read goes through the order's scope.
    """
    path = ticket_photo_path(request.user, pk)
    if path is None:
        raise Http404
    return photo_response(path)


def photo_response(path: Path) -> FileResponse:
    """The answer with a photo's file, for pages and the JSON API alike. Always a JPEG (we
    re-encoded it), never sniffed, never rendered as a page."""
    response = FileResponse(path.open("rb"), content_type="image/jpeg")
    response["Content-Disposition"] = "inline"
    response["X-Content-Type-Options"] = "nosniff"
    # Should a browser ever try to render it as a document, it gets nothing to run.
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    # Personal photos: no shared cache keeps them, nor a shared computer after sign-out.
    response["Cache-Control"] = "private, no-store"
    return response
