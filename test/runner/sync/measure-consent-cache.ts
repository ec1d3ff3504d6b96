// Measures the consent cache (issue #10): the requests of a first sync of a list with N unsubscribed members (the
// full read), and of the preflight of a re-run with unchanged data (counts and changes only). Not a vitest suite:
//
//   npm run build && node --regexp-interpret-all --import tsx test/runner/sync/measure-consent-cache.ts [N=300000] [segment=1000]
//
// Prints one JSON line: GET /contacts and all requests for the first run, the re-run's preflight (as `plan`, the same
// prepare step, writing nothing) and the re-run itself. The sandbox runs in this process with the harsh readings;
// `ac-export` runs as a child process, as in the end-to-end tests. The seeded members unsubscribed days ago.
import { startSandbox } from "../../../runner/sandbox/index.js";
import { csvOf, ExportFixture } from "../../helpers/export-fixture.js";

const [n = 300_000, segmentSize = 1_000] = process.argv.slice(2).map(Number);
const sb = await startSandbox({ timeScale: ExportFixture.timeScale, statusChangeTouchesContact: false, bulkSubscribeInactive: "activate" });
try {
  const f = new ExportFixture(sb);
  const old = new Date(Date.now() - 3 * 86_400_000).toISOString();
  for (let from = 0; from < n; from += 50_000) {
    const contacts = Array.from({ length: Math.min(50_000, n - from) }, (_, i) => ({ email: `u${from + i}@${f.domain}`, updatedAt: old, lists: { [f.listId]: { status: 2 as const, by: "contact" as const } } }));
    sb.inspect.seed({ contacts });
  }
  f.writeSegment(csvOf(f.people(segmentSize)));
  const measure = async (command: "run" | "plan") => {
    const before = { contacts: sb.inspect.requests().byEndpoint["GET /contacts"] ?? 0, total: sb.inspect.requests().total };
    const started = performance.now();
    const r = await f.run(command);
    if (r.code !== 0) throw new Error(`${command} exited ${r.code}: ${r.stderr.slice(-2000)}`);
    const after = sb.inspect.requests();
    const event = r.stderr.split("\n").find((l) => l.includes('"event":"consent-set"'));
    return {
      getContacts: (after.byEndpoint["GET /contacts"] ?? 0) - before.contacts,
      requests: after.total - before.total,
      seconds: Math.round((performance.now() - started) / 100) / 10,
      consent: event ? (JSON.parse(event) as { full: unknown; incremental: unknown }) : undefined,
    };
  };
  const first = await measure("run");
  const rerunPreflight = await measure("plan");
  const rerun = await measure("run");
  const subscribed = sb.inspect.members(f.listId, 1).length;
  console.log(JSON.stringify({ unsubscribed: n, segment: segmentSize, subscribed, first, rerunPreflight, rerun }));
  f.cleanup();
} finally {
  await sb.close();
}
