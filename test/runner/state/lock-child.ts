// A second process for the lock tests: takes the export's lock and holds it until killed or told to release.
//   node --regexp-interpret-all --import tsx lock-child.ts <location> <export> [hostname] [leaseSeconds]
// Prints "locked" once it holds the lock; on LockedError prints "LockedError: <message>" and exits 4 (as the CLI does).
import { parseLocation } from "../../../runner/config.js";
import { LockedError, openStateStore } from "../../../runner/state/index.js";

const [location = "", exportName = "", host, lease] = process.argv.slice(2);
try {
  const store = openStateStore(parseLocation(location), exportName, {
    hostname: host || undefined,
    leaseSeconds: lease ? Number(lease) : undefined,
  });
  const lock = await store.lock();
  process.stdout.write("locked\n");
  lock.lost.catch((e: Error) => {
    process.stdout.write(`lost: ${e.message}\n`);
    process.exit(1);
  });
  const keepAlive = setInterval(() => undefined, 1_000);
  process.stdin.setEncoding("utf8").on("data", (d: string) => {
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
