// A second process for the lock tests: takes the export's lock and holds it until killed or told to release.
//   node --regexp-interpret-all --import tsx lock-child.ts <location> <export> [hostname] [leaseSeconds] [heartbeatMs]
// Prints "locked" once it holds the lock; on LockedError prints "LockedError: <message>" and exits 4 (as the CLI does).
// On stdin: "release" releases and exits 0; "write" tries a journal entry, a snapshot and an artifact and prints
// "wrote <what>" or "refused <what>: <message>" for each, then "written".
// When the lock is lost it prints "lost: <message>" and keeps running, so the test can still ask it to write.
import { parseLocation } from "../../../runner/config.js";
import { LockedError, openStateStore } from "../../../runner/state/index.js";

const [location = "", exportName = "", host, lease, heartbeat] = process.argv.slice(2);
try {
  const store = openStateStore(parseLocation(location), exportName, {
    hostname: host || undefined,
    leaseSeconds: lease ? Number(lease) : undefined,
    heartbeatMs: heartbeat ? Number(heartbeat) : undefined,
  });
  const lock = await store.lock();
  process.stdout.write("locked\n");
  lock.lost.catch((e: Error) => process.stdout.write(`lost: ${e.message}\n`));
  const keepAlive = setInterval(() => undefined, 1_000);
  const attempt = async (what: string, write: () => Promise<unknown>) => {
    try {
      await write();
      process.stdout.write(`wrote ${what}\n`);
    } catch (e) {
      process.stdout.write(`refused ${what}: ${(e as Error).name}: ${(e as Error).message}\n`);
    }
  };
  process.stdin.setEncoding("utf8").on("data", (d: string) => {
    if (d.includes("write")) {
      void (async () => {
        await attempt("journal", () => store.appendJournal(Buffer.from("from the child")));
        await attempt("snapshot", () => store.writeSnapshot(Buffer.from("child snapshot")));
        await attempt("report.json", () => store.writeArtifact("report.json", "{}"));
        process.stdout.write("written\n");
      })();
    }
    if (d.includes("release")) {
      void lock.release().then(() => {
        clearInterval(keepAlive);
        process.stdout.write("released\n");
        process.exit(0);
      });
    }
  });
} catch (e) {
  if (e instanceof LockedError) {
    process.stdout.write(`LockedError: ${e.message}\n`);
    process.exit(4);
  }
  process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(1);
}
