"""A client for the JSON API in tests: Bearer keys per account, JSON in and out."""

import json
from typing import Any

from django.test import Client

from guanjia.people.apikeys import apikey_create
from guanjia.people.models import User


def bearer(user: User) -> str:
    """A fresh API key acting as `user` (with the first of its roles)."""
    group = user.groups.order_by("name").first()
    role = group.name if group is not None else "admin"
    count = user.api_keys.count()
    _key, raw = apikey_create(name=f"t-{user.username}-{count}", role=role, user=user)
    return raw


class Api:
    """Calls /api/v1/ as one account (or as nobody), through the whole Django stack."""

    def __init__(self, user: User | None = None, *, language: str = "en") -> None:
        self.client = Client()
        self.headers: dict[str, Any] = {"HTTP_ACCEPT_LANGUAGE": language}
        if user is not None:
            self.headers["HTTP_AUTHORIZATION"] = f"Bearer {bearer(user)}"

    def get(self, path: str, params: dict[str, Any] | None = None, **headers: Any) -> Any:
        return self.client.get(f"/api/v1{path}", data=params or {}, **{**self.headers, **headers})

    def post(self, path: str, body: Any = None, **headers: Any) -> Any:
        return self.client.post(
            f"/api/v1{path}",
            data=json.dumps(body if body is not None else {}),
            content_type="application/json",
            **{**self.headers, **headers},
        )

    def upload(self, path: str, data: dict[str, Any], **headers: Any) -> Any:
        return self.client.post(f"/api/v1{path}", data=data, **{**self.headers, **headers})
