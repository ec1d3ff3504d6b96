// `npm run demo`: the whole flow with no ActiveCampaign account and no network. Starts the sandbox on loopback,
// writes a messy sample segment, runs `ac-export plan`, `ac-export run`, edits the segment (1% changed, some new,
// some gone) and runs again to show the incremental run, then prints the report.
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { startSandbox } from "../../runner/sandbox/index.js";
import { sampleRows, toCsv } from "./sample-segment.js";

const ROWS = Number(process.env.DEMO_ROWS ?? 3000);
const cli = resolve(import.meta.dirname, "../../dist/ac-export.mjs");
const dir = mkdtempSync(join(tmpdir(), "ac-export-demo-"));
const say = (s: string) => process.stdout.write(`\n\x1b[1m▶ ${s}\x1b[0m\n`);

// The sandbox runs 20× faster than real time, with ActiveCampaign's real limits; AC_TIME_SCALE tells the runner.
const TIME_SCALE = 20;
const sandbox = await startSandbox({ timeScale: TIME_SCALE, seed: 7 });
try {
  const list = sandbox.inspect.createList("Newsletter (demo)");
  sandbox.inspect.createField({ title: "Loyalty tier", perstag: "LOYALTY_TIER", type: "text" });
  const rows = sampleRows(ROWS);
  writeFileSync(join(dir, "vip.csv"), toCsv(rows));
  const config = {
    name: "vip-newsletter",
    connection: { name: "marketing-eu", hostname: "contoso.api-us1.com" },
    listId: list.id,
    segment: { name: "VIP customers", source: "file:vip.csv" },
    mappings: { email: "PrimaryEmail", firstName: "FirstName", lastName: "LastName", phone: "Phone", fields: { LOYALTY_TIER: "Tier" }, tags: ["vip"] },
    onLeave: "unsubscribe",
    state: "file:state",
  };
  writeFileSync(join(dir, "export.json"), JSON.stringify(config, null, 2));
  const env = { ...process.env, AC_API_KEY: sandbox.apiKey, AC_API_URL: sandbox.url, AC_TIME_SCALE: String(TIME_SCALE) };
  // Asynchronous on purpose: the sandbox lives in this process and must keep answering while the runner works.
  const ac = (...args: string[]) =>
    new Promise<number | null>((done) => {
      process.stdout.write(`$ ac-export ${args.join(" ")}\n`);
      spawn(process.execPath, ["--regexp-interpret-all", cli, ...args], { cwd: dir, env, stdio: "inherit" }).on("close", done);
    });

  say(`Sandbox at ${sandbox.url}; segment of ${ROWS} rows in ${dir}/vip.csv`);
  say("1. Plan: what would happen, writing nothing");
  await ac("plan", "--config", "export.json");
  say("2. Run: the first sync");
  await ac("run", "--config", "export.json", "--quiet");
  const members = sandbox.inspect.members(list.id, 1);
  process.stdout.write(`Sandbox list ${list.id} now has ${members.length} subscribed members, e.g. ${JSON.stringify(members[1])}\n`);

  say("3. Change the segment: 1% changed tiers, 20 new customers, 15 gone");
  const edited = rows.slice(15).map((row, i) => (i % 100 === 0 ? { ...row, Tier: "platinum" } : row));
  edited.push(...sampleRows(20, 99).map((row, i) => ({ ...row, PrimaryEmail: `newcomer${i}@example.com` })));
  writeFileSync(join(dir, "vip.csv"), toCsv(edited));
  await ac("plan", "--config", "export.json");
  say("4. Run again: only the changes are sent");
  const before = sandbox.inspect.requests().bulkContactsReceived;
  await ac("run", "--config", "export.json", "--quiet");
  process.stdout.write(`Contacts sent in this run: ${sandbox.inspect.requests().bulkContactsReceived - before}\n`);

  say("5. The run report (state/vip-newsletter/report.md)");
  process.stdout.write(readFileSync(join(dir, "state", "vip-newsletter", "report.md"), "utf8"));
} finally {
  await sandbox.close();
}
