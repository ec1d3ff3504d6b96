// A folder or blob prefix as a segment source.
// - By default (today's behaviour) the newest file of the format under it is read, unless that file is one part of
//   a multi-part run (sibling files with the same name pattern written within the hour): then the read is refused
//   with how to configure the source, because reading one part silently misses members.
// - With "parts": "all", every part of the newest complete run (runs.ts) is read.
import { stat } from "node:fs/promises";
import type { Location } from "../config.js";
import type { CsvDialect } from "./csv.js";
import { dirName, isIgnored, namePattern, partKind } from "./parts.js";
import { chooseRun, DEFAULT_SETTLE_MINUTES, groupRuns } from "./runs.js";
import { FORMAT_EXTENSIONS, pickNewest, type FileFormat } from "./source.js";
import { storeFor, type Store, type StoreEntry } from "./store.js";
import { SegmentError, type OpenSegmentOptions, type SegmentRun } from "./types.js";

/** What to read: the parts, in order, and how. */
export interface PartsPlan {
  store: Store;
  parts: StoreEntry[];
  format: FileFormat;
  csv: CsvDialect;
  run?: SegmentRun;
}

/** Parts of one run are written close together; daily drops with the same name pattern are not parts. */
const SIBLING_WINDOW_MS = 60 * 60_000;

/** True for a location that names a folder: a blob prefix ("…/" or the container), or a `file:` directory. */
export async function isFolder(location: Location): Promise<boolean> {
  if (location.path === "" || location.path.endsWith("/")) return true;
  return location.kind === "file" && (await stat(location.path).catch(() => undefined))?.isDirectory() === true;
}

export async function planFolder(location: Location, format: FileFormat, options: OpenSegmentOptions): Promise<PartsPlan> {
  const store = await storeFor(location);
  const entries = await store.list("", options.signal);
  const data = entries.filter((e) => !isIgnored(e.name) && partKind(e.name)?.format === format);
  const csv = dialectFromOptions(options);
  if (data.length === 0) {
    const others = entries.filter((e) => !data.includes(e));
    const seen = others.length > 0 ? `; found ${others.length} other ${store.noun}(s), e.g. ${others.slice(0, 3).map((e) => JSON.stringify(store.noun === "blob" ? location.path + e.name : e.name)).join(", ")}` : `; the ${store.noun === "blob" ? "prefix" : "folder"} is empty`;
    throw new SegmentError(`no ${FORMAT_EXTENSIONS[format].join("/")} ${store.noun} under ${store.show("")}${seen}`);
  }
  if (options.parts !== "all") {
    const newest = pickNewest(data)!;
    const dir = dirName(newest.name);
    const pattern = namePattern(newest.name);
    const siblings = data.filter(
      (e) =>
        e !== newest &&
        dirName(e.name) === dir &&
        namePattern(e.name) === pattern &&
        Math.abs(e.lastModified.getTime() - newest.lastModified.getTime()) <= SIBLING_WINDOW_MS,
    );
    if (siblings.length > 0) {
      const names = [newest, ...siblings].slice(0, 3).map((e) => JSON.stringify(e.name.slice(dir.length)));
      throw new SegmentError(
        `${store.show(dir)} holds ${siblings.length + 1} ${FORMAT_EXTENSIONS[format][0]} files that look like parts of one run (${names.join(", ")}${siblings.length > 2 ? ", …" : ""}); reading only the newest would miss members. Set "parts": "all" in segment to read every part of the newest complete run, or point segment.source at one file`,
      );
    }
    return { store, parts: [newest], format, csv };
  }
  const runs = groupRuns(entries, (e) => data.includes(e));
  const changelog = entries.some((e) => e.name === "Changelog/changelog.info") ? await store.readText("Changelog/changelog.info", options.signal) : undefined;
  const inProgress = changelog?.trim().split(/\r?\n/)[0]?.trim();
  const { run, reason } = chooseRun(
    runs,
    {
      settleMinutes: options.settleMinutes ?? DEFAULT_SETTLE_MINUTES,
      now: options.now?.() ?? store.serverTime ?? new Date(),
      markersInUse: entries.some((e) => e.name.endsWith("/_SUCCESS") || e.name === "_SUCCESS"),
      ...(inProgress ? { inProgress } : {}),
    },
    (dir) => store.show(dir),
  );
  return {
    store,
    parts: run.parts,
    format,
    csv,
    run: {
      folder: store.show(run.dir),
      reason,
      ...(format === "csv" ? { columnsFrom: csv.headerMode === "file" ? "the header row of each part" : "segment.columns (a first line repeating them is skipped)" } : {}),
    },
  };
}

export function dialectFromOptions(options: OpenSegmentOptions): CsvDialect {
  const headerless = options.header === false;
  return {
    headerMode: headerless ? "detect" : "file",
    ...(headerless && options.columnNames ? { names: options.columnNames } : {}),
    ...(options.delimiter !== undefined ? { delimiter: options.delimiter } : {}),
    escape: options.escape ?? "double",
    quoted: true,
  };
}
