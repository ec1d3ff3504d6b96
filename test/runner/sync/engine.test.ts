// The engine on its own, without the command line: its typed outcome, the checkpointer's ordered journal and lock
// loss, and the outcome → status / exit code tables. Real sandbox, real file state store.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resolveBaseUrl } from "../../../runner/ac/base-url.js";
import { createAcClient } from "../../../runner/ac/client.js";
import { ApiKeyRejectedError } from "../../../runner/ac/types.js";
import { exitCodeOf } from "../../../runner/commands/sync-exit.js";
import { parseExportConfig, parseLocation } from "../../../runner/config.js";
import { startSandbox, type Sandbox } from "../../../runner/sandbox/index.js";
import { openSegment } from "../../../runner/segment/index.js";
import { SegmentError } from "../../../runner/segment/types.js";
import { openStateStore } from "../../../runner/state/index.js";
import { LockedError, type StateLock } from "../../../runner/state/types.js";
import { Checkpointer } from "../../../runner/sync/checkpointer.js";
import { runSync } from "../../../runner/sync/engine.js";
import { createEventSink } from "../../../runner/sync/events.js";
import { outcomeOfError, outcomeStatus, type SyncOutcome } from "../../../runner/sync/outcome.js";
import { PreflightError } from "../../../runner/sync/prepare.js";
import { SyncState } from "../../../runner/sync/state.js";
import type { Prepared, SyncDeps } from "../../../runner/sync/types.js";
import { csvOf, people } from "../../helpers/export-fixture.js";

let sandbox: Sandbox;
const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), "ac-export-engine-"));
  dirs.push(d);
  return d;
};

beforeAll(async () => {
  sandbox = await startSandbox({ timeScale: 50, seed: 1 });
});
afterAll(async () => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  await sandbox.close();
});

function engineDeps(dir: string, openSegmentImpl: SyncDeps["openSegment"] = openSegment): SyncDeps {
  const listId = sandbox.inspect.createList(`engine-${dirs.length}`).id;
  const config = parseExportConfig({
    name: "engine",
    connection: { name: "sandbox", hostname: "contoso.api-us1.com" },
    listId,
    segment: { source: "file:segment.csv" },
    mappings: { email: "Email", firstName: "First" },
    state: "file:state",
  });
  const baseUrl = resolveBaseUrl("contoso.api-us1.com", { AC_API_URL: sandbox.url });
  const client = createAcClient({ baseUrl, apiKey: sandbox.apiKey, hostname: "contoso.api-us1.com", rateLimit: config.rateLimit, timeScale: 50 });
  return {
    config,
    client,
    store: openStateStore(parseLocation(config.state, dir), config.name),
    segmentLocation: parseLocation(config.segment.source, dir),
    openSegment: openSegmentImpl,
    events: createEventSink({ write: () => true }, config.name, true),
    timeScale: 50,
  };
}

describe("runSync", () => {
  it("returns completed with what it applied, and failed/INTERNAL for an unforeseen error, releasing the lock either way", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "segment.csv"), csvOf(people(30, 0, "gold", "engine.example.com")));
    const deps = engineDeps(dir);
    const plan = await runSync(deps, "plan");
    expect(plan.outcome).toMatchObject({ kind: "completed", prepared: { plan: { adds: 30 } } });
    expect(plan.outcome).not.toHaveProperty("applied");
    const run = await runSync(deps, "run");
    await run.release();
    expect(run.outcome).toMatchObject({ kind: "completed", applied: { added: 30, failed: [] } });
    expect(sandbox.inspect.members(deps.config.listId, 1)).toHaveLength(30);

    writeFileSync(join(dir, "segment.csv"), csvOf(people(31, 0, "gold", "engine.example.com")));
    let opened = 0;
    const broken = engineDeps(dir, async (location, options) => {
      if (++opened === 2) throw new TypeError("a bug in pass 2");
      return openSegment(location, options);
    });
    const failed = await runSync({ ...broken, config: deps.config, store: deps.store }, "run");
    await failed.release();
    expect(failed.outcome).toMatchObject({ kind: "failed", error: { code: "INTERNAL", message: "a bug in pass 2" } });
    expect(failed.outcome.kind === "failed" && failed.outcome.cause).toBeInstanceOf(TypeError);
    const lock = await deps.store.lock(); // released: it can be taken again
    await lock.release();
    await deps.client.close();
    await broken.client.close();
  });
});

describe("Checkpointer", () => {
  it("appends one journal entry per commit in commit order, and commits nothing once the lock is lost", async () => {
    const store = openStateStore(parseLocation("file:state", tempDir()), "cp");
    const scope = { hostname: "h.example.com", listId: 7 };
    const state = new SyncState(scope);
    // The store writes only while it holds its lock; the checkpointer watches a lock whose loss the test controls.
    const held = await store.lock();
    let lose!: (e: unknown) => void;
    const lock: StateLock = { release: async () => undefined, lost: new Promise<never>((_, reject) => (lose = reject)) };
    const cp = new Checkpointer(state, store, lock);
    const first = cp.commit([["a@x.io", 11, 0], ["b@x.io", 12, 0]]);
    const second = cp.commit([["c@x.io", 13, 1]], ["a@x.io"]);
    await Promise.all([first, second, cp.flush()]);
    const loaded = await store.load();
    expect(loaded.journal).toHaveLength(2);
    expect([...SyncState.load(scope, loaded.snapshot, loaded.journal).state.entries()]).toEqual([
      ["b@x.io", { fingerprint: 12, flags: 0 }],
      ["c@x.io", { fingerprint: 13, flags: 1 }],
    ]);

    const lost = new LockedError("another host");
    lose(lost);
    await new Promise((r) => setImmediate(r));
    await expect(cp.commit([["d@x.io", 14, 0]])).rejects.toBe(lost);
    expect(state.get("d@x.io")).toBeUndefined();
    expect((await store.load()).journal).toHaveLength(2);
    await held.release();
  });
});

describe("outcomes", () => {
  const prepared = (rejected: number) => ({ plan: { rejected: Array.from({ length: rejected }, (_, i) => ({ row: i + 2, reason: "x" })) } }) as unknown as Prepared;
  const abort = new DOMException("stopped", "AbortError");
  it.each([
    ["LIST_NOT_FOUND", new PreflightError("listId: no list", "LIST_NOT_FOUND"), "blocked", 2],
    ["SEGMENT_UNREADABLE", new SegmentError("cannot read"), "blocked", 2],
    ["LOCKED", new LockedError("host 1"), "failed", 4],
    ["API_KEY_REJECTED", new ApiKeyRejectedError("contoso.api-us1.com"), "failed", 1],
    ["ABORTED", abort, "failed", 1],
    ["INTERNAL", new TypeError("x is undefined"), "failed", 1],
  ] as const)("%s: %s is %s, exit %i", (code, error, kind, exit) => {
    const o = outcomeOfError(error);
    expect(o).toMatchObject({ kind, error: { code, message: error.message } });
    expect(outcomeStatus(o, "run")).toBe(kind);
    expect(exitCodeOf(o, "run")).toBe(exit);
  });

  it("a completed run with rejected or failed rows is completed-with-problems (exit 3); a plan with them succeeded", () => {
    const clean: SyncOutcome = { kind: "completed", prepared: prepared(0) };
    const rejects: SyncOutcome = { kind: "completed", prepared: prepared(2) };
    const failedRows: SyncOutcome = { kind: "completed", prepared: prepared(0), applied: { failed: [{ email: "a@x.io", reason: "r" }] } as never };
    expect([clean, rejects, failedRows].map((o) => [outcomeStatus(o, "run"), exitCodeOf(o, "run")])).toEqual([
      ["succeeded", 0],
      ["completed-with-problems", 3],
      ["completed-with-problems", 3],
    ]);
    expect([outcomeStatus(rejects, "plan"), exitCodeOf(rejects, "plan")]).toEqual(["succeeded", 0]);
    const blocked: SyncOutcome = { kind: "blocked", error: { code: "REMOVAL_CAP", message: "m" }, prepared: prepared(0) };
    expect([outcomeStatus(blocked, "run"), exitCodeOf(blocked, "run")]).toEqual(["blocked", 2]);
  });
});
