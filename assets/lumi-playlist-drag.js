/*
 * Lumi playlist reorder by drag: pointer events (mouse, pen and touch alike). An entry of the
 * open playlist carries data-playlist-entry="<id>"; its grip (data-playlist-handle) starts a
 * drag. While dragging, the entry follows the pointer and the others make room; on release
 * the page's bridge (window.__lumiPlaylistSend, see pages/music/playlist.py) gets
 * ("drop", {entry_id, after_entry_id}): one move, the entry above its new place (null: first).
 * "start" and "cancel" tell the page a drag is on, so a live refetch waits until it ends.
 * Near the top or bottom of the window the page scrolls along (a long playlist on a phone).
 * The Move up / Move down buttons do the same from the keyboard.
 */
(function () {
  "use strict";

  var ITEM = "[data-playlist-entry]";
  var HANDLE = "[data-playlist-handle]";
  var drag = null;
  var EDGE = 72; // px from the window's top or bottom edge where the page scrolls along
  // the player bar (and on a phone the navigation under it) cover the bottom of the window
  function bottomBars() {
    return window.innerWidth < 768 ? 140 : 96;
  }

  function send(kind, data) {
    if (window.__lumiPlaylistSend) window.__lumiPlaylistSend(kind, data || {});
  }

  function reset(current) {
    current.nodes.forEach(function (node) {
      node.style.transform = "";
      node.style.transition = "";
      node.style.zIndex = "";
      node.style.position = "";
      node.removeAttribute("data-dragging");
    });
  }

  document.addEventListener("pointerdown", function (event) {
    if (drag || (event.pointerType === "mouse" && event.button !== 0)) return;
    var handle = event.target && event.target.closest ? event.target.closest(HANDLE) : null;
    var item = handle && handle.closest(ITEM);
    if (!item) return;
    event.preventDefault();
    var nodes = Array.prototype.slice.call(document.querySelectorAll(ITEM));
    var scrolled = window.scrollY;
    var rects = nodes.map(function (node) {
      var rect = node.getBoundingClientRect();
      return { top: rect.top + scrolled, bottom: rect.bottom + scrolled, height: rect.height };
    });
    var from = nodes.indexOf(item);
    var step = rects[from].height;
    if (nodes.length > 1) {
      var other = from > 0 ? from - 1 : from + 1;
      step = Math.abs(rects[from].top - rects[other].top);
    }
    try {
      handle.setPointerCapture(event.pointerId);
    } catch (ignored) {
      /* the pointer went already */
    }
    drag = {
      id: item.getAttribute("data-playlist-entry"),
      item: item,
      nodes: nodes,
      rects: rects,
      from: from,
      to: from,
      step: step,
      startY: event.clientY + scrolled,
      clientY: event.clientY,
      pointer: event.pointerId,
      started: false,
      speed: 0,
    };
  });

  function place() {
    var dy = drag.clientY + window.scrollY - drag.startY;
    var rect = drag.rects[drag.from];
    var centre = (rect.top + rect.bottom) / 2 + dy;
    var to = 0;
    drag.rects.forEach(function (other, index) {
      if (index !== drag.from && (other.top + other.bottom) / 2 < centre) to += 1;
    });
    drag.to = to;
    drag.item.style.transform = "translateY(" + dy + "px)";
    drag.nodes.forEach(function (node, index) {
      if (index === drag.from) return;
      var shift = 0;
      if (drag.from < to && index > drag.from && index <= to) shift = -drag.step;
      if (to < drag.from && index >= to && index < drag.from) shift = drag.step;
      node.style.transition = "transform 120ms ease";
      node.style.transform = shift ? "translateY(" + shift + "px)" : "";
    });
  }

  function scrollAlong() {
    if (!drag || !drag.speed) return;
    window.scrollBy(0, drag.speed);
    place();
    window.requestAnimationFrame(scrollAlong);
  }

  document.addEventListener("pointermove", function (event) {
    if (!drag || event.pointerId !== drag.pointer) return;
    if (!drag.started) {
      if (Math.abs(event.clientY + window.scrollY - drag.startY) < 4) return;
      drag.started = true;
      drag.item.setAttribute("data-dragging", "true");
      drag.item.style.position = "relative";
      drag.item.style.zIndex = "2";
      send("start");
    }
    event.preventDefault();
    drag.clientY = event.clientY;
    place();
    var bottom = window.innerHeight - bottomBars();
    var speed = 0;
    if (event.clientY < EDGE) speed = -Math.ceil((EDGE - event.clientY) / 6);
    else if (event.clientY > bottom - EDGE) speed = Math.ceil((event.clientY - bottom + EDGE) / 6);
    var was = drag.speed;
    drag.speed = speed;
    if (speed && !was) window.requestAnimationFrame(scrollAlong);
  });

  function finish(event, dropped) {
    if (!drag || event.pointerId !== drag.pointer) return;
    var current = drag;
    drag = null;
    reset(current);
    if (!current.started) return;
    if (!dropped || current.to === current.from) {
      send("cancel");
      return;
    }
    var ids = current.nodes.map(function (node) {
      return node.getAttribute("data-playlist-entry");
    });
    ids.splice(current.from, 1);
    ids.splice(current.to, 0, current.id);
    send("drop", { entry_id: current.id, after_entry_id: current.to > 0 ? ids[current.to - 1] : null });
  }

  document.addEventListener("pointerup", function (event) {
    finish(event, true);
  });
  document.addEventListener("pointercancel", function (event) {
    finish(event, false);
  });
  document.addEventListener("keydown", function (event) {
    if (drag && event.key === "Escape") finish({ pointerId: drag.pointer }, false);
  });
})();
