"""``GET /api/v1/plugins``: the providers this hub can connect to and their settings."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from hub.api.deps import HubDep, PrincipalDep
from hub.integrations import COMMON_KEYS

router = APIRouter(tags=["plugins"])


@router.get("/plugins", summary="Installed providers and their setting keys")
def list_plugins(hub: HubDep, _principal: PrincipalDep) -> list[dict[str, Any]]:
    return [
        {
            "name": cls.name,
            "title": cls.title,
            "config_keys": cls.config_keys(),
            "secret_keys": cls.secret_keys(),
            "common_keys": list(COMMON_KEYS),
        }
        for cls in hub.registry
    ]
