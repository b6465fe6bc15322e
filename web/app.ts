// The chat page: live messages, a send box, our own peer_id and the peers panel. Everything comes
// from the daemon that served the page: GET /health, /messages, /peers for the state, GET /events
// (server-sent events) for what changes, POST /send to write.
//
// Messages and peer ids come from other people's programs and are untrusted: they only ever reach
// the page through textContent, never as HTML.
import type {
  BridgePeerView, BridgeView, HealthAnswer, HistoryAnswer, MessageEvent, PeersAnswer, PeerView, SendAnswer,
} from "../src/http/wire.js";

type ChatEntry = { peer_id: string; message: string; via?: string };

function element<T extends HTMLElement>(id: string): T {
  const found = document.getElementById(id);
  if (!found) throw new Error(`the page has no #${id}`);
  return found as T;
}

/** Creates an element whose content is plain text: the one way text reaches the page. */
function textElement<K extends keyof HTMLElementTagNameMap>(tag: K, className: string, text: string): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  node.className = className;
  node.textContent = text;
  return node;
}

const ui = {
  ownPeerId: element("own-peer-id"),
  live: element("live"),
  messages: element<HTMLOListElement>("messages"),
  noMessages: element("no-messages"),
  form: element<HTMLFormElement>("send-form"),
  text: element<HTMLTextAreaElement>("send-text"),
  button: element<HTMLButtonElement>("send-button"),
  sendError: element("send-error"),
  panel: element<HTMLDetailsElement>("peers-panel"),
  peers: element<HTMLUListElement>("peers"),
  tally: element("peer-tally"),
  noPeers: element("no-peers"),
};

let health: HealthAnswer | undefined;
/** Rendered messages by id; ids are decimal milliseconds (PROTOCOL.md "Identity and ports"). */
const shown = new Map<string, HTMLLIElement>();
/** Each peer and when (performance.now()) its view arrived, to count "seen N s ago" locally. */
const peers = new Map<string, { view: PeerView; receivedAt: number }>();
/** Our bridge to a libp2p room and the other sites' bridges, from GET /peers; null without one. */
let bridge: BridgeView | null = null;

/** `via` of a message that came through a bridge: "bridge:" and the publishing bridge's libp2p id. */
const BRIDGE_VIA = "bridge:";

/** A libp2p id is long; its start tells bridges apart ("12D3KooWAbc…"). */
function shortId(id: string): string {
  return id.length > 14 ? `${id.slice(0, 14)}…` : id;
}

// ------------------------------------------------------------------------------------------
// Messages

function compareIds(a: string, b: string): number {
  const x = BigInt(a);
  const y = BigInt(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

function formatTime(id: string): { short: string; full: string; iso: string } | undefined {
  const ms = Number(id);
  const date = new Date(ms);
  if (!Number.isFinite(ms) || Number.isNaN(date.getTime())) return undefined;
  const today = new Date().toDateString() === date.toDateString();
  const time = date.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  return {
    short: today ? time : `${date.toLocaleDateString()} ${time}`,
    full: date.toLocaleString(),
    iso: date.toISOString(),
  };
}

function addMessage(id: string, entry: ChatEntry): void {
  if (shown.has(id)) return;
  const item = document.createElement("li");
  item.className = "message";
  item.dataset.id = id;
  if (health && entry.peer_id === health.peer_id) item.classList.add("own");

  const meta = document.createElement("p");
  meta.className = "meta";
  meta.append(textElement("span", "from", entry.peer_id));
  // A peer_id is a claim; the host that delivered the message is what we saw.
  if (entry.via !== undefined) {
    const fromBridge = entry.via.startsWith(BRIDGE_VIA);
    const bridgeId = entry.via.slice(BRIDGE_VIA.length);
    const via = textElement("span", "via", fromBridge ? `via bridge ${shortId(bridgeId)}` : `via ${entry.via}`);
    via.title = fromBridge ? `came from another site through the bridge ${bridgeId}` : "the host that delivered this message";
    meta.append(" ", via);
  }
  const when = formatTime(id);
  if (when) {
    const time = textElement("time", "at", when.short);
    time.dateTime = when.iso;
    time.title = when.full;
    meta.append(" ", time);
  }
  item.append(meta, textElement("p", "text", entry.message));

  // Keep id order: messages merged from a peer's history can be older than what is shown.
  const list = ui.messages;
  const stickToBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 40;
  let before: Element | null = null;
  for (let node = list.lastElementChild; node; node = node.previousElementSibling) {
    const nodeId = (node as HTMLElement).dataset.id;
    if (nodeId !== undefined && compareIds(nodeId, id) < 0) break;
    before = node;
  }
  list.insertBefore(item, before);
  shown.set(id, item);

  // The daemon keeps the newest `limit` (PROTOCOL.md §3); so does the page, or it grows forever.
  const limit = health?.history_limit ?? 100;
  while (shown.size > limit && list.firstElementChild) {
    const oldest = list.firstElementChild as HTMLElement;
    if (oldest.dataset.id !== undefined) shown.delete(oldest.dataset.id);
    oldest.remove();
  }
  ui.noMessages.hidden = shown.size > 0;
  if (stickToBottom || entry.peer_id === health?.peer_id) list.scrollTop = list.scrollHeight;
}

// ------------------------------------------------------------------------------------------
// Peers

const BADGE: Record<PeerView["state"], string> = {
  both: "connected both ways",
  "outbound-only": "one way",
  "inbound-only": "one way",
  none: "not connected",
  clash: "peer_id clash",
};

function agoText(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s ago`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ago`;
  const h = Math.floor(m / 60);
  return h < 48 ? `${h} h ago` : `${Math.floor(h / 24)} days ago`;
}

/** How a peer is reached (src/discovery/reach.ts), as `p2pchat peers` says it. */
function reachText(reach: PeerView["reach"]): string {
  if (reach.kind === "interface") return `LAN ${reach.name}`;
  if (reach.kind === "static") return `static ${reach.name}`;
  return reach.kind;
}

const REACH_TITLE: Record<PeerView["reach"]["kind"], string> = {
  interface: "on the LAN of this interface, found by its broadcast",
  static: "a static peer ([PEERS] static / --peer), greeted by unicast",
  remembered: "connected before a restart, dialled again by unicast",
  routed: "it found us by unicast from another network",
};

function renderPeer(view: PeerView, receivedAt: number): HTMLLIElement {
  const item = document.createElement("li");
  item.className = `peer state-${view.state}`;
  item.dataset.peerId = view.peer_id;
  item.dataset.state = view.state;

  const head = document.createElement("p");
  head.className = "peer-head";
  head.append(textElement("span", "peer-name", view.peer_id), " ", textElement("span", "badge", BADGE[view.state]));
  item.append(head);

  const facts = document.createElement("p");
  facts.className = "peer-facts";
  const seen = textElement("span", "seen", `seen ${agoText(view.last_seen_ago_ms + performance.now() - receivedAt)}`);
  seen.dataset.agoMs = String(view.last_seen_ago_ms);
  seen.dataset.receivedAt = String(receivedAt);
  seen.title = `first seen ${new Date(view.first_seen).toLocaleString()}, last by ${view.last_seen_via}`;
  const reach = textElement("span", "reach", reachText(view.reach));
  reach.title = REACH_TITLE[view.reach.kind];
  facts.append(textElement("span", "address", view.address), " · ", reach, " · ", seen);
  if (view.queued > 0) facts.append(" · ", textElement("span", "queued", `${view.queued} waiting`));
  item.append(facts);

  if (view.state !== "both") item.append(textElement("p", "summary", view.summary));
  if (view.hint) item.append(textElement("p", "hint", view.hint));
  if (view.last_error && view.state !== "both") {
    const error = textElement("p", "last-error", `${view.last_error.code}: ${view.last_error.message}`);
    error.title = `at ${new Date(view.last_error.at).toLocaleString()}`;
    item.append(error);
  }
  return item;
}

/** Another site's bridge, as a peer of the list: its libp2p id, address and state. */
function renderBridgePeer(view: BridgePeerView): HTMLLIElement {
  const item = document.createElement("li");
  item.className = `peer bridge-peer state-${view.connected ? "both" : "none"}`;
  item.dataset.bridgeId = view.id;
  const head = document.createElement("p");
  head.className = "peer-head";
  const name = textElement("span", "peer-name", `bridge ${view.id === "" ? "(not reached yet)" : shortId(view.id)}`);
  name.title = view.id;
  head.append(name, " ", textElement("span", "badge", view.connected ? "in the room" : "not connected"));
  const facts = document.createElement("p");
  facts.className = "peer-facts";
  facts.append(textElement("span", "address", view.address));
  if (view.since) facts.append(" · ", textElement("span", "since", `${view.connected ? "since" : "down since"} ${new Date(view.since).toLocaleTimeString()}`));
  item.append(head, facts);
  if (view.lastError && !view.connected) item.append(textElement("p", "last-error", view.lastError));
  return item;
}

function renderPeers(): void {
  const sorted = [...peers.values()].sort((a, b) => (a.view.peer_id < b.view.peer_id ? -1 : 1));
  const bridges = bridge?.peers ?? [];
  ui.peers.replaceChildren(...sorted.map(({ view, receivedAt }) => renderPeer(view, receivedAt)), ...bridges.map(renderBridgePeer));
  const both = sorted.filter((p) => p.view.state === "both").length;
  const problems = sorted.length - both;
  const sites = bridges.filter((p) => p.connected).length;
  ui.tally.textContent = (sorted.length === 0
    ? "none yet"
    : `${both} connected` + (problems > 0 ? `, ${problems} with a problem` : "")) +
    (bridge ? `; bridge ${shortId(bridge.id)} in room ${bridge.room}: ${sites} of ${bridges.length} sites` : "");
  ui.tally.dataset.problems = String(problems);
  ui.noPeers.hidden = sorted.length > 0;
  if (sorted.length === 0 && health) {
    ui.noPeers.textContent =
      `No peers yet. Every ${health.discovery_interval_s} s this peer broadcasts a hello to ` +
      `${health.broadcast_address} on UDP ${health.port}; peers on the same LAN answer at once. ` +
      `If none does: are they on this network, is that the LAN's broadcast address, and does a ` +
      `firewall let UDP and TCP ${health.port} through?`;
  }
}

function upsertPeer(view: PeerView): void {
  peers.set(view.peer_id, { view, receivedAt: performance.now() });
  renderPeers();
}

/** "seen N s ago" moves on by itself between events. */
function tickSeen(): void {
  for (const seen of ui.peers.querySelectorAll<HTMLElement>(".seen")) {
    const ago = Number(seen.dataset.agoMs) + performance.now() - Number(seen.dataset.receivedAt);
    seen.textContent = `seen ${agoText(ago)}`;
  }
}

// ------------------------------------------------------------------------------------------
// Talking to the daemon

async function getJson<T>(path: string): Promise<T> {
  const response = await fetch(path, { cache: "no-store" });
  if (!response.ok) throw new Error(`${path}: HTTP ${response.status}`);
  return (await response.json()) as T;
}

/** Loads the whole state; run on every (re)connection of the event stream, so nothing is missed. */
async function refresh(): Promise<void> {
  const [h, history, list] = await Promise.all([
    getJson<HealthAnswer>("/health"),
    getJson<HistoryAnswer>("/history"),
    getJson<PeersAnswer>("/peers"),
  ]);
  health = h;
  ui.ownPeerId.textContent = h.peer_id;
  document.title = `p2pchat · ${h.peer_id}`;
  for (const entry of history.messages) addMessage(entry.id, entry);
  // Messages that arrived by event before we knew our own peer_id.
  for (const item of shown.values()) {
    item.classList.toggle("own", item.querySelector(".from")?.textContent === h.peer_id);
  }
  ui.noMessages.hidden = shown.size > 0;
  peers.clear();
  const now = performance.now();
  for (const view of list.peers) peers.set(view.peer_id, { view, receivedAt: now });
  bridge = list.bridge ?? null;
  renderPeers();
}

/** The bridge has no events of its own: while there is one, its state is read again now and then. */
async function refreshBridge(): Promise<void> {
  if (bridge === null) return;
  bridge = (await getJson<PeersAnswer>("/peers")).bridge ?? null;
  renderPeers();
}

function setLive(live: boolean, text: string): void {
  ui.live.dataset.live = live ? "yes" : "no";
  ui.live.textContent = text;
}

function connectEvents(): void {
  const source = new EventSource("/events");
  source.addEventListener("open", () => {
    // The stream is open first, then the state is loaded: an event in between is not lost, and
    // one that is also in the loaded state is shown once (messages are keyed by id). "live" only
    // once the state is in: an empty chat under a green "live" reads as "nobody has written".
    refresh().then(
      () => {
        ui.messages.removeAttribute("aria-busy");
        // The stream may have dropped while we loaded: then "reconnecting…" stays.
        if (source.readyState === EventSource.OPEN) setLive(true, "live");
      },
      (err: unknown) => setLive(false, `cannot load: ${(err as Error).message}`),
    );
  });
  source.addEventListener("error", () => {
    // EventSource reconnects by itself (the daemon sends `retry:`); say so meanwhile.
    setLive(false, source.readyState === EventSource.CLOSED ? "disconnected: reload the page" : "reconnecting…");
  });
  source.addEventListener("message", (event) => {
    const message = JSON.parse(event.data as string) as MessageEvent;
    addMessage(message.id, message);
  });
  source.addEventListener("peer", (event) => upsertPeer(JSON.parse(event.data as string) as PeerView));
}

async function send(text: string): Promise<void> {
  ui.button.disabled = true;
  ui.sendError.hidden = true;
  try {
    const response = await fetch("/send", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ message: text }),
    });
    const answer = (await response.json().catch(() => ({}))) as Partial<SendAnswer> & { message?: string };
    if (!response.ok || answer.status !== "ok" || typeof answer.message_id !== "string") {
      throw new Error(answer.message ?? `HTTP ${response.status}`);
    }
    // Shown at once; the event for it arrives too and is recognised by its id.
    addMessage(answer.message_id, { peer_id: health?.peer_id ?? ui.ownPeerId.textContent ?? "", message: text });
    ui.text.value = "";
    fitTextarea();
  } catch (err) {
    ui.sendError.textContent = `Not sent: ${(err as Error).message}`;
    ui.sendError.hidden = false;
  } finally {
    ui.button.disabled = false;
    ui.text.focus();
  }
}

function fitTextarea(): void {
  ui.text.style.height = "auto";
  ui.text.style.height = `${Math.min(ui.text.scrollHeight, 160)}px`;
}

ui.form.addEventListener("submit", (event) => {
  event.preventDefault();
  const text = ui.text.value;
  if (text.trim() !== "" && !ui.button.disabled) void send(text);
});
ui.text.addEventListener("keydown", (event) => {
  if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
    event.preventDefault();
    ui.form.requestSubmit();
  }
});
ui.text.addEventListener("input", fitTextarea);

// Wide screens show the peers beside the chat; on a phone the panel starts folded.
ui.panel.open = window.matchMedia("(min-width: 48rem)").matches;
setInterval(tickSeen, 1000);
setInterval(() => void refreshBridge().catch(() => undefined), 5000);
connectEvents();
