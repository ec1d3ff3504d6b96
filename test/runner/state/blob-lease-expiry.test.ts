// A run on another host killed with kill -9 cannot be told apart from a slow one: its lease must expire first
// (15 s here, 60 s by default), then the next run takes the lock.
import { afterAll, beforeAll, expect, it } from "vitest";
import { parseLocation } from "../../../runner/config.js";
import { LockedError, openStateStore } from "../../../runner/state/index.js";
import { startAzurite, type Azurite } from "../../helpers/azurite.js";
import { lockChild } from "./helpers.js";

let azurite: Azurite;
let url: string;
beforeAll(async () => {
  azurite = await startAzurite();
  url = await azurite.createContainer("state");
});
afterAll(() => azurite?.stop());

it("takes the lock of a killed holder on another host once its lease expires", { timeout: 45_000 }, async () => {
  const location = parseLocation(`${url}/teams`);
  const holder = lockChild(`${url}/teams`, "vip", { hostname: "other-host", leaseSeconds: 15 });
  await holder.waitFor("locked");
  const killedAt = Date.now();
  holder.child.kill("SIGKILL");
  await holder.exited;
  const e = await openStateStore(location, "vip")
    .lock()
    .catch((err: unknown) => err);
  expect(e).toBeInstanceOf(LockedError);
  expect((e as Error).message).toMatch(/^another run of this export holds the lock \(pid \d+ on host other-host since /);
  let lock;
  for (;;) {
    try {
      lock = await openStateStore(location, "vip").lock();
      break;
    } catch (err) {
      if (!(err instanceof LockedError)) throw err;
      expect(Date.now() - killedAt).toBeLessThan(20_000);
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  const waited = Date.now() - killedAt;
  expect(waited).toBeGreaterThan(10_000);
  await lock.release();
});
