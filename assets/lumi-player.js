/*
 * Lumi music player, the loader: small, so that no page pays for the player before there is
 * something to play. The shell's player bridge attaches a function that sends
 * PlayerState.from_player(kind, data) over Reflex's websocket; the first attach of a page load
 * says "hello", and the backend answers with lumiPlayer.load(...) when the person has a queue
 * (the saved queue and position, not playing: resume where I left off). Only then is the player
 * itself fetched (lumi-player-core.js); it takes over window.lumiPlayer and runs the calls kept
 * meanwhile.
 */
(function () {
  "use strict";

  var CORE = "/lumi-player-core.js";
  var STARTS = ["load", "setQueue"]; // calls that mean there is something to play
  var LATER = ["refresh", "playEntry", "setPeaks", "play", "pause", "toggle", "next", "previous", "seek",
    "setVolume", "mute", "setShuffle", "setRepeat", "setLevelling", "openHelp"];

  var loader = {
    send: null,
    calls: [],
    helloSent: false,
    requested: false,
    signedOut: function () {
      loader.helloSent = false;
    },
  };

  function fetchCore() {
    if (loader.requested) return;
    loader.requested = true;
    var script = document.createElement("script");
    script.src = CORE;
    script.async = true;
    script.onerror = function () {
      loader.requested = false;
      script.remove();
    };
    document.head.appendChild(script);
  }

  function keep(name, starts) {
    return function () {
      loader.calls.push([name, Array.prototype.slice.call(arguments)]);
      if (starts) fetchCore();
    };
  }

  var api = {
    _loader: loader,
    stats: { gaps_ms: [], first_audio_ms: [], seek_ms: [] },
    state: function () {
      return { index: -1, entry_id: null, song_id: null, playing: false, position: 0, duration: 0,
        volume: 1, muted: false, shuffle: false, repeat: "off" };
    },
    /** The shell mounted: events go through `fn` from now on; the first time, say hello. */
    attach: function (fn) {
      loader.send = fn;
      if (!loader.helloSent) {
        loader.helloSent = true;
        try {
          fn("hello", {});
        } catch (error) {
          loader.helloSent = false; // the event loop is not ready: the next attach says it
        }
      }
    },
    detach: function (fn) {
      if (loader.send === fn) loader.send = null;
    },
  };
  STARTS.forEach(function (name) {
    api[name] = keep(name, true);
  });
  LATER.forEach(function (name) {
    api[name] = keep(name, false);
  });

  window.lumiPlayer = api;

  // Not while typing: in text fields "?", "/" and the player's keys are the person's own. The one
  // rule for every page-wide shortcut (the player, music search's "/").
  function typing(target) {
    if (!target || !target.tagName) return false;
    var tag = target.tagName;
    if (tag === "TEXTAREA" || tag === "SELECT" || target.isContentEditable) return true;
    if (tag === "INPUT") return ["button", "checkbox", "radio", "submit", "reset"].indexOf(target.type) < 0;
    return false;
  }
  window.lumiTyping = typing;

  // "?" opens the shortcuts from the moment a page loads, queue or not: here, not in the player,
  // which is fetched only once there is something to play (a "?" pressed before was lost).
  document.addEventListener("keydown", function (event) {
    if (event.key !== "?" || event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) return;
    if (typing(event.target)) return;
    var dialog = document.getElementById("lumi-player-help");
    if (!dialog) return; // signed out: no shell, no shortcuts
    event.preventDefault();
    if (!dialog.open && dialog.showModal) dialog.showModal();
  });

  // The shell may have mounted before this script ran.
  if (typeof window.__lumiPlayerSend === "function") api.attach(window.__lumiPlayerSend);
})();
