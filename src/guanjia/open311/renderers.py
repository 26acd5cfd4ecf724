"""The two formats of GeoReport v2: one document, rendered as JSON or as XML.

Views build plain data (dicts, lists, strings, numbers, booleans, None) and name the XML root;
JSON drops that root, so lists and errors are top-level arrays. XML has no namespace, and a list
is an element whose children are named after it (`services/service`, `values/value`): see
ITEM_TAGS. An empty list is still a valid, empty element (`<services />`).
"""

import json
import re
from typing import Any
from xml.etree import ElementTree as ET

from django.http import HttpResponse

FORMATS = ("json", "xml")
CONTENT_TYPES = {
    "json": "application/json; charset=utf-8",
    "xml": "text/xml; charset=utf-8",
}
XML_DECLARATION = '<?xml version="1.0" encoding="utf-8"?>'

# The element name of each item of a list, by the list's own element name.
ITEM_TAGS = {
    "services": "service",
    "service_requests": "request",
    "errors": "error",
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
}

# Characters XML 1.0 cannot carry at all, even escaped (a pasted control character must not make
# the whole document unreadable).
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def json_render(data: Any) -> bytes:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def xml_render(root: str, data: Any) -> bytes:
    element = ET.Element(root)
    _fill(element, root, data)
    body = ET.tostring(element, encoding="unicode", short_empty_elements=True)
    return f"{XML_DECLARATION}\n{body}".encode()


def _fill(element: ET.Element, tag: str, value: Any) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            _fill(ET.SubElement(element, key), key, item)
    elif isinstance(value, list | tuple):
        item_tag = ITEM_TAGS.get(tag)
        if item_tag is None:
            raise ValueError(f"no XML item name for a list in <{tag}>")
        for item in value:
            _fill(ET.SubElement(element, item_tag), item_tag, item)
    elif value is None:
        pass
    elif isinstance(value, bool):
        element.text = "true" if value else "false"
    else:
        element.text = _XML_INVALID.sub("", str(value))


def render(fmt: str, root: str, data: Any, *, status: int = 200) -> HttpResponse:
    """The response for `data` in `fmt` ("json" or "xml"); `root` is the XML root element."""
    body = xml_render(root, data) if fmt == "xml" else json_render(data)
    return HttpResponse(body, status=status, content_type=CONTENT_TYPES[fmt])
