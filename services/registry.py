"""The three services, by name. The CLI and tests find every service here."""
from __future__ import annotations

from shared.service import ServiceSpec


def specs() -> dict[str, ServiceSpec]:
    from services.dissemination.service import SPEC as dissemination
    from services.notification_api.service import SPEC as notification_api
    from services.scheduler.service import SPEC as scheduler

    return {s.name: s for s in (notification_api, scheduler, dissemination)}
