"""Driving the admin's changelists in tests: posting an action, reading its messages."""


def action_data(action: str, objects, *, confirmed: bool = False) -> dict:
    """What a changelist posts to run ``action`` on ``objects``; ``confirmed``: what the
    action's confirmation page posts (``post=yes``)."""
    data = {"action": action, "index": 0, "_selected_action": [obj.pk for obj in objects]}
    return data | {"post": "yes"} if confirmed else data


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]
