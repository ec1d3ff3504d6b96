// Where the exports of one connection (one ActiveCampaign account) register their use of its rate budget
// (connection-budget.ts): one small record per running export, next to the exports' states. Each run writes only
// its own record, so registering needs no lock; a record whose heartbeat stopped is ignored once stale.
//
// File store layout: <state root>/.connections/<hostname>/<export>.<token>.json (export names cannot start with a
// dot, so the folder never collides with an export's). The record's mtime is its heartbeat.
import { mkdir, readdir, readFile, stat, unlink } from "node:fs/promises";
import { join } from "node:path";
import { atomicWrite } from "./file.js";

export interface RegistryEntry {
  /** The registrant's id (its file or blob name without the folder). */
  id: string;
  record: Buffer;
  /** How long ago its heartbeat was written, by the storage's clock where it has one; 0 when it lies in the future. */
  ageMs: number;
}

export interface ConnectionRegistry {
  /** Where the records live, for messages. */
  readonly location: string;
  /** Create or replace this registrant's record; its heartbeat restarts. */
  put(id: string, record: Buffer): Promise<void>;
  /** Every record, stale ones included. */
  list(): Promise<RegistryEntry[]>;
  /** Remove a record (gone already is fine). */
  remove(id: string): Promise<void>;
}

/** The folder (or blob prefix) name of a connection: its hostname, lower-cased (checkHostname allows [a-z0-9.-] only). */
export const connectionFolder = (hostname: string): string => hostname.trim().toLowerCase().replace(/[^a-z0-9.-]/g, "_");

const ID = /^[a-z0-9-]{1,48}\.[0-9a-f]{8,32}$/;

/** A registrant's id is "<export>.<hex token>": a plain file or blob name. */
export function checkRegistryId(id: string): void {
  if (!ID.test(id)) throw new RangeError(`registry id ${JSON.stringify(id)} must be <export>.<hex token>`);
}

export class FileConnectionRegistry implements ConnectionRegistry {
  constructor(readonly location: string) {}

  async put(id: string, record: Buffer): Promise<void> {
    checkRegistryId(id);
    await mkdir(this.location, { recursive: true });
    await atomicWrite(join(this.location, `${id}.json`), record);
  }

  async list(): Promise<RegistryEntry[]> {
    let names: string[];
    try {
      names = await readdir(this.location);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return [];
      throw e;
    }
    const out: RegistryEntry[] = [];
    for (const name of names) {
      const id = name.endsWith(".json") ? name.slice(0, -5) : "";
      if (!ID.test(id)) continue; // temp files of a write in progress, anything else
      const path = join(this.location, name);
      try {
        const info = await stat(path);
        if (!info.isFile()) continue;
        out.push({ id, record: await readFile(path), ageMs: Math.max(0, Date.now() - info.mtimeMs) });
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e; // removed meanwhile: gone
      }
    }
    return out;
  }

  async remove(id: string): Promise<void> {
    await unlink(join(this.location, `${id}.json`)).catch((e: NodeJS.ErrnoException) => {
      if (e.code !== "ENOENT") throw e;
    });
  }
}
