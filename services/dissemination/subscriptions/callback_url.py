"""Moved to shared/http/outbound.py: one URL guard for every outbound fetch (webhooks and
calendar feeds). These names stay for existing imports."""
from shared.http.outbound import (  # noqa: F401
    MAX_URL_LENGTH,
    PRIVATE_NETWORKS,
    CallbackTarget,
    CallbackUrlRejected,
    Resolver,
    address_problem,
    validate_callback_url,
)
