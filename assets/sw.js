/*
 * Lumi's service worker (scope "/").
 *
 * - Caches the app shell: the offline page, icons, manifest and helpers at install; the
 *   build's hashed bundles (/assets/…) the first time they load. Cache names carry VERSION;
 *   activate deletes every other version.
 * - Never touches what must stay live: anything cross-origin (the Reflex backend and its
 *   event socket, the API, S3/CloudFront media) and the Reflex backend's own routes should
 *   they ever be served from this origin (/_event, /ping, /_upload, /_health, /_all_routes).
 * - Pages: network first; without a network, the offline page.
 * - push: shows the notification (title, body, icon, badge; tag = the notification, so a
 *   repeat replaces it). notificationclick: focuses an open Lumi window and takes it to the
 *   notification's link, or opens one.
 */
"use strict";

var VERSION = "v1";
var SHELL_CACHE = "lumi-shell-" + VERSION;
var STATIC_CACHE = "lumi-static-" + VERSION;
var OFFLINE_URL = "/offline.html";
var SHELL = [
  OFFLINE_URL,
  "/manifest.webmanifest",
  "/icon-192.png",
  "/icon-512.png",
  "/icon-maskable-512.png",
  "/badge-96.png",
  "/favicon.ico",
];
var HELPERS = /^\/lumi-[a-z-]+\.js$/;
var NEVER = ["/_event", "/ping", "/_upload", "/_health", "/_all_routes", "/auth-codespace"];
var STATIC_CACHE_MAX_ENTRIES = 200;

self.addEventListener("install", function (event) {
  event.waitUntil(
    caches
      .open(SHELL_CACHE)
      .then(function (cache) {
        return cache.addAll(SHELL);
      })
      .then(function () {
        return self.skipWaiting();
      })
  );
});

self.addEventListener("activate", function (event) {
  var keep = [SHELL_CACHE, STATIC_CACHE];
  event.waitUntil(
    caches
      .keys()
      .then(function (names) {
        return Promise.all(
          names
            .filter(function (name) {
              return name.indexOf("lumi-") === 0 && keep.indexOf(name) === -1;
            })
            .map(function (name) {
              return caches.delete(name);
            })
        );
      })
      .then(function () {
        return self.clients.claim();
      })
  );
});

function isNever(url) {
  return NEVER.some(function (prefix) {
    return url.pathname === prefix || url.pathname.indexOf(prefix + "/") === 0;
  });
}

function trim(cache) {
  return cache.keys().then(function (keys) {
    var extra = keys.length - STATIC_CACHE_MAX_ENTRIES;
    return Promise.all(
      keys.slice(0, Math.max(0, extra)).map(function (request) {
        return cache.delete(request);
      })
    );
  });
}

// Hashed build files never change: the cache answers, the network fills it once.
function cacheFirst(request) {
  return caches.open(STATIC_CACHE).then(function (cache) {
    return cache.match(request).then(function (hit) {
      if (hit) {
        return hit;
      }
      return fetch(request).then(function (response) {
        if (response.ok && response.type === "basic") {
          cache.put(request, response.clone()).then(function () {
            return trim(cache);
          });
        }
        return response;
      });
    });
  });
}

// Unhashed files (icons, manifest, helpers): the cached copy at once, refreshed behind it.
function staleWhileRevalidate(request) {
  return caches.open(SHELL_CACHE).then(function (cache) {
    return cache.match(request).then(function (hit) {
      var fresh = fetch(request)
        .then(function (response) {
          if (response.ok && response.type === "basic") {
            cache.put(request, response.clone());
          }
          return response;
        })
        .catch(function (error) {
          if (hit) {
            return hit;
          }
          throw error;
        });
      return hit || fresh;
    });
  });
}

function networkFirstPage(request) {
  return fetch(request).catch(function () {
    return caches.match(OFFLINE_URL, { cacheName: SHELL_CACHE }).then(function (offline) {
      return offline || new Response("You're offline.", { status: 503, headers: { "Content-Type": "text/plain" } });
    });
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") {
    return;
  }
  var url = new URL(request.url);
  if (url.origin !== self.location.origin || isNever(url)) {
    return; // the browser handles it, uncached
  }
  if (request.mode === "navigate") {
    event.respondWith(networkFirstPage(request));
  } else if (url.pathname.indexOf("/assets/") === 0) {
    event.respondWith(cacheFirst(request));
  } else if (SHELL.indexOf(url.pathname) !== -1 || HELPERS.test(url.pathname)) {
    event.respondWith(staleWhileRevalidate(request));
  }
});

function inAppLink(link) {
  return typeof link === "string" && /^\/(?!\/)/.test(link) && link.indexOf("\\") === -1 ? link : "/notifications";
}

self.addEventListener("push", function (event) {
  var data = {};
  if (event.data) {
    try {
      data = event.data.json() || {};
    } catch (error) {
      data = { body: event.data.text() };
    }
  }
  var title = typeof data.title === "string" && data.title ? data.title : "Lumi";
  var options = {
    body: typeof data.body === "string" ? data.body : "",
    data: { link: inAppLink(data.link), notification_id: data.notification_id || null },
    icon: "/icon-192.png",
    badge: "/badge-96.png",
    tag: data.notification_id ? "lumi-" + data.notification_id : "lumi",
  };
  event.waitUntil(self.registration.showNotification(title, options));
});

self.addEventListener("notificationclick", function (event) {
  event.notification.close();
  var link = inAppLink(event.notification.data && event.notification.data.link);
  var target = new URL(link, self.location.origin).href;
  event.waitUntil(
    self.clients.matchAll({ type: "window", includeUncontrolled: true }).then(function (windows) {
      var mine = windows.filter(function (client) {
        return new URL(client.url).origin === self.location.origin;
      });
      if (mine.length === 0) {
        return self.clients.openWindow(target);
      }
      var client = mine[0];
      var focusing = client.focus().catch(function () {
        return client; // focusing is a nicety; going to the link is what matters
      });
      return focusing.then(function (focused) {
        var win = focused || client;
        if (win.url === target) {
          return win;
        }
        // navigate() works on windows this worker controls; the page helper covers the rest.
        return (win.navigate ? win.navigate(target) : Promise.reject(new Error("no navigate"))).catch(function () {
          win.postMessage({ type: "lumi-open", link: link });
          return win;
        });
      });
    })
  );
});
