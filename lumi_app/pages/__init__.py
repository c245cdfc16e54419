"""One module per page; importing this package registers them all."""

from lumi_app.pages import home, landing, login, moments, notifications, pairing, register, settings

__all__ = ["home", "landing", "login", "moments", "notifications", "pairing", "register", "settings"]
