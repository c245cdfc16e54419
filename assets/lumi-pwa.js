/*
 * Lumi PWA helper: registers the service worker (/sw.js, scope "/"), and turns Web Push on
 * or off for this device (window.lumiPush), answering the Reflex state with plain objects.
 *
 * lumiPush.status()            -> {supported, permission, subscription: toJSON() | null}
 * lumiPush.permission(on)      -> {action: "enable", ok, reason?} | {action: "disable", ok: true}
 * lumiPush.toggle(on, vapidKey) -> {action: "enable", ok, subscription | reason}
 *                                  {action: "disable", ok, endpoint | reason}
 * Reasons: "unsupported", "denied", "dismissed", "no_worker", "failed".
 * The permission prompt only ever comes from permission(true), which runs straight from the
 * person's click on the switch (browsers want the prompt tied to a click); toggle() follows
 * once the backend shows that it is busy.
 */
(function () {
  "use strict";

  var WORKER_URL = "/sw.js";
  var READY_TIMEOUT_MS = 10000;
  var SUBSCRIBE_TIMEOUT_MS = 20000;

  function workerSupported() {
    return "serviceWorker" in navigator && window.isSecureContext;
  }

  function pushSupported() {
    return workerSupported() && "PushManager" in window && "Notification" in window;
  }

  function register() {
    if (!workerSupported()) {
      return;
    }
    navigator.serviceWorker.register(WORKER_URL, { scope: "/" }).catch(function (error) {
      console.warn("Lumi: the service worker could not be registered:", error && error.message);
    });
  }

  // A click on one of Lumi's push notifications asks an open page to go to its link.
  function listen() {
    if (!workerSupported()) {
      return;
    }
    navigator.serviceWorker.addEventListener("message", function (event) {
      var data = event.data || {};
      if (data.type === "lumi-open" && typeof data.link === "string" && /^\/(?!\/)/.test(data.link)) {
        window.location.assign(data.link);
      }
    });
  }

  function within(promise, ms, fallback) {
    return Promise.race([
      promise,
      new Promise(function (resolve, reject) {
        window.setTimeout(function () {
          if (fallback instanceof Error) {
            reject(fallback);
          } else {
            resolve(fallback);
          }
        }, ms);
      }),
    ]);
  }

  function ready() {
    return within(navigator.serviceWorker.ready, READY_TIMEOUT_MS, null);
  }

  function askPermission() {
    if (Notification.permission === "granted") {
      return Promise.resolve("granted");
    }
    return Notification.requestPermission();
  }

  function keyBytes(base64url) {
    var padded = (base64url + "===".slice((base64url.length + 3) % 4)).replace(/-/g, "+").replace(/_/g, "/");
    var raw = window.atob(padded);
    var bytes = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) {
      bytes[i] = raw.charCodeAt(i);
    }
    return bytes;
  }

  function sameKey(buffer, base64url) {
    if (!buffer) {
      return false;
    }
    var a = new Uint8Array(buffer);
    var b = keyBytes(base64url);
    if (a.length !== b.length) {
      return false;
    }
    for (var i = 0; i < a.length; i++) {
      if (a[i] !== b[i]) {
        return false;
      }
    }
    return true;
  }

  function currentSubscription() {
    return ready().then(function (registration) {
      return registration ? registration.pushManager.getSubscription() : null;
    });
  }

  function enable(vapidKey) {
    var answer = { action: "enable", ok: false };
    if (!pushSupported()) {
      answer.reason = "unsupported";
      return Promise.resolve(answer);
    }
    if (!vapidKey) {
      answer.reason = "failed";
      return Promise.resolve(answer);
    }
    return askPermission()
      .then(function (permission) {
        if (permission !== "granted") {
          answer.reason = permission === "denied" ? "denied" : "dismissed";
          return answer;
        }
        return ready().then(function (registration) {
          if (!registration) {
            answer.reason = "no_worker";
            return answer;
          }
          var manager = registration.pushManager;
          return manager
            .getSubscription()
            .then(function (existing) {
              if (existing && !sameKey(existing.options && existing.options.applicationServerKey, vapidKey)) {
                return existing.unsubscribe().then(function () {
                  return null;
                });
              }
              return existing;
            })
            .then(function (existing) {
              if (existing) {
                return existing;
              }
              var subscribing = manager.subscribe({ userVisibleOnly: true, applicationServerKey: keyBytes(vapidKey) });
              return within(subscribing, SUBSCRIBE_TIMEOUT_MS, new Error("the push service did not answer"));
            })
            .then(function (subscription) {
              answer.ok = true;
              answer.subscription = subscription.toJSON();
              return answer;
            });
        });
      })
      .catch(function (error) {
        console.warn("Lumi: push could not be turned on:", error && error.message);
        answer.reason = "failed";
        return answer;
      });
  }

  function disable() {
    var answer = { action: "disable", ok: false };
    if (!pushSupported()) {
      answer.ok = true;
      answer.endpoint = null;
      return Promise.resolve(answer);
    }
    return currentSubscription()
      .then(function (subscription) {
        answer.ok = true;
        answer.endpoint = subscription ? subscription.endpoint : null;
        return subscription ? subscription.unsubscribe() : true;
      })
      .then(function () {
        return answer;
      })
      .catch(function (error) {
        console.warn("Lumi: push could not be turned off:", error && error.message);
        answer.ok = false;
        answer.reason = "failed";
        return answer;
      });
  }

  window.lumiPush = {
    status: function () {
      if (!pushSupported()) {
        return Promise.resolve({ supported: false, permission: "unsupported", subscription: null });
      }
      return currentSubscription()
        .then(function (subscription) {
          return {
            supported: true,
            permission: Notification.permission,
            subscription: subscription ? subscription.toJSON() : null,
          };
        })
        .catch(function () {
          return { supported: true, permission: Notification.permission, subscription: null };
        });
    },
    permission: function (on) {
      if (!on) {
        return Promise.resolve({ action: "disable", ok: true });
      }
      if (!pushSupported()) {
        return Promise.resolve({ action: "enable", ok: false, reason: "unsupported" });
      }
      return askPermission()
        .then(function (permission) {
          if (permission === "granted") {
            return { action: "enable", ok: true };
          }
          return { action: "enable", ok: false, reason: permission === "denied" ? "denied" : "dismissed" };
        })
        .catch(function () {
          return { action: "enable", ok: false, reason: "failed" };
        });
    },
    toggle: function (on, vapidKey) {
      return on ? enable(vapidKey) : disable();
    },
  };

  listen();
  if (document.readyState === "complete") {
    register();
  } else {
    window.addEventListener("load", register);
  }
})();
