// Where an export reads its segment: a blob, or the newest blob under a prefix, in an Azure Storage container.
import type { SegmentFormat } from "../runner/config.js";
import { CONTAINER_NAME, isToken, show, STORAGE_ACCOUNT_NAME } from "./util.js";

const ACCOUNT_ID = /^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.Storage\/storageAccounts\/([^/]+)$/i;

export interface BlobSegmentOptions {
  /**
   * ARM ID of the storage account holding the segment files, e.g.
   * `/subscriptions/…/resourceGroups/…/providers/Microsoft.Storage/storageAccounts/contosocdp`, or a token
   * (e.g. another resource's `id`). The export's identity gets Storage Blob Data Reader on `container` of it.
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
  readonly format?: SegmentFormat;
  /**
   * CSV only: the field delimiter.
   * @default - detected from the header line
   */
  readonly delimiter?: "," | ";" | "\t" | "|";
  /**
   * Display name of the segment in run reports and the review summary, e.g. "VIP customers".
   * @default - none
   */
  readonly displayName?: string;
}

/** What an export needs from a segment source (resolved at construction). */
export interface BoundSegment {
  /** The `segment` object of the ExportConfig (validated by the export together with the rest). */
  readonly config: { name?: string; source: string; format?: SegmentFormat; delimiter?: "," | ";" | "\t" | "|" };
  /** The narrowest ARM scope the export's identity needs to read the segment: the container. */
  readonly readScope: string;
  /** Problems found in the options, each naming the option. */
  readonly problems: Array<{ prop: string; message: string }>;
}

/**
 * Where an export reads its segment. Azure Blob Storage only: the job signs in with its managed identity, so no keys
 * or SAS tokens are involved. (Local `file:` sources are for `ac-export run --config` on a workstation.)
 *
 * The export's identity gets Storage Blob Data Reader on the container, the narrowest scope Azure RBAC offers for
 * blobs without ABAC conditions: give each segment its own container if other data sits next to it.
 */
export abstract class SegmentSource {
  static blob(options: BlobSegmentOptions): SegmentSource {
    return new BlobSegmentSource(options);
  }

  /** @internal */
  abstract bind(): BoundSegment;
}

class BlobSegmentSource extends SegmentSource {
  constructor(private readonly options: BlobSegmentOptions) {
    super();
  }

  bind(): BoundSegment {
    const o = this.options;
    const problems: Array<{ prop: string; message: string }> = [];
    const add = (prop: string, message: string) => problems.push({ prop: `segment.${prop}`, message });

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
    if (o.prefix !== undefined && o.blobName !== undefined) add("blobName", "cannot be combined with prefix: give a prefix (newest blob under it) or one blob name");
    if (o.prefix !== undefined && (isToken(o.prefix) || !o.prefix.endsWith("/") || o.prefix.startsWith("/"))) {
      add("prefix", `must end with "/" and not start with "/", e.g. "vip/"; got ${isToken(o.prefix) ? "a Terraform token" : show(o.prefix)}`);
    }
    if (o.blobName !== undefined && (isToken(o.blobName) || o.blobName === "" || o.blobName.endsWith("/") || o.blobName.startsWith("/"))) {
      add("blobName", `must be a blob name such as "vip/members.csv" (no leading or trailing "/"); got ${isToken(o.blobName) ? "a Terraform token" : show(o.blobName)}`);
    }
    const path = o.blobName ?? o.prefix ?? "";
    const source = `https://${account ?? "invalid"}.blob.core.windows.net/${o.container}/${path.split("/").map(encodeURIComponent).join("/")}`;
    return {
      config: {
        ...(o.displayName !== undefined ? { name: o.displayName } : {}),
        source,
        ...(o.format !== undefined ? { format: o.format } : {}),
        ...(o.delimiter !== undefined ? { delimiter: o.delimiter } : {}),
      },
      readScope: `${o.storageAccountId}/blobServices/default/containers/${o.container}`,
      problems,
    };
  }
}
