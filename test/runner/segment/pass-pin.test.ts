// One segment per run (issue #15): the send pass reads exactly what the plan read. The engine runs in-process
// against the sandbox, with an openSegment wrapper that changes the source right before pass 2 opens it.
import { mkdirSync, mkdtempSync, rmSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BlobServiceClient, StorageSharedKeyCredential, type ContainerClient } from "@azure/storage-blob";
import { afterAll, beforeAll, expect, it } from "vitest";
import { resolveBaseUrl } from "../../../runner/ac/base-url.js";
import { createAcClient } from "../../../runner/ac/client.js";
import { parseExportConfig, parseLocation } from "../../../runner/config.js";
import { startSandbox, type Sandbox } from "../../../runner/sandbox/index.js";
import { openSegment } from "../../../runner/segment/index.js";
import type { OpenedSegment, OpenSegmentOptions } from "../../../runner/segment/types.js";
import { openStateStore } from "../../../runner/state/index.js";
import { runSync } from "../../../runner/sync/engine.js";
import { createEventSink } from "../../../runner/sync/events.js";
import type { SyncDeps } from "../../../runner/sync/types.js";
import { csvOf, people, type Person } from "../../helpers/export-fixture.js";
import { startAzurite, type Azurite } from "../../helpers/azurite.js";

let sandbox: Sandbox;
let azurite: Azurite;
let url: string;
let container: ContainerClient;
const dirs: string[] = [];

beforeAll(async () => {
  sandbox = await startSandbox({ timeScale: 50, seed: 15 });
  azurite = await startAzurite();
  url = await azurite.createContainer("segments");
  container = new BlobServiceClient(azurite.blobEndpoint, new StorageSharedKeyCredential(azurite.account, azurite.key)).getContainerClient("segments");
});
afterAll(async () => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  await sandbox?.close();
  await azurite?.stop();
});

const put = (name: string, text: string) => container.getBlockBlobClient(name).uploadData(Buffer.from(text));
/** The same people under other addresses of the same length: only the email differs, so the fingerprint does not. */
const rewritten = (ps: Person[]): Person[] => ps.map((p) => ({ ...p, email: p.email.replace(/^./, "z") }));

/** Runs `ac-export run` in-process; `beforePass2` changes the source right before the send pass opens it. */
async function runWith(source: string, segmentLocation: string, beforePass2: () => Promise<void> | void, pass2?: (s: OpenedSegment) => OpenedSegment) {
  const dir = mkdtempSync(join(tmpdir(), "ac-export-pin-"));
  dirs.push(dir);
  const listId = sandbox.inspect.createList(`pin-${dirs.length}`).id;
  const config = parseExportConfig({
    name: "pin",
    connection: { name: "sandbox", hostname: "contoso.api-us1.com" },
    listId,
    segment: { source, format: "csv" },
    mappings: { email: "Email", firstName: "First", lastName: "Last" },
    state: "file:state",
  });
  const client = createAcClient({ baseUrl: resolveBaseUrl("contoso.api-us1.com", { AC_API_URL: sandbox.url }), apiKey: sandbox.apiKey, hostname: "contoso.api-us1.com", rateLimit: config.rateLimit, timeScale: 50 });
  let opened = 0;
  const deps: SyncDeps = {
    config,
    client,
    store: openStateStore(parseLocation(config.state, dir), config.name),
    segmentLocation: parseLocation(segmentLocation, dir),
    openSegment: async (location, options: OpenSegmentOptions) => {
      if (++opened === 2) await beforePass2();
      const s = await openSegment(location, options);
      return opened === 2 && pass2 ? pass2(s) : s;
    },
    events: createEventSink({ write: () => true }, config.name, true),
    timeScale: 50,
  };
  const run = await runSync(deps, "run");
  await run.release();
  await client.close();
  return { outcome: run.outcome, listId, dir, opened };
}

const emailsOn = (listId: number) => sandbox.inspect.members(listId).map((m) => m.email).sort();
const sorted = (ps: Person[]) => ps.map((p) => p.email).sort();

it("a blob landing under the prefix between the passes is not read: pass 2 sends pass 1's blob, exactly as planned", async () => {
  const planned = people(30, 0, "gold", "prefix.example.com");
  await put("landing/2024-05-01.csv", csvOf(planned));
  const r = await runWith("file:unused/", `${url}/landing/`, () => put("landing/2024-05-02.csv", csvOf(rewritten(planned))).then(() => undefined));
  expect(r.opened).toBe(2);
  expect(r.outcome).toMatchObject({ kind: "completed", applied: { added: 30, failed: [] } });
  expect(emailsOn(r.listId)).toEqual(sorted(planned));
}, 60_000);

it("a single blob replaced between the passes (emails rewritten, same size) stops the run: SEGMENT_CHANGED, nothing sent", async () => {
  const planned = people(30, 0, "gold", "blob.example.com");
  await put("single/segment.csv", csvOf(planned));
  const r = await runWith("file:segment.csv", `${url}/single/segment.csv`, () => put("single/segment.csv", csvOf(rewritten(planned))).then(() => undefined));
  expect(r.outcome).toMatchObject({ kind: "failed", error: { code: "SEGMENT_CHANGED" } });
  expect(r.outcome.kind === "failed" && r.outcome.error.message).toMatch(
    new RegExp(`^the segment blob ${url.replace(/[.]/g, "\\.")}/single/segment\\.csv was replaced after the plan read it \\(ETag .+, planned .+\\); nothing unplanned was sent; run again$`),
  );
  expect(emailsOn(r.listId)).toEqual([]);
}, 60_000);

it("a file rewritten in place between the passes (same size, new modification time) stops the run: SEGMENT_CHANGED, nothing sent", async () => {
  const planned = people(30, 0, "gold", "file.example.com");
  const dir = mkdtempSync(join(tmpdir(), "ac-export-pin-src-"));
  dirs.push(dir);
  const path = join(dir, "segment.csv");
  writeFileSync(path, csvOf(planned));
  const r = await runWith(`file:${path}`, `file:${path}`, () => {
    const before = statSync(path).mtime;
    writeFileSync(path, csvOf(rewritten(planned)));
    utimesSync(path, before, new Date(before.getTime() + 5_000));
  });
  expect(r.outcome).toMatchObject({
    kind: "failed",
    error: { code: "SEGMENT_CHANGED", message: `${path} changed after the plan read it (size or modification time differs); nothing unplanned was sent; run again` },
  });
  expect(emailsOn(r.listId)).toEqual([]);
}, 60_000);

it("emails rewritten in what pass 2 reads (the file's version unchanged) stop the run: every field is compared, the email included", async () => {
  for (const count of [30, 5]) {
    // 30 rows go through bulk import, 5 through the small-delta path.
    const planned = people(count, 0, "gold", `email${count}.example.com`);
    const dir = mkdtempSync(join(tmpdir(), "ac-export-pin-src-"));
    dirs.push(dir);
    mkdirSync(join(dir, "in"));
    writeFileSync(join(dir, "in", "segment.csv"), csvOf(planned));
    const r = await runWith("file:in/segment.csv", `file:${join(dir, "in", "segment.csv")}`, () => {}, (s) => ({
      ...s,
      batches: async function* () {
        for await (const rows of s.batches()) {
          for (const row of rows) row.values.Email = String(row.values.Email).replace(/^./, "z");
          yield rows;
        }
      },
    }));
    expect(r.outcome).toMatchObject({
      kind: "failed",
      error: { code: "SEGMENT_CHANGED", message: "the segment changed while the run was reading it (row 2 differs between passes); nothing unplanned was sent; run again" },
    });
    expect(emailsOn(r.listId)).toEqual([]);
  }
}, 60_000);
