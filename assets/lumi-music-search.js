/*
 * Lumi music search, the keyboard (lumi_app/pages/music/search.py):
 * - "/" on a music page (one with the music tabs) focuses the search field, or opens the
 *   search page (its field is then focused); never while typing, nor with a modifier.
 * - In the field: Escape clears it (as if the person had deleted the text, so the page's
 *   on_change runs), ↓ moves to the first result.
 * - On a result (a song's play button, an album's, artist's or playlist's link): ↓ and ↑ move
 *   to the next and previous one (↑ from the first goes back to the field).
 * Listened to in the capture phase and marked handled, so the player's shortcuts (↑/↓ change
 * its volume) leave these keys alone.
 */
(function () {
  "use strict";

  var FIELD_ID = "music-search";
  var RESULTS_ID = "music-search-results";
  var SEARCH_LINK = 'nav[aria-label="Music"] a[href="/music/search"]';
  // The first control of each result row: a song's play button, or a row's link.
  var RESULT = "li > button:first-child, li > a:first-child";

  function typing(target) {
    return window.lumiTyping(target); // lumi-player.js: the rule every page-wide shortcut follows
  }

  function results() {
    var box = document.getElementById(RESULTS_ID);
    return box ? Array.prototype.slice.call(box.querySelectorAll(RESULT)) : [];
  }

  function clear(field) {
    // React tracks the value it last set: go through the native setter, then say it changed.
    var setter = Object.getOwnPropertyDescriptor(window.HTMLInputElement.prototype, "value").set;
    setter.call(field, "");
    field.dispatchEvent(new Event("input", { bubbles: true }));
  }

  document.addEventListener(
    "keydown",
    function (event) {
      if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) return;
      var target = event.target;
      var field = document.getElementById(FIELD_ID);

      if (field && target === field) {
        if (event.key === "Escape" && field.value !== "") {
          event.preventDefault();
          clear(field);
        } else if (event.key === "ArrowDown") {
          var first = results()[0];
          if (first) {
            event.preventDefault();
            first.focus();
          }
        }
        return;
      }

      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        var items = results();
        var at = items.indexOf(target);
        if (at < 0) return;
        event.preventDefault();
        event.stopPropagation();
        var next = at + (event.key === "ArrowDown" ? 1 : -1);
        if (next >= 0 && next < items.length) items[next].focus();
        else if (next < 0 && field) field.focus();
        return;
      }

      var inDialog = target.closest && target.closest('[role="dialog"], dialog');
      if (event.key === "/" && !typing(target) && !inDialog && !document.querySelector("dialog[open]")) {
        if (field) {
          event.preventDefault();
          field.focus();
          field.select();
          return;
        }
        var link = document.querySelector(SEARCH_LINK);
        if (link) {
          event.preventDefault();
          window.__lumiFocusSearch = true;
          link.click();
        }
      }
    },
    true
  );
})();
