import type { Command } from "../cli/command.js";
import { EXIT } from "../cli/exit-codes.js";

// Placeholder until issue #4 lands: says so plainly and fails, never pretends to work.
export const command: Command = {
  name: "run",
  summary: "sync the segment into the ActiveCampaign list (not yet available)",
  help: "Usage: ac-export run\n\nNot yet available (issue #4).\n",
  async run(_argv, io) {
    io.stderr.write("ac-export run: not yet available (issue #4)\n");
    return EXIT.FAILED;
  },
};
