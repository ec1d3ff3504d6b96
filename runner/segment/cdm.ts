// CDM model.json (the Common Data Model folder manifest Customer Insights and Synapse Link write): an entity's
// attribute names (the columns of its headerless CSV parts), its partitions (the data files of the latest run) and
// their CSV settings. Schema: microsoft/CDM docs/schema/modeljsonschema.json; absent settings take CDM's defaults
// (no header row, ",", UTF-8, '"' quoting).
import { z } from "zod";
import { SegmentError } from "./types.js";

const csvSettings = z.looseObject({
  $type: z.string().optional(),
  columnHeaders: z.boolean().optional(),
  delimiter: z.string().optional(),
  encoding: z.string().optional(),
  quoteStyle: z.string().optional(),
  csvStyle: z.string().optional(),
});

const entity = z.looseObject({
  $type: z.string().optional(),
  name: z.string(),
  attributes: z.array(z.looseObject({ name: z.string(), dataType: z.string().optional() })).optional(),
  partitions: z
    .array(z.looseObject({ name: z.string().optional(), location: z.string().optional(), fileFormatSettings: csvSettings.optional() }))
    .optional(),
});

const model = z.looseObject({ name: z.string().optional(), entities: z.array(z.unknown()) });

export interface CdmEntity {
  name: string;
  columns: string[];
  /** Partition locations as paths (URL path, decoded, without query such as "?snapshot="). */
  partitionPaths: string[];
  header?: boolean;
  /** Absent when model.json does not say (CDM's default is ","). */
  delimiter?: string;
  quoted: boolean;
  encoding: string;
}

/** The entity `table` of a model.json's text; `where` names the file in messages. */
export function cdmEntity(text: string, table: string, where: string): CdmEntity {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new SegmentError(`${where} is not valid JSON (a CDM model.json was expected)`);
  }
  const parsed = model.safeParse(json);
  if (!parsed.success) throw new SegmentError(`${where} is not a CDM model.json: it has no "entities" list`);
  const entities = parsed.data.entities.flatMap((e) => {
    const r = entity.safeParse(e);
    return r.success ? [r.data] : [];
  });
  const found = entities.find((e) => e.name === table) ?? entities.find((e) => e.name.toLowerCase() === table.toLowerCase());
  if (!found) {
    const names = entities.map((e) => JSON.stringify(e.name)).slice(0, 20);
    throw new SegmentError(`${where} has no entity ${JSON.stringify(table)} (segment.table); it has ${names.length ? names.join(", ") : "no entities"}`);
  }
  const columns = (found.attributes ?? []).map((a) => a.name);
  if (columns.length === 0) throw new SegmentError(`${where}: entity ${JSON.stringify(found.name)} lists no attributes, so its columns are unknown`);
  const seen = new Set<string>();
  for (const c of columns) {
    if (seen.has(c)) throw new SegmentError(`${where}: entity ${JSON.stringify(found.name)} names attribute ${JSON.stringify(c)} twice`);
    seen.add(c);
  }
  const settings = found.partitions?.find((p) => p.fileFormatSettings)?.fileFormatSettings;
  return {
    name: found.name,
    columns,
    partitionPaths: (found.partitions ?? []).flatMap((p) => (p.location ? [locationPath(p.location)] : [])),
    ...(settings?.columnHeaders !== undefined ? { header: settings.columnHeaders } : {}),
    ...(settings?.delimiter !== undefined ? { delimiter: settings.delimiter } : {}),
    quoted: settings?.quoteStyle !== "QuoteStyle.None",
    encoding: settings?.encoding ?? "UTF-8",
  };
}

/** The decoded path of a partition location (an absolute URL, possibly with "?snapshot=…"; or a relative path). */
function locationPath(location: string): string {
  try {
    return decodeURIComponent(new URL(location).pathname);
  } catch {
    return location.split("?")[0]!;
  }
}

/** True when a partition path names the file at `relative` (a path relative to the model.json's folder). */
export function partitionNames(path: string, relative: string): boolean {
  return path === relative || path.endsWith(`/${relative}`);
}
