/** Remove the run's temporary database folder (made by playwright.config.ts). */
import { rmSync } from "node:fs";
import { basename } from "node:path";

export default function teardown(): void {
  const dir = process.env.MESHKIT_E2E_DIR;
  if (dir && basename(dir).startsWith("meshkit-e2e-")) rmSync(dir, { recursive: true, force: true });
}
