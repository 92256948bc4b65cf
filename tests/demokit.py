"""What the demo tests share: telling a still picture from live widgets."""


def is_still_picture(shown: list) -> bool:
    """True when a demo displayed exactly one picture (a PIL image), not widgets."""
    return len(shown) == 1 and shown[0].__class__.__module__.startswith("PIL")
