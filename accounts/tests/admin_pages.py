"""Driving the admin's changelists in tests: posting an action, reading its messages."""


def action_data(action: str, objects) -> dict:
    """What a changelist posts to run ``action`` on ``objects``."""
    return {"action": action, "index": 0, "_selected_action": [obj.pk for obj in objects]}


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]
