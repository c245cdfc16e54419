/*
 * Lumi alerts (toasts) wait while the person is typing where they would appear.
 *
 * Alerts show at the bottom (above the bottom bar on a phone, at the bottom right on a
 * desktop), so they never cover the header or a page's title. A field being typed in can sit
 * there too (a chat's message box pinned above the bottom bar): while one that overlaps the
 * alerts' place has focus, lumiToasts.whenClear() waits, and answers false after maxMs (the
 * alert is then dropped; the bell still counts it).
 */
(function () {
  "use strict";

  var EDITABLE =
    "textarea, select, [contenteditable='true'], " +
    "input:not([type='checkbox']):not([type='radio']):not([type='button']):not([type='submit']):not([type='file'])";
  var PHONE_MAX_WIDTH = 767;

  // Where the toaster puts alerts (lumi_app/lumi_app.py), with room for a few stacked ones.
  function zone() {
    var width = window.innerWidth;
    var height = window.innerHeight;
    if (width <= PHONE_MAX_WIDTH) {
      return { left: 0, right: width, top: height - 240, bottom: height };
    }
    return { left: width - 420, right: width, top: height - 240, bottom: height };
  }

  function typingWhereAlertsGo() {
    var element = document.activeElement;
    if (!element || element === document.body || !element.matches || !element.matches(EDITABLE)) {
      return false;
    }
    var box = element.getBoundingClientRect();
    var area = zone();
    return box.right > area.left && box.left < area.right && box.bottom > area.top && box.top < area.bottom;
  }

  window.lumiToasts = {
    whenClear: function (maxMs) {
      var limit = maxMs || 8000;
      return new Promise(function (resolve) {
        if (!typingWhereAlertsGo()) {
          resolve(true);
          return;
        }
        var started = Date.now();
        var timer = window.setInterval(function () {
          if (!typingWhereAlertsGo()) {
            window.clearInterval(timer);
            resolve(true);
          } else if (Date.now() - started >= limit) {
            window.clearInterval(timer);
            resolve(false);
          }
        }, 200);
      });
    },
  };
})();
