// Entry point: routes each path to its page, keeps the signed-in session and the live connection.

import "./styles.css";
import { api, ApiError, setUnauthorizedHandler, type Me } from "./api";
import { h, replace, type View } from "./dom";
import { Live } from "./live";
import { navigate, startRouter } from "./router";
import { NavBar, type NavView } from "./components/NavBar";
import { LoginPage } from "./components/LoginPage";
import { SetupPage } from "./components/SetupPage";
import { FleetPage } from "./components/FleetPage";
import { StateMessage } from "./components/StateMessage";
import { openHelpDialog } from "./components/HelpDialog";
import { addShortcuts, startShortcuts } from "./shortcuts";
import { startTheme, toggleTheme } from "./theme";

/** What a signed-in page gets from the app shell. */
export interface PageContext {
  me: Me;
  live: Live;
}

const root = document.getElementById("app")!;
let me: Me | null = null;
let live: Live | null = null;
let current: View | null = null;
let nav: NavView | null = null;
let renderSeq = 0;

function mount(view: View, withNav: boolean): void {
  current?.destroy?.();
  current = view;
  if (withNav && me && live) {
    if (!nav) nav = NavBar({ me, live, onLogout: logout });
    replace(root, nav.el, h("main", { class: "main", id: "main" }, view.el));
  } else {
    nav?.destroy?.();
    nav = null;
    replace(root, view.el);
  }
}

function endSession(): void {
  me = null;
  live?.close();
  live = null;
  nav?.destroy?.();
  nav = null;
}

async function logout(): Promise<void> {
  try {
    await api.logout();
  } catch {
    // The session is gone either way; the login page is the right place to land.
  }
  endSession();
  navigate("/login");
}

async function toSignIn(): Promise<void> {
  endSession();
  const next = ["/login", "/setup", "/invite", "/forgot-password", "/reset-password"].includes(location.pathname) ? "" : location.pathname + location.search;
  try {
    const { needed } = await api.setupNeeded();
    if (needed) {
      navigate("/setup" + location.search.replace(/^\?(?!token=).*/, ""), true);
      return;
    }
  } catch {
    // Fall through to the login page, which shows its own errors.
  }
  navigate("/login" + (next && next !== "/" ? "?next=" + encodeURIComponent(next) : ""), true);
}

setUnauthorizedHandler(() => void toSignIn());

async function route(path: string, query: URLSearchParams): Promise<void> {
  const seq = ++renderSeq;
  if (path === "/login") {
    document.title = "Sign in · Vigil";
    mount(LoginPage({ next: query.get("next") ?? "/", ssoError: query.get("sso_error") ?? undefined }), false);
    return;
  }
  if (path === "/setup") {
    document.title = "Set up · Vigil";
    mount(SetupPage({ token: query.get("token") ?? "" }), false);
    return;
  }
  if (path === "/invite") {
    document.title = "Invitation · Vigil";
    // Public and rarely visited: loaded on demand so the first page stays small.
    const { InvitePage } = await import("./components/InvitePage");
    if (seq !== renderSeq) return;
    // A browser already signed in (another account) must not keep that session's state.
    endSession();
    mount(InvitePage({ token: query.get("token") ?? "", onJoined: () => navigate("/", true) }), false);
    return;
  }
  if (path === "/forgot-password" || path === "/reset-password") {
    document.title = "Reset password · Vigil";
    const { ForgotPasswordPage, ResetPasswordPage } = await import("./components/PasswordResetPages");
    if (seq !== renderSeq) return;
    endSession();
    mount(path === "/forgot-password" ? ForgotPasswordPage() : ResetPasswordPage({ token: query.get("token") ?? "" }), false);
    return;
  }
  const statusSlug = /^\/status\/([a-z0-9-]+)\/?$/.exec(path);
  if (statusSlug) {
    // Public status page: no login, loaded on demand.
    const { PublicStatusPage } = await import("./components/PublicStatusPage");
    if (seq !== renderSeq) return;
    mount(PublicStatusPage(statusSlug[1]), false);
    return;
  }
  if (!me) {
    if (!current) mount(StateMessage({ kind: "loading", text: "Loading…" }), false);
    try {
      me = await api.me();
    } catch (e) {
      if (e instanceof ApiError && e.status === 401) return; // the 401 handler redirects
      mount(StateMessage({ kind: "error", text: e instanceof Error ? e.message : String(e), retry: () => void route(path, query) }), false);
      return;
    }
    if (seq !== renderSeq) return;
  }
  if (!live) live = new Live();
  const ctx: PageContext = { me: me!, live };
  const host = /^\/hosts\/(\d+)\/?$/.exec(path);
  const alerts = /^\/alerts\/(active|history|rules|channels|silences|config)\/?$/.exec(path);
  const settings = /^\/settings\/(account|security|members|tokens|enrollment-keys|storage|audit)\/?$/.exec(path);
  if (path === "/" || path === "") {
    document.title = "Fleet · Vigil";
    mount(FleetPage(ctx), true);
  } else if (host) {
    document.title = "Host · Vigil";
    mount(StateMessage({ kind: "loading", text: "Loading host…" }), true);
    // The host page carries uPlot; loading it on demand keeps the first page small.
    const { HostPage } = await import("./components/HostPage");
    if (seq !== renderSeq) return;
    mount(HostPage(ctx, Number(host[1])), true);
  } else if (path === "/alerts" || path === "/alerts/") {
    navigate("/alerts/active" + location.search, true);
    return;
  } else if (alerts) {
    mount(StateMessage({ kind: "loading", text: "Loading alerts…" }), true);
    // The alerts area is loaded on demand like settings.
    const { AlertsPage, alertsTitle } = await import("./components/alerts/AlertsPage");
    if (seq !== renderSeq) return;
    document.title = `${alertsTitle(alerts[1])} · Alerts · Vigil`;
    mount(AlertsPage(ctx, alerts[1], query), true);
  } else if (/^\/(checks|status-pages)(\/|$)/.test(path)) {
    mount(StateMessage({ kind: "loading", text: "Loading…" }), true);
    // Uptime checks and status pages: loaded on demand, like settings.
    const { ChecksArea } = await import("./components/ChecksArea");
    if (seq !== renderSeq) return;
    const area = ChecksArea(ctx, path);
    document.title = `${area.title} · Vigil`;
    mount(area, true);
  } else if (path === "/settings" || path === "/settings/") {
    navigate("/settings/account", true);
    return;
  } else if (settings) {
    mount(StateMessage({ kind: "loading", text: "Loading settings…" }), true);
    // Settings are loaded on demand too: few visits, and the first page stays small.
    const { SettingsPage, settingsTitle } = await import("./components/SettingsPage");
    if (seq !== renderSeq) return;
    document.title = `${settingsTitle(settings[1])} · Settings · Vigil`;
    mount(SettingsPage(ctx, settings[1]), true);
  } else {
    document.title = "Not found · Vigil";
    mount(
      StateMessage({ kind: "empty", text: "This page does not exist.", action: h("a", { href: "/", class: "btn" }, "Go to the fleet") }),
      true,
    );
  }
  nav?.setPath(path);
}

startTheme();
startShortcuts();
addShortcuts("Everywhere", [
  { keys: "/", label: "Search servers", run: () => {
    const box = document.querySelector<HTMLInputElement>('[data-shortcut="search"]');
    if (box) box.focus();
    else if (me) {
      navigate("/");
      requestAnimationFrame(() => document.querySelector<HTMLInputElement>('[data-shortcut="search"]')?.focus());
    }
  } },
  { keys: "g o", label: "Go to the overview", run: () => me && navigate("/") },
  { keys: "g s", label: "Go to settings", run: () => me && navigate("/settings/account") },
  { keys: "t", label: "Switch between light and dark theme", run: toggleTheme },
  { keys: "?", label: "Show this list", run: openHelpDialog },
]);
startRouter((path, query) => void route(path, query));
// The service worker caches the app shell only (see public/sw.js); API data always comes live.
if ("serviceWorker" in navigator && location.protocol !== "file:") {
  window.addEventListener("load", () => void navigator.serviceWorker.register("/sw.js").catch(() => {}));
}
