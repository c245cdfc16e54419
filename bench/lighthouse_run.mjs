// One Lighthouse run against a Chromium that is already running (bench/lighthouse.py starts it
// with Playwright, signed in or not, and passes its remote-debugging port). Lighthouse opens
// its own tab in that browser's default context, so it sees the same cookies, and closes it
// when done. Writes the report (LHR JSON) to the given file.
//
// usage: node lighthouse_run.mjs <install prefix> <url> <port> <settings JSON> <report path>
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const [prefix, url, port, settingsJson, reportPath] = process.argv.slice(2);
const entry = join(prefix, "node_modules", "lighthouse", "core", "index.js");
const { default: lighthouse } = await import(pathToFileURL(entry).href);

const flags = {
  port: Number(port),
  hostname: "127.0.0.1",
  output: "json",
  logLevel: "error",
  onlyCategories: ["performance"],
  ...JSON.parse(settingsJson),
};
const result = await lighthouse(url, flags);
if (!result || !result.lhr) {
  throw new Error(`Lighthouse returned no report for ${url}`);
}
if (result.lhr.runtimeError) {
  throw new Error(`Lighthouse: ${result.lhr.runtimeError.code}: ${result.lhr.runtimeError.message}`);
}
await writeFile(reportPath, JSON.stringify(result.lhr));
