// A Dynamics 365 Customer Insights - Data export to Azure Blob / ADLS Gen2 (SOURCES.md §1.2):
//   <ExportName>/model.json                                       (CDM: the columns of each table)
//   <ExportName>/<Table>/<yyyy>/<MM>/<dd>/<HHmm>/<Table>_<n>.csv   (one folder per run, several headerless parts)
// and the pre-2020 layout <Table>/<Table>_<n>.csv (one run, overwritten). The newest complete run is read (runs.ts;
// a run whose parts model.json lists exactly is complete), every part, with the entity's attribute names as columns.
import type { Location } from "../config.js";
import { cdmEntity, partitionNames, type CdmEntity } from "./cdm.js";
import { delimiterProblem } from "./csv.js";
import type { PartsPlan } from "./folder.js";
import { dirName } from "./parts.js";
import { chooseRun, DEFAULT_SETTLE_MINUTES, groupRuns, type Run, type Verdict } from "./runs.js";
import { storeFor } from "./store.js";
import { SegmentError, type OpenSegmentOptions } from "./types.js";

const escapeRe = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

export async function planCustomerInsights(location: Location, options: OpenSegmentOptions): Promise<PartsPlan> {
  const table = options.table;
  if (!table) throw new SegmentError('a Customer Insights source needs segment.table: the exported table (entity) to read, e.g. "HighValueSegment"');
  const store = await storeFor(location);
  const modelText = await store.readText("model.json", options.signal);
  const entity = modelText === undefined ? undefined : cdmEntity(modelText, table, store.show("model.json"));
  if (!entity && !options.columnNames) {
    throw new SegmentError(
      `no model.json at ${store.show("model.json")}: Customer Insights writes it next to the table folders, so segment.source must be the …/CustomerInsights_<instanceId>/<ExportName>/ folder (or give segment.columns)`,
    );
  }
  const folder = entity?.name ?? table;
  const entries = await store.list(`${folder}/`, options.signal);
  const t = escapeRe(folder);
  const part = new RegExp(`^${t}/(?:\\d{4}/\\d{2}/\\d{2}/\\d{4}/)?${t}_\\d+\\.csv(?:\\.gz)?$`, "i");
  const runs = groupRuns(entries, (e) => part.test(e.name), dirName);
  if (runs.length === 0) {
    const seen = entries.length > 0 ? `; found ${entries.length} other file(s), e.g. ${JSON.stringify(entries[0]!.name)}` : "";
    throw new SegmentError(`no ${folder}_<n>.csv parts under ${store.show(`${folder}/`)} (expected <yyyy>/<MM>/<dd>/<HHmm>/${folder}_<n>.csv)${seen}`);
  }
  const { run, reason } = chooseRun(
    runs,
    {
      settleMinutes: options.settleMinutes ?? DEFAULT_SETTLE_MINUTES,
      now: options.now?.() ?? store.serverTime ?? new Date(),
      markersInUse: false,
      ...(entity ? { manifest: (r: Run) => manifestSays(entity, r) } : {}),
    },
    (dir) => store.show(dir),
  );
  const names = entity?.columns ?? options.columnNames!;
  const delimiter = entity?.delimiter ?? options.delimiter ?? ",";
  const problem = delimiterProblem(delimiter, options.escape);
  if (problem) throw new SegmentError(`${store.show("model.json")}: delimiter ${JSON.stringify(delimiter)} is not supported: it ${problem}`);
  if (entity && !/^utf-?8$/i.test(entity.encoding)) {
    throw new SegmentError(`${store.show("model.json")}: entity ${JSON.stringify(entity.name)} is written in ${entity.encoding}; only UTF-8 is supported`);
  }
  const headerMode = entity?.header === true ? "skip" : "detect";
  const columnsFrom = entity
    ? `model.json entity ${entity.name} (${names.length} attributes); ${headerMode === "skip" ? "the header row of each part is skipped (columnHeaders: true)" : "no header row (a first line repeating the names is skipped)"}`
    : "segment.columns (no model.json)";
  return {
    store,
    parts: run.parts,
    format: "csv",
    csv: { headerMode, names, delimiter, escape: options.escape ?? "double", quoted: entity?.quoted ?? true },
    run: { folder: store.show(run.dir), reason, columnsFrom },
  };
}

/** model.json lists the partitions of the latest run it finished: exactly this run's parts, or it has no say. */
function manifestSays(entity: CdmEntity, run: Run): Verdict | undefined {
  const base = (p: string) => p.slice(p.lastIndexOf("/") + 1);
  const listed = entity.partitionPaths.filter((p) => partitionNames(p, run.dir + base(p)));
  if (listed.length === 0) return undefined;
  const missing = listed.filter((p) => !run.parts.some((part) => partitionNames(p, part.name)));
  const extra = run.parts.filter((part) => !listed.some((p) => partitionNames(p, part.name)));
  if (missing.length > 0 || extra.length > 0) {
    return { complete: false, how: `model.json lists ${listed.length} partition(s) in it, but ${run.parts.length} part(s) are there` };
  }
  return { complete: true, how: `model.json lists its ${listed.length} partition(s)` };
}
