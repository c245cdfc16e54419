/*
 * Lumi page visits. Every time this tab opens a page (the document loads, or a navigation
 * goes to another path or query) it gets a new visit key; a websocket reconnect keeps it.
 *
 * The key is kept in sessionStorage as "lumi_visit", which Reflex sends to the backend as
 * client storage with every navigation and (re)connect, before the page's on_load handlers
 * run (VisitState.key): a page's load then knows whether it opens the page anew (start
 * clean) or the same visit is coming back after a reconnect (keep what the person typed).
 * The shell shows a page's content only once the backend says that this visit's on_load
 * chain is done (VisitState.shown === lumiVisit.key), so a page never shows what it held on
 * a previous visit, and stays on screen while a dropped connection comes back.
 *
 * Its code is put inline in every page's head (lumi_app/lumi_app.py), before the app's own
 * scripts: history is patched before React's router first navigates, and no file is waited
 * for before the first paint. It also keeps the browser's time zone in sessionStorage
 * ("lumi_zone"), which reaches the backend the same way (VisitState.time_zone): the feed's day
 * headings are the viewer's days.
 */
(function () {
  "use strict";

  var STORAGE_KEY = "lumi_visit";

  function here() {
    return window.location.pathname.replace(/\/+$/, "") + window.location.search;
  }

  function newKey() {
    if (window.crypto && typeof window.crypto.randomUUID === "function") {
      return window.crypto.randomUUID();
    }
    return Date.now().toString(36) + "-" + Math.random().toString(36).slice(2);
  }

  var visit = (window.lumiVisit = { key: "", page: here() });

  function begin() {
    visit.key = newKey();
    visit.page = here();
    try {
      window.sessionStorage.setItem(STORAGE_KEY, visit.key);
    } catch (error) {
      // Storage refused (private mode quirks): the gate falls back to Reflex's is_hydrated.
      visit.key = "";
    }
  }

  function moved() {
    if (here() !== visit.page) {
      begin();
    }
  }

  // Only this script chooses the visit. Reflex writes a client-storage var back whenever a
  // delta carries it, and an echo of the previous page's key arriving just after a navigation
  // would otherwise be sent again as the new page's visit.
  var setItem = window.Storage.prototype.setItem;
  window.Storage.prototype.setItem = function (name, value) {
    if (name === STORAGE_KEY && this === window.sessionStorage && value !== visit.key) {
      return undefined;
    }
    return setItem.apply(this, arguments);
  };

  begin();
  // Which days moments fall on is the viewer's: the browser's time zone goes with the visit key.
  try {
    window.sessionStorage.setItem("lumi_zone", Intl.DateTimeFormat().resolvedOptions().timeZone || "");
  } catch (error) {
    // No storage or no Intl: days are UTC's.
  }
  ["pushState", "replaceState"].forEach(function (name) {
    var original = window.history[name];
    window.history[name] = function () {
      var result = original.apply(this, arguments);
      moved();
      return result;
    };
  });
  window.addEventListener("popstate", moved);
})();
