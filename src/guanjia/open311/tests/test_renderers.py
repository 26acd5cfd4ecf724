"""The two renderers: one document as JSON (root dropped) or XML (declaration, no namespace)."""

import json

import pytest

from guanjia.open311.renderers import XML_DECLARATION, json_render, render, xml_render
from guanjia.open311.tests.conftest import xml_parse

REQUEST = {
    "service_request_id": "SHUANGGANG-20260525-0001",
    "status": "open",
    "description": "楼道灯不亮 <b>&</b>",
    "lat": 28.25,
    "media_url": None,
    "metadata": True,
}


def test_json_keeps_lists_top_level_and_chinese_as_utf8() -> None:
    body = json_render([REQUEST])
    assert body.startswith(b"[{")
    assert "楼道灯不亮".encode() in body  # not \u escapes
    assert json.loads(body) == [REQUEST]


def test_xml_starts_with_the_declaration_and_names_list_items_after_the_list() -> None:
    body = xml_render("service_requests", [REQUEST, REQUEST])
    text = body.decode("utf-8")
    assert text.startswith(XML_DECLARATION + "\n<service_requests>")
    root = xml_parse(body)
    assert root.tag == "service_requests" and "}" not in root.tag  # no namespace
    assert [child.tag for child in root] == ["request", "request"]
    first = root[0]
    assert first.findtext("service_request_id") == "SHUANGGANG-20260525-0001"
    assert first.findtext("description") == "楼道灯不亮 <b>&</b>"  # escaped, read back as text
    assert first.findtext("lat") == "28.25"
    assert first.findtext("metadata") == "true"
    media = first.find("media_url")
    assert media is not None and media.text is None and len(media) == 0


def test_nested_lists_take_their_item_names() -> None:
    definition = {
        "service_code": "x",
        "attributes": [{"code": "a", "values": [{"key": "k", "name": "n"}]}],
    }
    root = xml_parse(xml_render("service_definition", definition))
    assert root.find("attributes/attribute/values/value/key").text == "k"
    discovery = {"endpoints": [{"formats": ["text/xml", "application/json"]}]}
    root = xml_parse(xml_render("discovery", discovery))
    formats = [e.text for e in root.findall("endpoints/endpoint/formats/format")]
    assert formats == ["text/xml", "application/json"]


@pytest.mark.parametrize("root", ["services", "service_requests", "errors"])
def test_an_empty_list_is_a_valid_empty_root(root: str) -> None:
    body = xml_render(root, [])
    element = xml_parse(body)
    assert element.tag == root and len(element) == 0
    assert json_render([]) == b"[]"


def test_booleans_and_numbers() -> None:
    root = xml_parse(xml_render("errors", [{"code": 404, "description": "x"}]))
    assert root.find("error/code").text == "404"
    root = xml_parse(xml_render("service_definition", {"variable": False, "order": 2}))
    assert root.findtext("variable") == "false" and root.findtext("order") == "2"


def test_characters_xml_cannot_carry_are_dropped_not_fatal() -> None:
    body = xml_render("service_requests", [{"description": "灯\x00坏\x08了\x1b\n第二行"}])
    assert xml_parse(body).findtext("request/description") == "灯坏了\n第二行"


def test_a_list_without_an_item_name_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="no XML item name"):
        xml_render("service_requests", [{"photos": ["a"]}])


def test_render_sets_the_content_type_and_status() -> None:
    response = render("xml", "errors", [{"code": 400, "description": "坏"}], status=400)
    assert response.status_code == 400
    assert response["Content-Type"] == "text/xml; charset=utf-8"
    response = render("json", "errors", [{"code": 400, "description": "坏"}], status=400)
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert json.loads(response.content) == [{"code": 400, "description": "坏"}]
