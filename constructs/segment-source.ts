// Where an export reads its segment, in an Azure Storage container: a blob, the newest blob under a prefix, every
// part of the newest complete run in a folder, a Customer Insights export, or a Delta table.
import type { ExportConfigInput, SegmentFormat } from "../runner/config.js";
import { CONTAINER_NAME, isToken, show, STORAGE_ACCOUNT_NAME } from "./util.js";

const ACCOUNT_ID = /^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.Storage\/storageAccounts\/([^/]+)$/i;

export interface BlobSegmentOptions extends StorageContainerOptions {
  /**
   * Read the newest blob under this prefix (ends with "/"), e.g. `"vip/"`: the upstream system drops a new file per
   * refresh. Give `blobName` instead to read one fixed blob.
   * @default - the whole container (the newest blob in it), unless `blobName` is set
   */
  readonly prefix?: string;
  /**
   * Read this one blob, e.g. `"vip/members.csv"`. Mutually exclusive with `prefix`.
   * @default - none; `prefix` or the whole container
   */
  readonly blobName?: string;
  /**
   * File format.
   * @default - from the blob name's extension (`.csv`, `.tsv`, `.jsonl`, `.ndjson`, `.parquet`); required for prefixes
   */
  readonly format?: FileFormat;
  /**
   * CSV only: the field delimiter (one ASCII character).
   * @default - detected from the first line
   */
  readonly delimiter?: string;
  /**
   * CSV only: false when the files have no header row; `columns` then names the columns.
   * @default true
   */
  readonly header?: boolean;
  /** CSV only: the column names of headerless files, in order (with `header: false`). */
  readonly columns?: string[];
  /**
   * CSV only: how a quote inside a quoted field is escaped: "double" ("", RFC 4180) or "backslash" (\", Azure Data
   * Factory's and Spark's default).
   * @default "double"
   */
  readonly escape?: "double" | "backslash";
}

/** The formats of single files and folders of parts. */
export type FileFormat = Extract<SegmentFormat, "csv" | "jsonl" | "parquet">;

/** The storage account and container every segment source names. */
export interface StorageContainerOptions {
  /**
   * ARM ID of the storage account, e.g. `/subscriptions/…/resourceGroups/…/providers/Microsoft.Storage/storageAccounts/contosocdp`,
   * or a token (e.g. another resource's `id`). The export's identity gets Storage Blob Data Reader on `container` of it.
   */
  readonly storageAccountId: string;
  /**
   * The storage account's name (it goes into the export config, which must be literal at synth time).
   * @default - parsed from `storageAccountId`; required when `storageAccountId` is a token
   */
  readonly storageAccountName?: string;
  /** The blob container. */
  readonly container: string;
  /**
   * Display name of the segment in run reports and the review summary, e.g. "VIP customers".
   * @default - none
   */
  readonly displayName?: string;
}

export interface FolderSegmentOptions extends StorageContainerOptions, Pick<BlobSegmentOptions, "delimiter" | "header" | "columns" | "escape"> {
  /**
   * The folder the exporter writes its runs into (ends with "/"), e.g. `"unload/vip/"` (Snowflake), `"spark/vip/"`.
   * Every part (CSV, JSON Lines or Parquet, optionally `.gz`) of the newest complete run is read: the folder itself,
   * or its newest run subfolder (by name, e.g. `2026-12-01/`). Markers (`_SUCCESS`, `_committed_*`, `_started_*`),
   * `.crc` and hidden files are ignored.
   */
  readonly folder: string;
  /** Format of the parts. */
  readonly format: FileFormat;
  /**
   * A run without a `_SUCCESS` marker counts as complete once no file of it changed for this many minutes.
   * @default 15
   */
  readonly settleMinutes?: number;
}

export interface CustomerInsightsSegmentOptions extends StorageContainerOptions {
  /**
   * The export's folder in the container, `CustomerInsights_<instanceId>/<ExportName>/` (it holds `model.json` and
   * a folder per table).
   */
  readonly exportPath: string;
  /** The exported table (entity) to read, e.g. `"HighValueSegment"`. */
  readonly table: string;
  /**
   * A run folder that `model.json` does not list counts as complete once no part changed for this many minutes.
   * @default 15
   */
  readonly settleMinutes?: number;
}

export interface DeltaSegmentOptions extends StorageContainerOptions {
  /** The table's root folder in the container (it holds `_delta_log/`), e.g. `"Tables/vip_members/"`. */
  readonly tablePath: string;
}

/** What an export needs from a segment source (resolved at construction). */
export interface BoundSegment {
  /** The `segment` object of the ExportConfig (validated by the export together with the rest). */
  readonly config: ExportConfigInput["segment"];
  /** The narrowest ARM scope the export's identity needs to read the segment: the container. */
  readonly readScope: string;
  /** Problems found in the options, each naming the option. */
  readonly problems: Array<{ prop: string; message: string }>;
}

type Problems = Array<{ prop: string; message: string }>;

/**
 * Where an export reads its segment. Azure Blob Storage only: the job signs in with its managed identity, so no keys
 * or SAS tokens are involved. (Local `file:` sources are for `ac-export run --config` on a workstation.)
 *
 * The export's identity gets Storage Blob Data Reader on the container, the narrowest scope Azure RBAC offers for
 * blobs without ABAC conditions: give each segment its own container if other data sits next to it.
 */
export abstract class SegmentSource {
  /** One blob, or the newest blob under a prefix (refused when that blob is one part of a multi-part run). */
  static blob(options: BlobSegmentOptions): SegmentSource {
    return new BlobSegmentSource(options);
  }

  /** Every part of the newest complete run in a folder: Snowflake unloads, Spark output, ADF sinks. */
  static folder(options: FolderSegmentOptions): SegmentSource {
    return new FolderSegmentSource(options);
  }

  /** A Dynamics 365 Customer Insights - Data export to Azure Blob / ADLS Gen2: the newest complete run of a table. */
  static customerInsights(options: CustomerInsightsSegmentOptions): SegmentSource {
    return new CustomerInsightsSegmentSource(options);
  }

  /** A Delta Lake table (Fabric / OneLake shortcuts, Synapse Link, Databricks): its current snapshot. */
  static delta(options: DeltaSegmentOptions): SegmentSource {
    return new DeltaSegmentSource(options);
  }

  /** @internal */
  abstract bind(): BoundSegment;
}

/** The account name (from the name or the ARM ID) and the container, checked; problems are added. */
function accountAndContainer(o: StorageContainerOptions, add: (prop: string, message: string) => void): string | undefined {
  let account = o.storageAccountName;
  if (account === undefined) {
    if (isToken(o.storageAccountId)) {
      add("storageAccountName", "is required when storageAccountId is a Terraform token (the account name goes into the export config, which is literal at synth time)");
    } else {
      const m = ACCOUNT_ID.exec(o.storageAccountId ?? "");
      if (!m) {
        add(
          "storageAccountId",
          `must be a storage account's ARM ID, "/subscriptions/<id>/resourceGroups/<group>/providers/Microsoft.Storage/storageAccounts/<name>"; got ${show(o.storageAccountId)}`,
        );
      } else account = m[1];
    }
  } else if (isToken(account)) {
    add("storageAccountName", "must be a literal value known at synth time; got a Terraform token");
  } else if (!STORAGE_ACCOUNT_NAME.test(account)) {
    add("storageAccountName", `must be 3-24 lowercase letters or digits; got ${show(account)}`);
  } else if (!isToken(o.storageAccountId)) {
    const m = ACCOUNT_ID.exec(o.storageAccountId ?? "");
    if (m && m[1] !== account) add("storageAccountName", `is ${show(account)}, but storageAccountId names the account ${show(m[1])}`);
  }
  if (isToken(o.container)) add("container", "must be a literal value known at synth time; got a Terraform token");
  else if (!CONTAINER_NAME.test(o.container ?? "")) {
    add("container", `must be 3-63 lowercase letters, digits or single "-", starting and ending with a letter or digit; got ${show(o.container)}`);
  }
  return account;
}

/** A folder path in the container: literal, not starting with "/", ending with "/" (added when missing). */
function folderPath(prop: string, value: string | undefined, example: string, add: (prop: string, message: string) => void): string {
  if (isToken(value)) {
    add(prop, "must be a literal value known at synth time; got a Terraform token");
    return "";
  }
  if (typeof value !== "string" || value.replace(/\/+$/, "") === "" || value.startsWith("/") || value.includes("//") || value.includes("?")) {
    add(prop, `must be a folder in the container such as ${show(example)} (no leading "/"); got ${show(value)}`);
    return "";
  }
  return value.endsWith("/") ? value : `${value}/`;
}

abstract class ContainerSegmentSource<O extends StorageContainerOptions> extends SegmentSource {
  constructor(protected readonly options: O) {
    super();
  }

  /** The segment keys (besides name and source), and the path in the container; problems are added. */
  protected abstract describe(add: (prop: string, message: string) => void): { path: string; config: Omit<ExportConfigInput["segment"], "source" | "name"> };

  bind(): BoundSegment {
    const o = this.options;
    const problems: Problems = [];
    const add = (prop: string, message: string) => problems.push({ prop: `segment.${prop}`, message });
    const account = accountAndContainer(o, add);
    const { path, config } = this.describe(add);
    const source = `https://${account ?? "invalid"}.blob.core.windows.net/${o.container}/${path.split("/").map(encodeURIComponent).join("/")}`;
    return {
      config: { ...(o.displayName !== undefined ? { name: o.displayName } : {}), source, ...config },
      readScope: `${o.storageAccountId}/blobServices/default/containers/${o.container}`,
      problems,
    };
  }
}

/** The CSV keys of the segment config that are set. */
const csvKeys = (o: Pick<BlobSegmentOptions, "delimiter" | "header" | "columns" | "escape">) => ({
  ...(o.delimiter !== undefined ? { delimiter: o.delimiter } : {}),
  ...(o.header !== undefined ? { header: o.header } : {}),
  ...(o.columns !== undefined ? { columns: o.columns } : {}),
  ...(o.escape !== undefined ? { escape: o.escape } : {}),
});

class BlobSegmentSource extends ContainerSegmentSource<BlobSegmentOptions> {
  protected describe(add: (prop: string, message: string) => void) {
    const o = this.options;
    if (o.prefix !== undefined && o.blobName !== undefined) add("blobName", "cannot be combined with prefix: give a prefix (newest blob under it) or one blob name");
    if (o.prefix !== undefined && (isToken(o.prefix) || !o.prefix.endsWith("/") || o.prefix.startsWith("/"))) {
      add("prefix", `must end with "/" and not start with "/", e.g. "vip/"; got ${isToken(o.prefix) ? "a Terraform token" : show(o.prefix)}`);
    }
    if (o.blobName !== undefined && (isToken(o.blobName) || o.blobName === "" || o.blobName.endsWith("/") || o.blobName.startsWith("/"))) {
      add("blobName", `must be a blob name such as "vip/members.csv" (no leading or trailing "/"); got ${isToken(o.blobName) ? "a Terraform token" : show(o.blobName)}`);
    }
    return { path: o.blobName ?? o.prefix ?? "", config: { ...(o.format !== undefined ? { format: o.format } : {}), ...csvKeys(o) } };
  }
}

class FolderSegmentSource extends ContainerSegmentSource<FolderSegmentOptions> {
  protected describe(add: (prop: string, message: string) => void) {
    const o = this.options;
    const path = folderPath("folder", o.folder, "unload/vip/", add);
    return {
      path,
      config: { format: o.format, parts: "all" as const, ...csvKeys(o), ...(o.settleMinutes !== undefined ? { settleMinutes: o.settleMinutes } : {}) },
    };
  }
}

class CustomerInsightsSegmentSource extends ContainerSegmentSource<CustomerInsightsSegmentOptions> {
  protected describe(add: (prop: string, message: string) => void) {
    const o = this.options;
    const path = folderPath("exportPath", o.exportPath, "CustomerInsights_<instanceId>/<ExportName>/", add);
    // The export config's schema checks the table name itself.
    if (isToken(o.table)) add("table", "must be a literal value known at synth time; got a Terraform token");
    return {
      path,
      config: {
        format: "customer-insights" as const,
        table: o.table,
        ...(o.settleMinutes !== undefined ? { settleMinutes: o.settleMinutes } : {}),
      },
    };
  }
}

class DeltaSegmentSource extends ContainerSegmentSource<DeltaSegmentOptions> {
  protected describe(add: (prop: string, message: string) => void) {
    return { path: folderPath("tablePath", this.options.tablePath, "Tables/vip_members/", add), config: { format: "delta" as const } };
  }
}
