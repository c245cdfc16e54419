/*
 * Lumi endless lists: a "Load more" button marked data-lumi-autoload="true" is pressed for
 * the person when it scrolls into view (IntersectionObserver), and again while it stays in
 * view once the page it loaded has arrived (it is enabled again). Without JavaScript, or
 * with a keyboard, the button works as an ordinary button.
 */
(function () {
  "use strict";

  if (!("IntersectionObserver" in window) || !("MutationObserver" in window)) {
    return;
  }

  var SELECTOR = "[data-lumi-autoload='true']";
  var watched = new WeakSet();

  function ready(button) {
    return button.isConnected && !button.disabled && button.getAttribute("aria-busy") !== "true";
  }

  var visibility = new IntersectionObserver(
    function (entries) {
      entries.forEach(function (entry) {
        entry.target.__lumiInView = entry.isIntersecting;
        if (entry.isIntersecting && ready(entry.target)) {
          entry.target.click();
        }
      });
    },
    { rootMargin: "0px 0px 200px 0px" }
  );

  // Busy -> ready again while still in view: the page did not fill the screen, load the next one.
  var busyness = new MutationObserver(function (records) {
    records.forEach(function (record) {
      var button = record.target;
      if (button.__lumiInView && ready(button)) {
        window.setTimeout(function () {
          if (button.__lumiInView && ready(button)) {
            button.click();
          }
        }, 0);
      }
    });
  });

  function watch(root) {
    var buttons = root.querySelectorAll ? root.querySelectorAll(SELECTOR) : [];
    Array.prototype.forEach.call(buttons, function (button) {
      if (!watched.has(button)) {
        watched.add(button);
        visibility.observe(button);
        busyness.observe(button, { attributes: true, attributeFilter: ["disabled", "aria-busy"] });
      }
    });
  }

  function start() {
    watch(document);
    new MutationObserver(function () {
      watch(document);
    }).observe(document.body, { childList: true, subtree: true });
  }

  if (document.body) {
    start();
  } else {
    document.addEventListener("DOMContentLoaded", start);
  }
})();
