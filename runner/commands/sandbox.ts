import type { Command } from "../cli/command.js";
import { EXIT } from "../cli/exit-codes.js";

// Placeholder until issue #3 lands: says so plainly and fails, never pretends to work.
export const command: Command = {
  name: "sandbox",
  summary: "start a local ActiveCampaign API sandbox (not yet available)",
  help: "Usage: ac-export sandbox\n\nNot yet available (issue #3).\n",
  async run(_argv, io) {
    io.stderr.write("ac-export sandbox: not yet available (issue #3)\n");
    return EXIT.FAILED;
  },
};
