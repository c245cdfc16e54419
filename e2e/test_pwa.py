"""Lumi is an installable app: its service worker runs for the whole site, Chromium offers to
install it (the same checks as the install button in the address bar), a push message shows a
notification, and a page asked for without a network is the offline page."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

from playwright.sync_api import CDPSession, expect

from e2e.pages import LandingPage, RegisterPage, SettingsPage
from e2e.people import PHONE, Person

WORKER = """async () => {
    const registration = await navigator.serviceWorker.ready;
    return { scope: registration.scope, script: registration.active.scriptURL };
}"""
# Headless Chromium forgets some notifications as soon as they are shown (getNotifications() then
# misses them, now and then), so the worker's calls are recorded: what it asked the browser to
# show, once the browser had shown it.
RECORD_SHOWN = """() => {
    const shown = (self.__lumiE2eShown = []);
    const show = self.registration.showNotification.bind(self.registration);
    self.registration.showNotification = (title, options) =>
        show(title, options).then(() => { shown.push({ title, ...options }); });
}"""
# What the worker has shown, once it has shown something (or nothing after ``deadline`` ms).
SHOWN = """async deadline => {
    const until = Date.now() + deadline;
    while (self.__lumiE2eShown.length === 0 && Date.now() < until) {
        await new Promise(resolve => setTimeout(resolve, 50));
    }
    return self.__lumiE2eShown;
}"""


def worker_registration_id(devtools: CDPSession, timeout: float = 10.0) -> str:
    """The id DevTools knows the page's service worker registration by.

    DevTools announces registrations as events after ``ServiceWorker.enable`` answers; each
    further round trip delivers the ones that arrived meanwhile."""
    registrations: list[dict[str, Any]] = []
    devtools.on("ServiceWorker.workerRegistrationUpdated", lambda event: registrations.extend(event["registrations"]))
    devtools.send("ServiceWorker.enable")
    deadline = time.monotonic() + timeout
    while not (live := [r for r in registrations if not r["isDeleted"]]):
        assert time.monotonic() < deadline, "DevTools announced no service worker registration"
        devtools.send("Runtime.evaluate", {"expression": "0"})
    return live[0]["registrationId"]


def test_the_app_is_installable_shows_pushes_and_has_an_offline_page(
    app_url: str, new_person: Callable[..., Person]
) -> None:
    # given Flora opens Lumi in her own browser profile (not incognito, where nothing installs)
    flora = new_person("Flora", PHONE, installed=True)
    LandingPage(flora.page).open()

    # then the service worker is running, for every page of the site
    assert flora.page.evaluate(WORKER) == {"scope": f"{app_url}/", "script": f"{app_url}/sw.js"}

    # and the manifest reads without errors, and Chromium finds nothing that stops it installing Lumi
    devtools = flora.context.new_cdp_session(flora.page)
    manifest = devtools.send("Page.getAppManifest")
    assert manifest["errors"] == [], manifest["errors"]
    assert manifest["url"] == f"{app_url}/manifest.webmanifest"
    assert devtools.send("Page.getInstallabilityErrors")["installabilityErrors"] == []

    # when a push message arrives (the browser delivers it as from a push service; she allows notifications)
    flora.context.grant_permissions(["notifications"], origin=app_url)
    worker = (
        flora.context.service_workers[0]
        if flora.context.service_workers
        else flora.context.wait_for_event("serviceworker")
    )
    worker.evaluate(RECORD_SHOWN)
    payload = {
        "title": "Blake is thinking of you",
        "body": "A little nudge from Blake, just because.",
        "link": "/notifications",
        "notification_id": "n-e2e-1",
        "category": "partner",
    }
    devtools.send(
        "ServiceWorker.deliverPushMessage",
        {"origin": app_url, "registrationId": worker_registration_id(devtools), "data": json.dumps(payload)},
    )

    # then the service worker shows it, with Lumi's icons, remembering where a click should take her
    assert worker.evaluate(SHOWN, 10_000) == [
        {
            "title": payload["title"],
            "body": payload["body"],
            "icon": "/icon-192.png",
            "badge": "/badge-96.png",
            "tag": "lumi-n-e2e-1",
            "data": {"link": "/notifications", "notification_id": "n-e2e-1"},
        }
    ]

    # when she signs up, then the worker controls the app's pages and Lumi stays installable
    RegisterPage(flora.page).register(flora)
    assert flora.page.evaluate("navigator.serviceWorker.controller?.scriptURL") == f"{app_url}/sw.js"
    assert devtools.send("Page.getInstallabilityErrors")["installabilityErrors"] == []

    # when the network is gone and she opens another page, then she sees the offline page
    flora.context.set_offline(True)
    flora.page.goto(SettingsPage.path)
    expect(flora.page.get_by_role("heading", name="You're offline")).to_be_visible()

    # when the network is back and she tries again, then the page opens
    flora.context.set_offline(False)
    flora.page.get_by_role("button", name="Try again").click()
    SettingsPage(flora.page).wait_until_ready()
    assert flora.console_errors() == []
