// Node 20.19+/22 (V8 11-12) can abort the whole process with "FATAL ERROR: RegExpCompiler Allocation failed -
// process out of memory" when it compiles a regular expression to native code, depending on memory layout
// (seen here on Node 20.20.2 with a 10 MB heap; reported upstream in asamuzaK/domSelector#230). The bytecode
// interpreter is unaffected, and our regular expressions are small, so interpret them all. Import this first.
import { setFlagsFromString } from "node:v8";

setFlagsFromString("--regexp-interpret-all");
