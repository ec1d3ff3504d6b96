// The hostile-config suite (README.md here): each file in cases/ is one attack on the config or the way it is
// passed. The CLI runs as a user would run it (the built bundle), and each case asserts the exit code, the exact
// message, and that the canary key appears nowhere in what the CLI wrote.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runCli } from "../../helpers/cli.js";
import { CANARY, loadCases, prepare } from "./cases.js";

const root = mkdtempSync(join(tmpdir(), "hostile-config-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** stderr without the JSON log lines of `plan` (they carry a timestamp). */
const messages = (stderr: string) =>
  stderr
    .split("\n")
    .filter((line) => !line.startsWith("{"))
    .join("\n");

describe("hostile configs: exit code, exact message, no canary", () => {
  const cases = loadCases();
  it("has the cases on file", () => {
    expect(cases.length).toBeGreaterThanOrEqual(50);
  });
  for (const { file, c } of cases) {
    it(`${file}: ${c.why}`, async () => {
      const dir = join(root, file.replace(/\.json$/, ""));
      const { args, input, env } = prepare(c, dir);
      const r = await runCli(args, { cwd: dir, env, ...(input !== undefined && { input }), timeoutMs: 30_000 });
      expect(r.signal, "the CLI was killed (a hang?)").toBe(null);
      expect({ code: r.code, stderr: messages(r.stderr) }).toEqual({ code: c.exit, stderr: c.stderr });
      if (c.stdout !== undefined) expect(r.stdout).toBe(c.stdout);
      if (c.stdoutIncludes !== undefined) expect(r.stdout).toContain(c.stdoutIncludes);
      expect(r.stdout + r.stderr).not.toContain(CANARY);
      expect(r.stdout + r.stderr).not.toContain(CANARY.slice(0, 32));
    });
  }
});
