/*
 * Lumi chat helper (the watch page's chat about a moment):
 *
 * - Enter in a textarea marked data-lumi-composer sends its form; Shift+Enter (or Enter while an
 *   input method is composing) writes a new line as usual.
 * - A chat log marked data-lumi-chat-log stays scrolled to the newest message while the person
 *   is at the bottom; once they scroll up to read older messages, it leaves them there.
 * - While the person types in the composer (marked data-lumi-typing), the partner is told at most
 *   every TYPING_EVERY_MS: at once, then once more at the end of each interval they kept typing in.
 *   Sending starts afresh, so the next message's first key is announced at once.
 * - When the tab is looked at again, the chat's bridge (window.__lumiChatSeen, bound while a chat
 *   is mounted) is told which moment's chat is on screen (its data-lumi-chat-for), so the
 *   partner's messages count as read.
 * - When the moment's video cannot load (a page left open longer than its signed URL lives,
 *   then seeked), where it was is remembered and the page's hidden "renew" button asks the
 *   server for a fresh URL; lumiChat.resumeVideo() then seeks the new player back there.
 */
(function () {
  "use strict";

  var COMPOSER = "textarea[data-lumi-composer]";
  var LOG = "[data-lumi-chat-log]";
  var NEAR_BOTTOM_PX = 48;
  var TYPING = "textarea[data-lumi-typing]";
  var TYPING_EVERY_MS = 2000;

  var lastTyping = 0;
  var trailingTyping = null;

  function announceTyping() {
    lastTyping = Date.now();
    if (typeof window.__lumiChatTyping === "function") {
      window.__lumiChatTyping();
    }
  }

  document.addEventListener("input", function (event) {
    var target = event.target;
    if (!target.matches || !target.matches(TYPING) || target.value.trim() === "") {
      return;
    }
    var wait = lastTyping + TYPING_EVERY_MS - Date.now();
    if (wait <= 0) {
      announceTyping();
    } else if (trailingTyping === null) {
      trailingTyping = window.setTimeout(function () {
        trailingTyping = null;
        announceTyping();
      }, wait);
    }
  });

  document.addEventListener(
    "submit",
    function (event) {
      if (event.target && event.target.querySelector && event.target.querySelector(TYPING)) {
        lastTyping = 0;
        if (trailingTyping !== null) {
          window.clearTimeout(trailingTyping);
          trailingTyping = null;
        }
      }
    },
    true
  );

  document.addEventListener("keydown", function (event) {
    var target = event.target;
    if (event.key !== "Enter" || event.shiftKey || event.isComposing || !target.matches || !target.matches(COMPOSER)) {
      return;
    }
    event.preventDefault();
    var form = target.form;
    if (form && target.value.trim() !== "") {
      form.requestSubmit();
    }
  });

  function atBottom(log) {
    return log.scrollHeight - log.scrollTop - log.clientHeight <= NEAR_BOTTOM_PX;
  }

  // Whether each log follows new messages, remembered from the person's own scrolling.
  document.addEventListener(
    "scroll",
    function (event) {
      var log = event.target;
      if (log && log.matches && log.matches(LOG)) {
        log.__lumiFollow = atBottom(log);
      }
    },
    true
  );

  function follow() {
    var logs = document.querySelectorAll(LOG);
    Array.prototype.forEach.call(logs, function (log) {
      if (log.__lumiFollow !== false) {
        log.scrollTop = log.scrollHeight;
      }
    });
  }

  if ("MutationObserver" in window) {
    var pending = false;
    new MutationObserver(function () {
      if (!pending) {
        pending = true;
        window.requestAnimationFrame(function () {
          pending = false;
          follow();
        });
      }
    }).observe(document.documentElement, { subtree: true, childList: true });
  }

  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState !== "visible" || typeof window.__lumiChatSeen !== "function") {
      return;
    }
    var chat = document.querySelector("[data-lumi-chat-for]");
    var id = chat ? chat.getAttribute("data-lumi-chat-for") || "" : "";
    if (id) {
      window.__lumiChatSeen(id);
    }
  });

  var VIDEO = "video#moment-video";
  var RENEW_BUTTON = "moment-video-renew";
  var resume = null;

  // Media errors do not bubble: listen in the capture phase.
  document.addEventListener(
    "error",
    function (event) {
      var video = event.target;
      if (!video || !video.matches || !video.matches(VIDEO)) {
        return;
      }
      resume = { at: video.currentTime || 0, play: !video.paused };
      var button = document.getElementById(RENEW_BUTTON);
      if (button) {
        button.click();
      }
    },
    true
  );

  window.lumiChat = {
    /** Seek the new player (the one without an error) to where the failed one was. */
    resumeVideo: function () {
      if (!resume) {
        return;
      }
      var wanted = resume;
      resume = null;
      var tries = 0;
      (function attempt() {
        var video = document.querySelector(VIDEO);
        if (!video || video.error) {
          if (tries++ < 50) {
            window.setTimeout(attempt, 100);
          }
          return;
        }
        function seek() {
          video.currentTime = wanted.at;
          if (wanted.play) {
            video.play().catch(function () {});
          }
        }
        if (video.readyState >= 1) {
          seek();
        } else {
          video.addEventListener("loadedmetadata", seek, { once: true });
        }
      })();
    },
  };
})();
