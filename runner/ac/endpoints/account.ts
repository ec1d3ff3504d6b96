// The account itself: is the key good?
import type { AcClient } from "../types.js";
import type { EndpointContext } from "./common.js";

export function accountEndpoints({ send }: EndpointContext): Pick<AcClient, "checkKey"> {
  return {
    async checkKey() {
      await send({ method: "GET", template: "/users/me", path: "/users/me", ok: (json) => json });
    },
  };
}
