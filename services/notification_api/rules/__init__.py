"""Pure rules of the notification API: no FastAPI, database or pika imports.

Kept I/O-free so the rules that decide what a board may record are unit-tested
directly and reused by the service layer, the consumers and the periodic jobs.
"""

from services.notification_api.rules.errors import RuleViolation

__all__ = ["RuleViolation"]
