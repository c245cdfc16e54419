"""One module per page; importing this package registers them all."""

from lumi_app.pages import (
    affirmations,
    forgot_password,
    home,
    landing,
    login,
    moments,
    notifications,
    pairing,
    register,
    reset_password,
    settings,
)

__all__ = [
    "affirmations",
    "forgot_password",
    "home",
    "landing",
    "login",
    "moments",
    "notifications",
    "pairing",
    "register",
    "reset_password",
    "settings",
]
