import type { Command } from "../cli/command.js";
import { EXIT } from "../cli/exit-codes.js";

// Placeholder until issue #5 lands: says so plainly and fails, never pretends to work.
export const command: Command = {
  name: "review",
  summary: "print a Markdown review summary of synthesized exports (not yet available)",
  help: "Usage: ac-export review\n\nNot yet available (issue #5).\n",
  async run(_argv, io) {
    io.stderr.write("ac-export review: not yet available (issue #5)\n");
    return EXIT.FAILED;
  },
};
