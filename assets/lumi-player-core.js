/*
 * Lumi music player, the part that plays (lumi-player.js loads it once there is something to
 * play): two <audio> elements on document.body, outside React, so music goes on while the app
 * changes pages on the client. One plays; the other preloads the next song, so the gap between
 * songs is as short as the browser allows.
 *
 * It takes over window.lumiPlayer from the loader, with the bridge's function (sending
 * PlayerState.from_player(kind, data) over Reflex's websocket) and the calls made meanwhile.
 * It tells the backend "song" (another song plays), "save" (where we are: every 15 s while
 * playing, on pause, on pagehide), "expired" (signed URLs went stale: the backend answers
 * with refresh()) and "play" (a listen to report, see below).
 *
 * Listens (docs/music-stats.md): each time a song starts playing it gets a listen with its own
 * play_id and started_at; the seconds heard are the media time that advanced while it played,
 * summed from small timeupdate steps (a seek, a reload of the source or a step longer than the
 * wall clock allows is not counted). The listen is reported ("play") when the song ends, is
 * skipped or changed, the queue is replaced, or the page is hidden, and only once enough was
 * heard for the backend's rule (songs over 30 s: half of it or 4 minutes); the backend stays
 * the judge, and a report repeated with the same play_id records nothing new.
 *
 * The bar's pieces are found by id and repainted by this script (the time, the seek bar, the
 * play button, volume, shuffle, repeat), so playing sends nothing per second over the websocket;
 * React re-renders the bar on each page, and a MutationObserver repaints the new one at once.
 */
(function () {
  "use strict";

  var TARGET_LUFS = -16;
  var SAVE_EVERY_MS = 15000;
  var PLAY_MIN_SONG = 30; // backend/domain/plays.py: a song this short never counts …
  var PLAY_ENOUGH = 240; // … a longer one once half of it, or this much, has been heard
  var REPEATS = ["off", "all", "one"];

  var els = null; // [audio, audio], made on the first load()
  var cur = 0; // which of els plays
  var preloadedIndex = -1; // the queue index the other element holds
  var queue = [];
  var order = []; // play order: queue indexes (shuffled or not)
  var pos = 0; // index into order
  var shuffle = false;
  var repeat = "off";
  var volume = 1;
  var muted = false;
  var levelling = true;
  var peaks = {}; // song_id -> [0..255]
  var send = null;
  var detachTimer = null;
  var lastSave = 0;
  var lastExpired = 0;
  var pending = { play: 0, seek: 0, seeked: false, ended: 0 };
  var stats = { gaps_ms: [], first_audio_ms: [], seek_ms: [] };
  var listen = null; // {play_id, song, started_at, heard, at, wall, reported}
  var reported = []; // the listens reported in this page (tests read it)

  function now() {
    return performance.now();
  }

  function byId(id) {
    return document.getElementById(id);
  }

  function audio() {
    return els ? els[cur] : null;
  }

  function other() {
    return els ? els[1 - cur] : null;
  }

  function currentIndex() {
    return order.length ? order[pos] : -1;
  }

  function current() {
    var index = currentIndex();
    return index >= 0 ? queue[index] : null;
  }

  function tell(kind, data) {
    if (!send) return;
    try {
      send(kind, data || {});
    } catch (error) {
      /* the event loop is not ready: the next save catches up */
    }
  }

  function gain(song) {
    if (!levelling || !song || typeof song.loudness_lufs !== "number") return 1;
    return Math.min(1, Math.pow(10, (TARGET_LUFS - song.loudness_lufs) / 20));
  }

  function applyVolume() {
    if (!els) return;
    els.forEach(function (el) {
      el.muted = muted;
      el.volume = Math.max(0, Math.min(1, volume * gain(el._song)));
    });
  }

  function makeOrder(keepIndex) {
    var indexes = queue.map(function (_, i) {
      return i;
    });
    if (shuffle) {
      for (var i = indexes.length - 1; i > 0; i--) {
        var j = Math.floor(Math.random() * (i + 1));
        var t = indexes[i];
        indexes[i] = indexes[j];
        indexes[j] = t;
      }
      if (keepIndex >= 0) {
        indexes.splice(indexes.indexOf(keepIndex), 1);
        indexes.unshift(keepIndex);
      }
    }
    order = indexes;
    pos = Math.max(0, order.indexOf(keepIndex));
  }

  function nextPos() {
    if (!order.length) return -1;
    if (repeat === "one") return pos;
    if (pos + 1 < order.length) return pos + 1;
    return repeat === "all" ? 0 : -1;
  }

  // ------------------------------------------------------------ the elements

  function makeElement() {
    var el = document.createElement("audio");
    el.preload = "auto";
    el.setAttribute("data-lumi-player", "");
    el.hidden = true;
    ["playing", "pause", "ended", "seeking", "seeked", "timeupdate", "loadedmetadata", "emptied", "error", "waiting"].forEach(
      function (name) {
        el.addEventListener(name, function (event) {
          onMedia(el, event);
        });
      },
    );
    document.body.appendChild(el);
    return el;
  }

  function ensureElements() {
    if (els) return;
    els = [makeElement(), makeElement()];
    setUpMediaSession();
    window.setInterval(function () {
      var el = audio();
      if (el && !el.paused) {
        paint();
        updatePositionState();
        if (now() - lastSave >= SAVE_EVERY_MS) save();
      }
    }, 500);
    // React re-renders the bar on each page: paint the new one at once.
    var painting = 0;
    new MutationObserver(function () {
      if (painting || !byId("lumi-player-bar")) return;
      painting = window.requestAnimationFrame(function () {
        painting = 0;
        paint();
      });
    }).observe(document.body, { childList: true, subtree: true });
  }

  function setSource(el, song) {
    el._song = song;
    if (!song || !song.stream_url) {
      el.removeAttribute("src");
      el.load();
      return;
    }
    if (el.getAttribute("src") !== song.stream_url) {
      el.src = song.stream_url;
      el.load();
    }
    el.volume = Math.max(0, Math.min(1, volume * gain(song)));
    el.muted = muted;
  }

  function preloadNext() {
    var next = nextPos();
    var index = next >= 0 && next !== pos ? order[next] : -1;
    if (index === preloadedIndex && other() && other()._song === queue[index]) return;
    preloadedIndex = index;
    setSource(other(), index >= 0 ? queue[index] : null);
  }

  function startAt(newPos, position, autoplay) {
    var el;
    var index = order[newPos];
    var song = queue[index];
    if (!song) return;
    finishListen();
    pos = newPos;
    if (index === preloadedIndex && other()._song === song) {
      audio().pause();
      cur = 1 - cur;
      el = audio();
      el._startAt = 0;
      try {
        el.currentTime = position || 0;
      } catch (error) {
        el._startAt = position; // not seekable yet: loadedmetadata applies it
      }
    } else {
      audio().pause();
      el = audio();
      el._startAt = position || 0;
      setSource(el, song);
      if (el.readyState >= 1) {
        el.currentTime = position || 0;
        el._startAt = 0;
      }
    }
    preloadedIndex = -1;
    other().pause();
    applyVolume();
    if (autoplay) requestPlay();
    paint();
    updateMediaSession();
    lastSave = now();
    tell("song", snapshot());
  }

  function requestPlay() {
    var el = audio();
    if (!el || !el._song) return;
    if (el.ended && repeat !== "one") el.currentTime = 0;
    pending.play = now();
    el._wantedPlay = true;
    var played = el.play();
    if (played && played.catch) {
      played.catch(function () {
        pending.play = 0;
        paint();
      });
    }
  }

  function onMedia(el, event) {
    var t = now();
    if (el !== audio()) return; // the preloading element: quiet
    switch (event.type) {
      case "playing":
        heard(el, t);
        if (pending.ended) {
          stats.gaps_ms.push(t - pending.ended);
          pending.ended = 0;
          pending.play = 0;
        } else if (pending.play) {
          stats.first_audio_ms.push(t - pending.play);
          pending.play = 0;
        }
        if (pending.seek && pending.seeked) finishSeek(t);
        preloadNext();
        break;
      case "seeked":
        if (pending.seek) {
          pending.seeked = true;
          if (el.paused || el.readyState >= 3) finishSeek(t);
        }
        break;
      case "timeupdate":
        // Seeked while playing, without a "playing" after it: audio flows again now.
        if (pending.seek && pending.seeked && !el.paused) finishSeek(t);
        heard(el, t);
        break;
      case "seeking":
      case "emptied":
        if (listen) listen.at = null; // a jump, not listening
        break;
      case "pause":
        heard(el, t);
        if (listen) listen.at = null;
        if (!el.ended && !el.error) {
          el._wantedPlay = false;
          save();
        }
        break;
      case "ended":
        onEnded(t);
        return;
      case "loadedmetadata":
        if (el._startAt) {
          el.currentTime = Math.min(el._startAt, el.duration || el._startAt);
          el._startAt = 0;
        }
        break;
      case "error":
        onError(el);
        break;
    }
    paint();
  }

  function finishSeek(t) {
    stats.seek_ms.push(t - pending.seek);
    pending.seek = 0;
    pending.seeked = false;
  }

  function onEnded(t) {
    heard(audio(), t);
    finishListen();
    var next = nextPos();
    if (next < 0) {
      paint();
      save();
      return;
    }
    pending.ended = t;
    if (next === pos) {
      audio().currentTime = 0;
      audio().play();
      return;
    }
    startAt(next, 0, true);
  }

  function onError(el) {
    var song = el._song;
    if (!song || !el.getAttribute("src")) return;
    if (now() - lastExpired < 30000) return; // fresh URLs failed too: not an expiry
    lastExpired = now();
    tell("expired", snapshot());
  }

  // ------------------------------------------------------------ listens

  function newPlayId() {
    if (window.crypto && window.crypto.randomUUID) return window.crypto.randomUUID().replace(/-/g, "");
    var id = Date.now().toString(16);
    while (id.length < 32) id += Math.floor(Math.random() * 16).toString(16);
    return id;
  }

  /** Count the media time that advanced since the last step, if it was heard (not a jump). */
  function heard(el, t) {
    if (!el || !el._song) return;
    var song = el._song;
    // the same entry of the queue goes on (fresh signed URLs give it a new object)
    if (!listen || listen.song.entry_id !== song.entry_id || listen.song.song_id !== song.song_id) {
      if (el.paused || el.ended) return;
      finishListen();
      listen = {
        play_id: newPlayId(),
        song: song,
        started_at: new Date().toISOString(),
        heard: 0,
        at: null,
        wall: 0,
        reported: false,
      };
    }
    var time = el.currentTime;
    if (listen.at !== null && !pending.seek) {
      var step = time - listen.at;
      // what the wall clock allows at this speed, and a little slack for timer jitter
      var allowed = ((t - listen.wall) / 1000) * (el.playbackRate || 1) + 0.5;
      if (step > 0 && step <= allowed) listen.heard += step;
    }
    listen.at = el.paused || el.ended || pending.seek ? null : time;
    listen.wall = t;
  }

  function enoughHeard(current) {
    var duration = current.song.duration || (audio() && isFinite(audio().duration) ? audio().duration : 0);
    return duration > PLAY_MIN_SONG && current.heard >= Math.min(duration / 2, PLAY_ENOUGH);
  }

  /** Report the listen if enough was heard (at most once); ``keep`` goes on counting it. */
  function reportListen(keep) {
    var current = listen;
    if (!keep) listen = null;
    if (!current || current.reported || !enoughHeard(current)) return;
    current.reported = true;
    var report = {
      play_id: current.play_id,
      song_id: current.song.song_id,
      started_at: current.started_at,
      listened_seconds: Math.round(current.heard * 100) / 100,
    };
    reported.push(report);
    tell("play", report);
  }

  function finishListen() {
    reportListen(false);
  }

  // ------------------------------------------------------------ state and saving

  function snapshot() {
    var el = audio();
    var song = current();
    return {
      entry_id: song ? song.entry_id : null,
      song_id: song ? song.song_id : null,
      position: el ? el.currentTime || el._startAt || 0 : 0,
      shuffle: shuffle,
      repeat: repeat,
      volume: volume,
    };
  }

  function save() {
    if (!current()) return;
    lastSave = now();
    tell("save", snapshot());
  }

  function state() {
    var el = audio();
    var song = current();
    return {
      index: currentIndex(),
      entry_id: song ? song.entry_id : null,
      song_id: song ? song.song_id : null,
      playing: !!(el && !el.paused && !el.ended),
      position: el ? el._startAt || el.currentTime : 0,
      duration: el && isFinite(el.duration) ? el.duration : song ? song.duration || 0 : 0,
      volume: volume,
      muted: muted,
      shuffle: shuffle,
      repeat: repeat,
    };
  }

  // ------------------------------------------------------------ painting the bar

  function clock(seconds) {
    seconds = Math.max(0, Math.floor(seconds || 0));
    var m = Math.floor(seconds / 60);
    var s = seconds % 60;
    return m + ":" + (s < 10 ? "0" : "") + s;
  }

  function setText(id, text) {
    var node = byId(id);
    if (node && node.textContent !== text) node.textContent = text;
  }

  function paint() {
    var s = state();
    setText("lumi-player-elapsed", clock(s.position));
    setText("lumi-player-remaining", "-" + clock(s.duration - s.position));
    var slider = byId("lumi-player-seek");
    if (slider) {
      slider.setAttribute("aria-valuemax", String(Math.round(s.duration)));
      slider.setAttribute("aria-valuenow", String(Math.round(s.position)));
      slider.setAttribute("aria-valuetext", clock(s.position) + " of " + clock(s.duration));
      if (!slider._lumi) bindSlider(slider);
    }
    drawWave(s);
    document.querySelectorAll("[data-lumi-toggle]").forEach(function (button) {
      button.setAttribute("data-playing", s.playing ? "true" : "false");
      button.setAttribute("aria-label", s.playing ? "Pause" : "Play");
    });
    var volumeInput = byId("lumi-player-volume");
    if (volumeInput) {
      if (!volumeInput._lumi) {
        volumeInput._lumi = true;
        volumeInput.addEventListener("input", function () {
          setVolume(Number(volumeInput.value) / 100);
        });
      }
      var shown = String(Math.round((muted ? 0 : volume) * 100));
      if (volumeInput.value !== shown && document.activeElement !== volumeInput) volumeInput.value = shown;
    }
    var mute = byId("lumi-player-mute");
    if (mute) {
      mute.setAttribute("aria-pressed", muted ? "true" : "false");
      mute.setAttribute("data-muted", muted ? "true" : "false");
    }
    var shuffleButton = byId("lumi-player-shuffle");
    if (shuffleButton) shuffleButton.setAttribute("aria-pressed", shuffle ? "true" : "false");
    var repeatButton = byId("lumi-player-repeat");
    if (repeatButton) {
      repeatButton.setAttribute("data-repeat", repeat);
      repeatButton.setAttribute("aria-pressed", repeat === "off" ? "false" : "true");
      repeatButton.setAttribute("aria-label", "Repeat: " + repeat);
    }
  }

  function drawWave(s) {
    var canvas = byId("lumi-player-wave");
    if (!canvas || !canvas.getContext) return;
    var song = current();
    var levels = (song && peaks[song.song_id]) || [];
    var width = canvas.clientWidth;
    var height = canvas.clientHeight;
    if (!width || !height) return;
    var ratio = window.devicePixelRatio || 1;
    if (canvas.width !== Math.round(width * ratio)) canvas.width = Math.round(width * ratio);
    if (canvas.height !== Math.round(height * ratio)) canvas.height = Math.round(height * ratio);
    var ctx = canvas.getContext("2d");
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    ctx.clearRect(0, 0, width, height);
    var style = getComputedStyle(canvas);
    var played = style.getPropertyValue("--lumi-played").trim() || "#d6336c";
    var rest = style.getPropertyValue("--lumi-rest").trim() || "#c8c8c8";
    var done = s.duration ? s.position / s.duration : 0;
    var bars = Math.max(1, Math.floor(width / 3));
    for (var i = 0; i < bars; i++) {
      var level = levels.length ? levels[Math.floor((i * levels.length) / bars)] / 255 : 0.3;
      var h = Math.max(2, level * height);
      ctx.fillStyle = i / bars < done ? played : rest;
      ctx.fillRect(i * 3, (height - h) / 2, 2, h);
    }
  }

  function bindSlider(slider) {
    slider._lumi = true;
    slider.addEventListener("keydown", function (event) {
      var s = state();
      var step = event.shiftKey ? 30 : 5;
      var target = null;
      if (event.key === "ArrowRight" || event.key === "ArrowUp") target = s.position + step;
      else if (event.key === "ArrowLeft" || event.key === "ArrowDown") target = s.position - step;
      else if (event.key === "Home") target = 0;
      else if (event.key === "End") target = s.duration - 1;
      else if (event.key === "PageUp") target = s.position + 30;
      else if (event.key === "PageDown") target = s.position - 30;
      if (target === null) return;
      event.preventDefault();
      event.stopPropagation();
      seek(target);
    });
    slider.addEventListener("pointerdown", function (event) {
      var rect = slider.getBoundingClientRect();
      var s = state();
      if (!rect.width || !s.duration) return;
      seek(((event.clientX - rect.left) / rect.width) * s.duration);
    });
  }

  // ------------------------------------------------------------ media session

  function setUpMediaSession() {
    if (!("mediaSession" in navigator)) return;
    var actions = {
      play: function () {
        api.play();
      },
      pause: function () {
        api.pause();
      },
      nexttrack: function () {
        api.next();
      },
      previoustrack: function () {
        api.previous();
      },
      seekto: function (details) {
        seek(details.seekTime);
      },
      seekforward: function (details) {
        seek(state().position + (details.seekOffset || 10));
      },
      seekbackward: function (details) {
        seek(state().position - (details.seekOffset || 10));
      },
    };
    Object.keys(actions).forEach(function (name) {
      try {
        navigator.mediaSession.setActionHandler(name, actions[name]);
      } catch (error) {
        /* an action this browser does not know */
      }
    });
  }

  function updateMediaSession() {
    if (!("mediaSession" in navigator) || typeof MediaMetadata === "undefined") return;
    var song = current();
    if (!song) return;
    navigator.mediaSession.metadata = new MediaMetadata({
      title: song.title || "",
      artist: song.artist || "",
      album: song.album || "",
      artwork: song.cover_url ? [{ src: song.cover_url, sizes: "500x500" }] : [],
    });
  }

  function updatePositionState() {
    if (!("mediaSession" in navigator) || !navigator.mediaSession.setPositionState) return;
    var s = state();
    if (!s.duration) return;
    try {
      navigator.mediaSession.setPositionState({
        duration: s.duration,
        position: Math.min(s.position, s.duration),
        playbackRate: 1,
      });
      navigator.mediaSession.playbackState = s.playing ? "playing" : "paused";
    } catch (error) {
      /* a position past the end while a song changes */
    }
  }

  // ------------------------------------------------------------ actions

  function seek(seconds) {
    var el = audio();
    if (!el || !el._song) return;
    var duration = isFinite(el.duration) ? el.duration : 0;
    var target = Math.max(0, duration ? Math.min(seconds, duration - 0.25) : seconds);
    pending.seek = now();
    pending.seeked = false;
    el.currentTime = target;
    paint();
  }

  function setVolume(value) {
    volume = Math.max(0, Math.min(1, Number(value) || 0));
    if (volume > 0) muted = false;
    applyVolume();
    paint();
    save();
  }

  var api = {
    stats: stats,
    state: state,
    /** The listen counting now ({play_id, song_id, heard}) and those reported (for tests). */
    listen: function () {
      return listen ? { play_id: listen.play_id, song_id: listen.song.song_id, heard: listen.heard } : null;
    },
    reported: reported,
    /** Play `queue` from `index` at `position` seconds; `options`: {shuffle, repeat, volume}. */
    load: function (newQueue, index, position, autoplay, options) {
      ensureElements();
      options = options || {};
      if (typeof options.shuffle === "boolean") shuffle = options.shuffle;
      if (REPEATS.indexOf(options.repeat) >= 0) repeat = options.repeat;
      if (typeof options.volume === "number") volume = options.volume;
      finishListen(); // the queue is replaced: what played so far is a listen
      queue = newQueue || [];
      preloadedIndex = -1;
      els.forEach(function (el) {
        el.pause();
      });
      if (!queue.length) {
        order = [];
        setSource(audio(), null);
        setSource(other(), null);
        paint();
        return;
      }
      makeOrder(Math.max(0, Math.min(index || 0, queue.length - 1)));
      startAt(pos, position || 0, !!autoplay);
    },
    /** The queue changed (entries added, moved, removed): what plays goes on. */
    setQueue: function (newQueue) {
      var playing = current();
      if (!els || !playing) {
        api.load(newQueue, 0, 0, false);
        return;
      }
      queue = newQueue || [];
      var keep = -1;
      queue.forEach(function (song, i) {
        if (song.entry_id === playing.entry_id) keep = i;
      });
      if (keep < 0) {
        // what played left the queue: play on from where it stood
        var was = audio() && !audio().paused;
        api.load(queue, Math.min(currentIndex(), queue.length - 1), 0, was);
        return;
      }
      queue[keep] = playing;
      audio()._song = playing;
      makeOrder(keep);
      preloadedIndex = -1;
      preloadNext();
      paint();
    },
    /** Fresh signed URLs for the same queue (they expire): resume where we were. */
    refresh: function (newQueue) {
      var s = state();
      var el = audio();
      var wasPlaying = el && !el.paused;
      queue = (newQueue || []).map(function (song) {
        return song;
      });
      var keep = 0;
      queue.forEach(function (song, i) {
        if (song.entry_id === s.entry_id) keep = i;
      });
      makeOrder(keep);
      preloadedIndex = -1;
      if (el) {
        el._startAt = s.position;
        setSource(el, queue[keep]);
        if (wasPlaying || el._wantedPlay) requestPlay(); // an error may have paused it
      }
      paint();
    },
    playEntry: function (entryId) {
      var index = -1;
      queue.forEach(function (song, i) {
        if (song.entry_id === entryId) index = i;
      });
      if (index < 0) return;
      startAt(order.indexOf(index), 0, true);
    },
    setPeaks: function (songId, levels) {
      peaks[songId] = levels || [];
      paint();
    },
    play: function () {
      requestPlay();
    },
    pause: function () {
      var el = audio();
      if (el) el.pause();
    },
    toggle: function () {
      var el = audio();
      if (!el) return;
      if (el.paused || el.ended) requestPlay();
      else el.pause();
    },
    next: function () {
      if (!order.length) return;
      var next = pos + 1 < order.length ? pos + 1 : repeat === "all" ? 0 : -1;
      if (next >= 0) startAt(next, 0, !!(audio() && !audio().paused));
    },
    previous: function () {
      var el = audio();
      if (!el) return;
      if (el.currentTime > 3 || pos === 0) {
        if (pos === 0 && repeat === "all" && el.currentTime <= 3 && order.length > 1) {
          startAt(order.length - 1, 0, !el.paused);
          return;
        }
        seek(0);
        return;
      }
      startAt(pos - 1, 0, !el.paused);
    },
    seek: seek,
    setVolume: setVolume,
    mute: function () {
      muted = !muted;
      applyVolume();
      paint();
    },
    setShuffle: function (on) {
      shuffle = on === undefined ? !shuffle : !!on;
      makeOrder(currentIndex());
      preloadedIndex = -1;
      if (els) preloadNext();
      paint();
      save();
    },
    setRepeat: function (mode) {
      if (mode === undefined) mode = REPEATS[(REPEATS.indexOf(repeat) + 1) % REPEATS.length];
      if (REPEATS.indexOf(mode) < 0) return;
      repeat = mode;
      preloadedIndex = -1;
      if (els) preloadNext();
      paint();
      save();
    },
    setLevelling: function (on) {
      levelling = !!on;
      applyVolume();
    },
    openHelp: function () {
      var dialog = byId("lumi-player-help");
      if (dialog && !dialog.open && dialog.showModal) dialog.showModal();
    },
    /** The shell mounted: events go through `fn` from now on. */
    attach: function (fn) {
      send = fn;
      if (detachTimer) {
        window.clearTimeout(detachTimer);
        detachTimer = null;
      }
      if (loader && !loader.helloSent) {
        loader.helloSent = true; // signed in again: the backend hands over this person's queue
        tell("hello", {});
      }
      paint();
    },
    detach: function (fn) {
      if (send !== fn) return;
      send = null;
      // Another page's shell attaches within a moment; none at all: signed out, stop.
      detachTimer = window.setTimeout(function () {
        detachTimer = null;
        if (send) return;
        if (els) api.load([], 0, 0, false);
        if (loader) loader.signedOut();
      }, 3000);
    },
  };

  // ------------------------------------------------------------ keyboard

  // Where keys mean something else: typing, and widgets that move with arrows (the calendar's
  // grid, menus, lists, tabs, sliders, the volume).
  var OWN_KEYS = '[role="grid"],[role="listbox"],[role="menu"],[role="menubar"],[role="tablist"],' +
    '[role="radiogroup"],[role="slider"],[role="tree"],[role="dialog"]';

  var typing = window.lumiTyping; // the loader's rule (it handles "?" too)

  function ownsKeys(target) {
    return !!(target && target.closest && target.closest(OWN_KEYS));
  }

  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) return;
    if (typing(event.target)) return;
    if (!current()) return;
    var tag = event.target && event.target.tagName;
    var arrowsOrSpace = /^(Arrow| |Spacebar)/.test(event.key);
    if (arrowsOrSpace && ownsKeys(event.target)) return;
    var step = event.shiftKey ? 30 : 10;
    switch (event.key) {
      case " ":
      case "Spacebar":
        if (tag === "BUTTON" || tag === "A" || tag === "SUMMARY") return; // Space clicks these
        api.toggle();
        break;
      case "ArrowLeft":
        seek(state().position - step);
        break;
      case "ArrowRight":
        seek(state().position + step);
        break;
      case "ArrowUp":
        setVolume(volume + 0.1);
        break;
      case "ArrowDown":
        setVolume(volume - 0.1);
        break;
      case "m":
      case "M":
        api.mute();
        break;
      case "n":
      case "N":
        api.next();
        break;
      case "p":
      case "P":
        api.previous();
        break;
      default:
        return;
    }
    event.preventDefault();
  });

  // ------------------------------------------------------------ drag to reorder (the queue page)

  // The queue page's items carry data-queue-entry; a drop sends one move (the buttons do the same).
  var dragged = null;

  function queueItem(event) {
    return event.target && event.target.closest ? event.target.closest("[data-queue-entry]") : null;
  }

  document.addEventListener("dragstart", function (event) {
    var item = queueItem(event);
    if (!item) return;
    dragged = item.getAttribute("data-queue-entry");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", dragged);
  });
  document.addEventListener("dragover", function (event) {
    if (dragged && queueItem(event)) event.preventDefault();
  });
  document.addEventListener("dragend", function () {
    dragged = null;
  });
  document.addEventListener("drop", function (event) {
    var item = dragged && queueItem(event);
    if (!item) return;
    event.preventDefault();
    var ids = Array.prototype.map.call(document.querySelectorAll("[data-queue-entry]"), function (node) {
      return node.getAttribute("data-queue-entry");
    });
    var from = ids.indexOf(dragged);
    var to = ids.indexOf(item.getAttribute("data-queue-entry"));
    var moved = dragged;
    dragged = null;
    if (from < 0 || to < 0 || from === to) return;
    ids.splice(from, 1);
    ids.splice(to, 0, moved);
    tell("move", { entry_id: moved, after_entry_id: to > 0 ? ids[to - 1] : null });
  });

  function leaving() {
    var el = audio();
    if (el) heard(el, now());
    reportListen(true); // the page may not come back: report what was heard, keep counting
    save();
  }

  window.addEventListener("pagehide", leaving);
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") leaving();
  });

  // Take over from the loader: its bridge function, then the calls it kept.
  var loader = window.lumiPlayer && window.lumiPlayer._loader;
  window.lumiPlayer = api;
  if (loader) {
    if (loader.send) api.attach(loader.send);
    loader.calls.forEach(function (call) {
      api[call[0]].apply(null, call[1]);
    });
    loader.calls = [];
  }
})();
