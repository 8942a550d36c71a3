// Modal that replaces a host's agent token (POST /api/v1/hosts/{id}/token) after a confirmation,
// then shows the new token and the agent command once.

import { api, type Host } from "../api";
import { h, replace } from "../dom";
import { CopyField } from "./CopyField";

export function openAgentTokenDialog(host: Host): void {
  const body = h("div", { class: "dialog-body" });
  const error = h("p", { class: "form-error", role: "alert" });
  const cancel = h("button", { type: "button", class: "btn", onclick: () => dialog.close() }, "Cancel");
  const confirmBtn = h("button", { type: "button", class: "btn btn-primary", "data-testid": "host-rotate-confirm" }, "Issue new token");
  const dialog = h("dialog", { class: "dialog", "aria-labelledby": "rotate-title", "data-testid": "host-rotate-dialog" },
    h("h2", { id: "rotate-title", class: "dialog-title" }, `New agent token for ${host.name}`), body);
  replace(body,
    h("p", null, "The current token stops working at once: ",
      h("strong", null, "the running agent is disconnected until it uses the new token."), " Use this when a token may have leaked or the server was reinstalled."),
    error,
    h("div", { class: "dialog-actions" }, cancel, confirmBtn));

  confirmBtn.addEventListener("click", async () => {
    confirmBtn.disabled = true;
    error.textContent = "";
    try {
      const r = await api.rotateHostToken(host.id);
      replace(body,
        h("p", null, "Restart the agent on ", h("strong", null, host.name), " with the new token, e.g. with this command. The token is shown only once."),
        CopyField("Command", r.command, "host-new-command"),
        CopyField("Agent token", r.token, "host-new-token"),
        h("div", { class: "dialog-actions" }, h("button", { type: "button", class: "btn btn-primary", onclick: () => dialog.close() }, "Done")));
    } catch (e) {
      confirmBtn.disabled = false;
      error.textContent = e instanceof Error ? e.message : String(e);
    }
  });

  dialog.addEventListener("close", () => dialog.remove());
  document.body.appendChild(dialog);
  dialog.showModal();
  cancel.focus();
}
