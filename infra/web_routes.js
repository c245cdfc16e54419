// The app's CloudFront Function (cloudfront-js-2.0), built by infra/web.py with the export's
// file list (FILES), its directories (DIRS) and each page's inline-script hashes (PAGES[i]: the
// page FILES[i]'s hashes as indexes into HASHES, one character each of DIGITS).
// It applies tools/serve_app.py's rules for paths at the edge, where S3 cannot:
//   viewer-request: a route path is rewritten to the file that answers it (/home -> /home.html,
//     /music/ -> /music/index.html, an unknown path -> the SPA fallback page); a folder with an
//     index.html asked without its slash is redirected (301) to it;
//   viewer-response: the page's Content-Security-Policy, with the hashes of its own inline scripts.
// tests/infra/test_web.py runs this very code in node against serve_app on the same paths.
var FILES = __FILES__;
var DIRS = __DIRS__;
var PAGES = __PAGES__;
var HASHES = __HASHES__;
var CSP_PREFIX = __CSP_PREFIX__;
var SPA_FALLBACK = "__spa-fallback.html";
var DIGITS = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-_";

function isFile(key) {
  return FILES.indexOf(key) !== -1;
}

function isDir(key) {
  return key === "" || DIRS.indexOf(key) !== -1;
}

function decoded(path) {
  try {
    return decodeURIComponent(path);
  } catch (e) {
    return path;
  }
}

// The path's words as SimpleHTTPRequestHandler.translate_path keeps them (normpath, no empties).
function words(path) {
  var kept = [];
  var parts = decoded(path).split("/");
  for (var i = 0; i < parts.length; i++) {
    var part = parts[i];
    if (part === "" || part === ".") continue;
    if (part === "..") {
      kept.pop();
      continue;
    }
    kept.push(part);
  }
  return kept;
}

function fallback() {
  return isFile(SPA_FALLBACK) ? SPA_FALLBACK : "index.html";
}

// What answers `uri`: {key} (a file of the export, no leading slash) or {redirect} (a Location).
function resolve(uri, query) {
  var urlPath = decoded(uri) || "/";
  var local = words(uri).join("/");
  var slash = urlPath.charAt(urlPath.length - 1) === "/";
  if (urlPath !== "/" && !slash && local !== "" && isFile(local + ".html")) {
    return { key: local + ".html" };
  }
  if (isDir(local)) {
    var index = local === "" ? "index.html" : local + "/index.html";
    if (isFile(index)) {
      if (!slash) {
        return { redirect: uri + "/" + (query ? "?" + query : "") };
      }
      return { key: index };
    }
  } else if (isFile(local)) {
    return { key: local };
  }
  return { key: fallback() };
}

function encodedKey(key) {
  return "/" + key.split("/").map(encodeURIComponent).join("/");
}

function policy(key) {
  var page = PAGES[FILES.indexOf(key)] || "";
  var sources = "";
  for (var i = 0; i < page.length; i++) {
    sources += " 'sha256-" + HASHES[DIGITS.indexOf(page.charAt(i))] + "'";
  }
  return CSP_PREFIX + sources;
}

function handler(event) {
  var request = event.request;
  if (event.context.eventType === "viewer-response") {
    var response = event.response;
    var served = resolve(request.uri, "");
    response.headers["content-security-policy"] = { value: policy(served.key || "") };
    return response;
  }
  var query = typeof request.rawQueryString === "function" ? request.rawQueryString() : "";
  var answer = resolve(request.uri, query);
  if (answer.redirect) {
    return {
      statusCode: 301,
      statusDescription: "Moved Permanently",
      headers: { location: { value: answer.redirect } },
    };
  }
  request.uri = encodedKey(answer.key);
  return request;
}
