// Opens the state store for an export's `state` location.
import type { Location } from "../config.js";
import { FileStateStore } from "./file-store.js";
import type { StateStore } from "./types.js";

export function openStateStore(location: Location, exportName: string): StateStore {
  if (location.kind === "file") return new FileStateStore(location.path, exportName);
  throw new Error("Azure Blob state stores are not available yet; use a file: state location");
}
