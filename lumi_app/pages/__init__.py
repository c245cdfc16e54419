"""One module per page; importing this package registers them all."""

from lumi_app.pages import (
    affirmations,
    confirm_email,
    dates,
    forgot_password,
    home,
    landing,
    login,
    moments,
    music,
    music_queue,
    notifications,
    pairing,
    register,
    reset_password,
    settings,
)

__all__ = [
    "affirmations",
    "confirm_email",
    "dates",
    "forgot_password",
    "home",
    "landing",
    "login",
    "moments",
    "music",
    "music_queue",
    "notifications",
    "pairing",
    "register",
    "reset_password",
    "settings",
]
