/**
 * End-to-end tests in a real browser (docs/apps.md, "End-to-end tests"): Debian's headless
 * Chromium driven by Playwright, against `meshkit serve` on a loopback port with the demo data
 * (the demo's database and seed steps, in a fresh temporary folder) and its demo sign-ins.
 *
 *   make e2e                                  # from the repository root
 *   npx playwright test -c e2e                # in apps/web, after `make web`
 *
 * The machine cannot download Playwright's own browsers: the tests use /usr/bin/chromium
 * (`MESHKIT_CHROMIUM` points elsewhere). Screenshots of the main pages go to e2e/screenshots/.
 */
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { defineConfig } from "@playwright/test";

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, "../../..");
const bin = join(root, ".venv", "bin");

// The config is evaluated in the runner and again in each worker: the first evaluation picks
// the port and folder, the workers inherit them through the environment.
if (!process.env.MESHKIT_E2E_PORT) {
  const script = "import socket; s = socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1])";
  process.env.MESHKIT_E2E_PORT = execFileSync(join(bin, "python"), ["-c", script]).toString().trim();
}
if (!process.env.MESHKIT_E2E_DIR) {
  process.env.MESHKIT_E2E_DIR = mkdtempSync(join(tmpdir(), "meshkit-e2e-"));
}
const port = process.env.MESHKIT_E2E_PORT;
const dataDir = process.env.MESHKIT_E2E_DIR;
const baseURL = `http://127.0.0.1:${port}`;
const prepare = `from pathlib import Path; from meshkit.apps.demo.seed import prepare; prepare(Path(${JSON.stringify(dataDir)}))`;

export default defineConfig({
  testDir: ".",
  outputDir: join(here, "test-results"),
  globalTeardown: join(here, "teardown.ts"),
  timeout: 30_000,
  expect: { timeout: 10_000 },
  fullyParallel: false,
  workers: 1, // the machine is shared; the whole run takes well under a minute
  retries: 0,
  forbidOnly: !!process.env.CI,
  reporter: [["list"]],
  use: {
    baseURL,
    locale: "en-US",
    timezoneId: "Europe/Vienna",
    viewport: { width: 1280, height: 800 },
    acceptDownloads: true,
    trace: "off",
    screenshot: "only-on-failure",
    launchOptions: { executablePath: process.env.MESHKIT_CHROMIUM || "/usr/bin/chromium" },
  },
  projects: [{ name: "chromium" }],
  webServer: {
    // The demo's database and seed steps (sign-ins, contracts), then the server: not --dev.
    command: `${join(bin, "python")} -c '${prepare}' && exec ${join(bin, "meshkit")} serve --port ${port} --database-url sqlite:///${dataDir}/demo.sqlite --login-tenant demo --log-level WARNING`,
    cwd: root,
    url: `${baseURL}/ready`,
    timeout: 90_000,
    reuseExistingServer: false,
    stdout: "ignore",
    stderr: "pipe",
    // The notifier runs in the server, as the demo's serve command has it (live.spec.ts).
    env: { MESHKIT_SESSION_SECRET: randomBytes(32).toString("hex"), MESHKIT_NOTIFY: "on" },
  },
});
