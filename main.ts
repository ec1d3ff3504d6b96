// Example app a platform team commits (cdktf.json runs it). Filled by issue #5.
console.error("main.ts: the example stack is not yet available (issue #5)");
process.exit(1);
