/*
 * Lumi music upload helper: several song files at once, each sent straight to S3 with its own
 * presigned POST, with progress and cancel per file.
 *
 * The page's <input type="file" multiple> (or files dropped on an element marked
 * data-lumi-music-drop="input-id", folders included: their audio files are read from the
 * dropped directory) hands the files to lumiMusicUpload.take(inputId), which keeps each under
 * a short id and describes them for the Reflex state ({id, name, type, size}); the state asks
 * the API for a ticket per file and calls lumiMusicUpload.post(id, ticket), which resolves to
 * {id, ok, status, reason} (reason: "no_file" | "network" | "rejected" | "cancelled").
 * Progress goes to the element with id "music-upload-progress-<id>" (a <progress>) and its
 * "-text" companion. lumiMusicUpload.cancel(id) aborts one; forget(id) lets a file go. The
 * sending itself is lumi-upload.js's (lumiUpload.sendFile), which loads before this file.
 */
(function () {
  "use strict";

  var files = {};
  var active = {};
  var counter = 0;
  var TYPES_BY_EXTENSION = {
    mp3: "audio/mpeg",
    m4a: "audio/mp4",
    mp4: "audio/mp4",
    aac: "audio/aac",
    flac: "audio/flac",
    ogg: "audio/ogg",
    oga: "audio/ogg",
    opus: "audio/opus",
    wav: "audio/wav",
  };

  function typeOf(file) {
    var dot = file.name.lastIndexOf(".");
    var byName = (dot >= 0 && TYPES_BY_EXTENSION[file.name.slice(dot + 1).toLowerCase()]) || "";
    // Browsers disagree on audio types (audio/x-m4a, audio/vnd.wave, "" for .opus): the state
    // accepts the browser's when it knows it and otherwise goes by the name.
    return file.type || byName;
  }

  // ------------------------------------------------------------ dropping files and folders

  function readEntries(reader) {
    return new Promise(function (resolve) {
      reader.readEntries(resolve, function () {
        resolve([]);
      });
    });
  }

  function filesOfEntry(entry) {
    if (!entry) {
      return Promise.resolve([]);
    }
    if (entry.isFile) {
      return new Promise(function (resolve) {
        entry.file(
          function (file) {
            resolve([file]);
          },
          function () {
            resolve([]);
          },
        );
      });
    }
    if (!entry.isDirectory) {
      return Promise.resolve([]);
    }
    var reader = entry.createReader();
    var found = [];
    function more() {
      return readEntries(reader).then(function (entries) {
        if (!entries.length) {
          return found;
        }
        return Promise.all(entries.map(filesOfEntry)).then(function (lists) {
          lists.forEach(function (list) {
            found = found.concat(list);
          });
          return more();
        });
      });
    }
    return more();
  }

  function droppedFiles(transfer) {
    var items = transfer.items ? Array.prototype.slice.call(transfer.items) : [];
    var entries = items
      .map(function (item) {
        return item.kind === "file" && item.webkitGetAsEntry ? item.webkitGetAsEntry() : null;
      })
      .filter(Boolean);
    if (!entries.length) {
      return Promise.resolve(Array.prototype.slice.call(transfer.files || []));
    }
    return Promise.all(entries.map(filesOfEntry)).then(function (lists) {
      return [].concat.apply([], lists).filter(function (file) {
        return file.name.charAt(0) !== "."; // a folder's hidden files (.DS_Store)
      });
    });
  }

  function zoneOf(event) {
    var node = event.target;
    return node && node.closest ? node.closest("[data-lumi-music-drop]") : null;
  }

  ["dragenter", "dragover"].forEach(function (name) {
    document.addEventListener(name, function (event) {
      var zone = zoneOf(event);
      if (!zone || !event.dataTransfer || Array.prototype.indexOf.call(event.dataTransfer.types, "Files") < 0) {
        return;
      }
      event.preventDefault();
      event.dataTransfer.dropEffect = "copy";
      zone.setAttribute("data-dragging", "");
    });
  });

  document.addEventListener("dragleave", function (event) {
    var zone = zoneOf(event);
    if (zone && !zone.contains(event.relatedTarget)) {
      zone.removeAttribute("data-dragging");
    }
  });

  document.addEventListener("drop", function (event) {
    var zone = zoneOf(event);
    if (!zone) {
      return;
    }
    event.preventDefault();
    zone.removeAttribute("data-dragging");
    var input = document.getElementById(zone.getAttribute("data-lumi-music-drop"));
    if (!input || input.disabled || !event.dataTransfer) {
      return;
    }
    droppedFiles(event.dataTransfer).then(function (list) {
      if (!list.length || typeof DataTransfer === "undefined") {
        return;
      }
      var transfer = new DataTransfer();
      list.forEach(function (file) {
        transfer.items.add(file);
      });
      try {
        input.files = transfer.files;
      } catch (error) {
        return; // the person can still choose the files
      }
      input.dispatchEvent(new Event("change", { bubbles: true }));
    });
  });

  // ------------------------------------------------------------ the page's calls

  window.lumiMusicUpload = {
    /** Keep the input's files under ids, empty the input, and describe them. */
    take: function (inputId) {
      var input = document.getElementById(inputId);
      if (!input || !input.files) {
        return [];
      }
      var described = Array.prototype.map.call(input.files, function (file) {
        counter += 1;
        var id = "f" + counter;
        files[id] = file;
        return { id: id, name: file.name, type: typeOf(file), size: file.size };
      });
      input.value = "";
      return described;
    },

    forget: function (id) {
      delete files[id];
      return true;
    },

    cancel: function (id) {
      var xhr = active[id];
      if (!xhr) {
        return false;
      }
      window.lumiUpload.abort(xhr);
      return true;
    },

    post: function (id, ticket) {
      // The row's progress bar is rendered with the state that asked for this post: give React
      // a moment (up to half a second) to put it on the page, so the bar shows the upload from its first byte.
      return new Promise(function (ready) {
        var frames = 0;
        (function wait() {
          if (document.getElementById("music-upload-progress-" + id) || frames++ > 30) {
            ready();
          } else {
            window.setTimeout(wait, 16); // not a frame: a hidden tab has none
          }
        })();
      }).then(function () {
        return send(id, ticket);
      });
    },
  };

  function send(id, ticket) {
    var file = files[id];
    if (!file) {
      return Promise.resolve({ id: id, ok: false, status: 0, reason: "no_file" });
    }
    var progressId = "music-upload-progress-" + id;
    return window.lumiUpload
      .sendFile(file, ticket, progressId, function (xhr) {
        active[id] = xhr;
      })
      .then(function (result) {
        delete active[id];
        if (result.ok || result.reason === "cancelled") {
          delete files[id];
        }
        result.id = id;
        return result;
      });
  }
})();
