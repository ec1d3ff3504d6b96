// Safe text for what the runner writes: reports, rejected-row files, terminal output and messages.
// Each function takes text from outside (a segment, ActiveCampaign, a config) and returns it harmless for one place.
export { csvCell, csvRow, isFormulaLike } from "./csv-cell.js";
export { escapeMarkdown, markdownCode } from "./markdown.js";
export { forTerminal } from "./terminal.js";
export { excerpt, isInvisible, quoteValue, showInvisible } from "./visible.js";
export { MASK, maskSecrets } from "../config/mask-secrets.js";
