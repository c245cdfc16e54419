/*
 * Lumi presence helper: is the person using this tab right now?
 *
 * "active" while there is input (pointer, keys, wheel, touch, scroll) and the page is visible;
 * "idle" after the idle threshold without input, or at once while the page is hidden.
 * The threshold comes from the backend (Settings.presence_idle_seconds) through the
 * data-idle-ms attribute of #lumi-presence, which the shell renders from Reflex state.
 *
 * Each change is reported through the function the shell's presence bridge attaches (it
 * sends RealtimeState.report_activity over Reflex's websocket); attaching reports the
 * current activity at once, which also starts the tab's live task on the backend.
 */
(function () {
  "use strict";

  var DEFAULT_IDLE_MS = 300000;
  var INPUT_EVENTS = ["pointerdown", "pointermove", "keydown", "wheel", "touchstart", "scroll"];

  var report = null;
  var reported = null;
  var lastInput = Date.now();

  function idleAfterMs() {
    var element = document.getElementById("lumi-presence");
    var value = element ? Number(element.getAttribute("data-idle-ms")) : NaN;
    return value > 0 ? value : DEFAULT_IDLE_MS;
  }

  function activity() {
    if (document.visibilityState === "hidden") {
      return "idle";
    }
    return Date.now() - lastInput >= idleAfterMs() ? "idle" : "active";
  }

  function check() {
    var now = activity();
    if (now !== reported && report) {
      reported = now;
      try {
        report(now);
      } catch (error) {
        reported = null; // the event loop is not ready yet: try again on the next check
      }
    }
  }

  function onInput() {
    lastInput = Date.now();
    if (reported !== "active") {
      check();
    }
  }

  INPUT_EVENTS.forEach(function (name) {
    window.addEventListener(name, onInput, { capture: true, passive: true });
  });
  document.addEventListener("visibilitychange", check);
  window.setInterval(check, 1000);

  window.lumiPresence = {
    /** The shell mounted: report through `fn` from now on, starting with the current activity. */
    attach: function (fn) {
      report = fn;
      reported = null;
      check();
    },
    detach: function (fn) {
      if (report === fn) {
        report = null;
      }
    },
    /** The current activity, for the backend starting the tab's live task. */
    activity: activity,
  };

  // The shell may have mounted before this script ran.
  if (typeof window.__lumiReportActivity === "function") {
    window.lumiPresence.attach(window.__lumiReportActivity);
  }
})();
