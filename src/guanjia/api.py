"""The JSON API (/api/v1/): one NinjaAPI, one router per area, problem+json errors.

The schema (/api/v1/openapi.json) is public: it describes, it does not disclose. The interactive
docs (/api/v1/docs) are for staff and load their scripts from our own static files, never a CDN.
Every operation needs a caller: an API key (Bearer) or a signed-in browser (with CSRF).
"""

from collections.abc import Callable
from typing import Any

from django.contrib.admin.views.decorators import staff_member_required
from ninja import NinjaAPI
from ninja.openapi.views import openapi_json

from guanjia.catalog.api import router as catalog_router
from guanjia.core.problems import MEDIA_TYPE, problem_handlers_install
from guanjia.dispatch.api import router as dispatch_router
from guanjia.org.api import router as org_router
from guanjia.people.api import router as people_router
from guanjia.people.auth import ApiKeyAuth, SessionAuth
from guanjia.tickets.api import router as tickets_router
from guanjia.triage.api import router as triage_router


class GuanjiaAPI(NinjaAPI):
    def get_openapi_schema(self, *args: Any, **kwargs: Any) -> Any:
        """ninja's schema, with refusals declared as the problem+json they are, and path
        parameters documented alike everywhere (ninja drops a Path's description and examples
        beside a JSON body). Examples stay in the parameter's schema, where OpenAPI 3.1 allows a
        list; ninja also puts the list beside it, where the specification wants a map."""
        schema = super().get_openapi_schema(*args, **kwargs)
        operations = [op for ops in schema.get("paths", {}).values() for op in ops.values()]
        documented: dict[str, dict[str, Any]] = {}
        for operation in operations:
            for parameter in operation.get("parameters", []):
                if isinstance(parameter.get("examples"), list):
                    del parameter["examples"]
                if parameter["in"] == "path" and parameter.get("description"):
                    documented[parameter["name"]] = parameter
        for operation in operations:
            for parameter in operation.get("parameters", []):
                known = documented.get(parameter["name"])
                if parameter["in"] == "path" and known and not parameter.get("description"):
                    parameter.update(description=known["description"], schema=known["schema"])
            for status, response in operation.get("responses", {}).items():
                content = response.get("content", {})
                if str(status).startswith("4") and "application/json" in content:
                    response["content"] = {MEDIA_TYPE: content["application/json"]}
        return schema


def _docs_for_staff(view: Callable[..., Any]) -> Callable[..., Any]:
    """ninja decorates the schema and the docs page alike: only the page is for staff."""
    if getattr(view, "func", None) is openapi_json:
        return view
    return staff_member_required(view)


api = GuanjiaAPI(
    title="Guanjia API",
    version="1",
    description=(
        "Orders (tickets), the service catalog, places and people of a street office's service "
        "desk. Authenticate with `Authorization: Bearer <key>` (see `guanjia apikey create`) or "
        "a signed-in session with its CSRF token. Errors are application/problem+json with a "
        "stable `code`."
    ),
    urls_namespace="api",
    auth=[ApiKeyAuth(), SessionAuth()],
    docs_decorator=_docs_for_staff,
)
problem_handlers_install(api)

api.add_router("/", tickets_router)
api.add_router("/", catalog_router)
api.add_router("/", org_router)
api.add_router("/", people_router)
api.add_router("/", dispatch_router)
api.add_router("/", triage_router)
