/*
 * Lumi upload helper: sends a file chosen in an <input type="file"> straight to S3 with a
 * presigned POST (url + fields from the API), so the bytes never pass through Lumi's servers.
 * Progress is shown on a <progress> element and a text element, and the promise resolves to
 * a small result object the Reflex state receives through rx.call_script's callback.
 *
 * One upload per input at a time; lumiUpload.cancel(inputId) aborts it (the promise then
 * resolves with reason "cancelled").
 *
 * An <input type="file" data-lumi-upload-into="other-id"> (a phone's "Record a video" with
 * the capture attribute) hands what it got to the input with that id, so the page reads one.
 */
(function () {
  "use strict";

  var active = {};

  function fileOf(inputId) {
    var input = document.getElementById(inputId);
    return input && input.files && input.files.length ? input.files[0] : null;
  }

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

  document.addEventListener("change", function (event) {
    var source = event.target;
    var targetId = source && source.getAttribute && source.getAttribute("data-lumi-upload-into");
    if (!targetId || !source.files || !source.files.length) {
      return;
    }
    var target = document.getElementById(targetId);
    if (!target) {
      return;
    }
    try {
      target.files = source.files;
    } catch (error) {
      return; // a browser without settable FileLists; the person can still choose the file
    }
    source.value = "";
    target.dispatchEvent(new Event("change", { bubbles: true }));
  });

  window.lumiUpload = {
    /** What the API needs to issue an upload ticket, or null when no file is chosen. */
    describe: function (inputId) {
      var file = fileOf(inputId);
      return file ? { name: file.name, type: file.type, size: file.size } : null;
    },

    /** Empty the file input after an upload (a file input can only be set to ""). */
    clear: function (inputId) {
      var input = document.getElementById(inputId);
      if (input) {
        input.value = "";
      }
      return true;
    },

    /** Stop the upload of this input, if one is under way; true when there was one. */
    cancel: function (inputId) {
      var xhr = active[inputId];
      if (!xhr) {
        return false;
      }
      xhr.__lumiCancelled = true;
      xhr.abort();
      return true;
    },

    /**
     * POST the chosen file with the ticket's fields; resolves to {ok: true, status} or
     * {ok: false, status, reason} (reason: "no_file" | "network" | "rejected" | "cancelled").
     */
    post: function (inputId, ticket, progressId) {
      return new Promise(function (resolve) {
        var file = fileOf(inputId);
        if (!file) {
          resolve({ ok: false, status: 0, reason: "no_file" });
          return;
        }
        var form = new FormData();
        Object.keys(ticket.fields || {}).forEach(function (name) {
          form.append(name, ticket.fields[name]);
        });
        // S3 ignores every field after the file, so the file goes last.
        form.append("file", file);

        var xhr = new XMLHttpRequest();
        if (active[inputId]) {
          active[inputId].abort();
        }
        active[inputId] = xhr;
        function done(result) {
          if (active[inputId] === xhr) {
            delete active[inputId];
          }
          resolve(result);
        }
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
          done({ ok: ok, status: xhr.status, reason: ok ? "" : "rejected" });
        };
        xhr.onerror = function () {
          done({ ok: false, status: 0, reason: "network" });
        };
        xhr.onabort = function () {
          done({ ok: false, status: 0, reason: xhr.__lumiCancelled ? "cancelled" : "network" });
        };
        xhr.send(form);
      });
    },
  };
})();
