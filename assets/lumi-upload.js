/*
 * Lumi upload helper: sends a file chosen in an <input type="file"> straight to S3 with a
 * presigned POST (url + fields from the API), so the bytes never pass through Lumi's servers.
 * Progress is shown on a <progress> element and a text element, and the promise resolves to
 * a small result object the Reflex state receives through rx.call_script's callback.
 *
 * One upload per input at a time; lumiUpload.cancel(inputId) aborts it (the promise then
 * resolves with reason "cancelled").
 *
 * An <input type="file" data-lumi-upload-into="other-id"> (a phone's "Record a video" or "Take
 * a photo", with the capture attribute) hands what it got to the input with that id, so the
 * page reads one. An element marked data-lumi-drop-into="input-id" (the drop zone) takes a
 * file dragged onto it into that input the same way, and is marked data-dragging meanwhile.
 *
 * lumiUpload.inspect(inputId) describes the chosen file for the page before anything is sent:
 * its name, type (inferred from the name where the browser gives none, as for HEIC on some
 * systems), size, an object URL to preview it with, and a video's length.
 */
(function () {
  "use strict";

  var active = {};
  var previews = {};
  var TYPES_BY_EXTENSION = {
    heic: "image/heic",
    heif: "image/heif",
    jpg: "image/jpeg",
    jpeg: "image/jpeg",
    png: "image/png",
    webp: "image/webp",
    mp4: "video/mp4",
    m4v: "video/mp4",
    mov: "video/quicktime",
    webm: "video/webm",
  };

  function fileOf(inputId) {
    var input = document.getElementById(inputId);
    return input && input.files && input.files.length ? input.files[0] : null;
  }

  function typeOf(file) {
    if (file.type) {
      return file.type;
    }
    var dot = file.name.lastIndexOf(".");
    return (dot >= 0 && TYPES_BY_EXTENSION[file.name.slice(dot + 1).toLowerCase()]) || "";
  }

  // A preview's object URL is let go a while after another file replaces it, once the page no
  // longer shows it (revoking it at once could fail a read the old <video> still makes).
  function forgetPreview(inputId) {
    var url = previews[inputId];
    if (url) {
      delete previews[inputId];
      window.setTimeout(function () {
        URL.revokeObjectURL(url);
      }, 30000);
    }
  }

  /** A video's length in seconds from its metadata (null when the browser cannot tell, e.g. a
   * recording without a duration), without playing it. */
  function videoLength(url) {
    return new Promise(function (resolve) {
      var probe = document.createElement("video");
      var settled = false;
      function finish(value) {
        if (!settled) {
          settled = true;
          probe.removeAttribute("src");
          probe.load();
          resolve(value);
        }
      }
      probe.preload = "metadata";
      probe.muted = true;
      probe.onloadedmetadata = function () {
        finish(isFinite(probe.duration) && probe.duration > 0 ? probe.duration : null);
      };
      probe.onerror = function () {
        finish(null);
      };
      window.setTimeout(function () {
        finish(null);
      }, 8000);
      probe.src = url;
    });
  }

  function hand(files, target) {
    try {
      target.files = files;
    } catch (error) {
      return false; // a browser without settable FileLists; the person can still choose the file
    }
    target.dispatchEvent(new Event("change", { bubbles: true }));
    return true;
  }

  function dropZone(event) {
    var node = event.target;
    return node && node.closest ? node.closest("[data-lumi-drop-into]") : null;
  }

  ["dragenter", "dragover"].forEach(function (name) {
    document.addEventListener(name, function (event) {
      var zone = dropZone(event);
      if (!zone || !event.dataTransfer || Array.prototype.indexOf.call(event.dataTransfer.types, "Files") < 0) {
        return;
      }
      event.preventDefault();
      event.dataTransfer.dropEffect = "copy";
      zone.setAttribute("data-dragging", "");
    });
  });

  document.addEventListener("dragleave", function (event) {
    var zone = dropZone(event);
    if (zone && !zone.contains(event.relatedTarget)) {
      zone.removeAttribute("data-dragging");
    }
  });

  document.addEventListener("drop", function (event) {
    var zone = dropZone(event);
    if (!zone) {
      return;
    }
    event.preventDefault();
    zone.removeAttribute("data-dragging");
    var target = document.getElementById(zone.getAttribute("data-lumi-drop-into"));
    if (target && !target.disabled && event.dataTransfer && event.dataTransfer.files.length) {
      hand(event.dataTransfer.files, target);
    }
  });

  function showProgress(progressId, percent) {
    var bar = document.getElementById(progressId);
    if (bar) {
      bar.value = percent;
      bar.setAttribute("aria-valuenow", String(percent));
    }
    var label = document.getElementById(progressId + "-text");
    if (label) {
      label.textContent = percent + "%";
    }
  }

  /**
   * POST ``file`` to S3 with a presigned ticket's url and fields, showing progress on the
   * element ``progressId`` (and its "-text" companion); ``track(xhr)`` receives the request as
   * soon as it exists, for abort(xhr). Resolves to {ok, status, reason} (reason: "" |
   * "network" | "rejected" | "cancelled"). The music upload sends its files with it too.
   */
  function sendFile(file, ticket, progressId, track) {
    return new Promise(function (resolve) {
      var form = new FormData();
      Object.keys(ticket.fields || {}).forEach(function (name) {
        form.append(name, ticket.fields[name]);
      });
      // S3 ignores every field after the file, so the file goes last.
      form.append("file", file);

      var xhr = new XMLHttpRequest();
      track(xhr);
      xhr.open("POST", ticket.url, true);
      showProgress(progressId, 0);
      xhr.upload.onprogress = function (event) {
        if (event.lengthComputable) {
          showProgress(progressId, Math.round((event.loaded / event.total) * 100));
        }
      };
      xhr.onload = function () {
        var ok = xhr.status >= 200 && xhr.status < 300;
        if (ok) {
          showProgress(progressId, 100);
        }
        resolve({ ok: ok, status: xhr.status, reason: ok ? "" : "rejected" });
      };
      xhr.onerror = function () {
        resolve({ ok: false, status: 0, reason: "network" });
      };
      xhr.onabort = function () {
        resolve({ ok: false, status: 0, reason: xhr.__lumiCancelled ? "cancelled" : "network" });
      };
      xhr.send(form);
    });
  }

  /** Stop a request sendFile made, as the person's Cancel (its result says "cancelled"). */
  function abort(xhr) {
    xhr.__lumiCancelled = true;
    xhr.abort();
  }

  document.addEventListener("change", function (event) {
    var source = event.target;
    var targetId = source && source.getAttribute && source.getAttribute("data-lumi-upload-into");
    if (!targetId || !source.files || !source.files.length) {
      return;
    }
    var target = document.getElementById(targetId);
    if (target && hand(source.files, target)) {
      source.value = "";
    }
  });

  window.lumiUpload = {
    /** What the API needs to issue an upload ticket, or null when no file is chosen. */
    describe: function (inputId) {
      var file = fileOf(inputId);
      return file ? { name: file.name, type: typeOf(file), size: file.size } : null;
    },

    /** describe(), plus a preview URL of the file and, for a video, its length in seconds. */
    inspect: function (inputId) {
      var file = fileOf(inputId);
      forgetPreview(inputId);
      if (!file) {
        return Promise.resolve(null);
      }
      var type = typeOf(file);
      var url = URL.createObjectURL(file);
      previews[inputId] = url;
      var described = { name: file.name, type: type, size: file.size, preview: url, duration: null };
      if (type.indexOf("video/") !== 0) {
        return Promise.resolve(described);
      }
      return videoLength(url).then(function (seconds) {
        described.duration = seconds;
        return described;
      });
    },

    /** Empty the file input after an upload (a file input can only be set to ""). */
    clear: function (inputId) {
      var input = document.getElementById(inputId);
      if (input) {
        input.value = "";
      }
      forgetPreview(inputId);
      return true;
    },

    /** Stop the upload of this input, if one is under way; true when there was one. */
    cancel: function (inputId) {
      var xhr = active[inputId];
      if (!xhr) {
        return false;
      }
      abort(xhr);
      return true;
    },

    /**
     * POST the chosen file with the ticket's fields; resolves to {ok: true, status} or
     * {ok: false, status, reason} (reason: "no_file" | "network" | "rejected" | "cancelled").
     */
    post: function (inputId, ticket, progressId) {
      var file = fileOf(inputId);
      if (!file) {
        return Promise.resolve({ ok: false, status: 0, reason: "no_file" });
      }
      if (active[inputId]) {
        active[inputId].abort();
      }
      var mine = null;
      return sendFile(file, ticket, progressId, function (xhr) {
        mine = active[inputId] = xhr;
      }).then(function (result) {
        if (active[inputId] === mine) {
          delete active[inputId];
        }
        return result;
      });
    },

    sendFile: sendFile,
    abort: abort,
  };
})();
