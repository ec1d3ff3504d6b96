// Opens the state store for an export's `state` location: a local directory (file:) or Azure Blob Storage.
// See types.ts for the contract, file.ts and blob.ts for the layouts.
import type { Location } from "../config.js";
import { BlobStateStore, type BlobStateStoreOptions } from "./blob.js";
import { FileStateStore, type FileStateStoreOptions } from "./file.js";
import type { StateStore } from "./types.js";

export * from "./types.js";
export { FileStateStore, type FileStateStoreOptions } from "./file.js";
export { BlobStateStore, type BlobStateStoreOptions } from "./blob.js";
export { JournalCorruptError } from "./journal.js";

export type StateStoreOptions = FileStateStoreOptions & BlobStateStoreOptions;

/** The store for `exportName` under `location` (<dir>/<export>/ or <container>/<path>/<export>/). Touches nothing yet. */
export function openStateStore(location: Location, exportName: string, options: StateStoreOptions = {}): StateStore {
  return location.kind === "file" ? new FileStateStore(location.path, exportName, options) : new BlobStateStore(location, exportName, options);
}
