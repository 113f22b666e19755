// Omni website chat widget. Embed with:
//   <script src="https://OMNI_HOST/chat/widget.js" data-key="WRITE_KEY" async></script>
// The visitor's anonymous id is the one the tracking API gets (analytics.js
// keeps it in localStorage "ajs_anonymous_id"), so the chat joins their
// profile. Messages not yet acknowledged are kept in localStorage and resent
// with their client ids after a reconnect; the server stores each once and
// sends what the widget missed since the last message it saw.
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || window.__omniChat) return;
  window.__omniChat = true;
  var key = script.getAttribute("data-key");
  var base = new URL(script.src, location.href);
  var wsURL = (base.protocol === "https:" ? "wss://" : "ws://") + base.host + "/chat/ws";
  var store = window.localStorage;

  function load(name, fallback) {
    try { var v = store.getItem(name); return v === null ? fallback : JSON.parse(v); } catch (e) { return fallback; }
  }
  function save(name, value) { try { store.setItem(name, JSON.stringify(value)); } catch (e) {} }
  function uuid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    return "xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx".replace(/[xy]/g, function (c) {
      var r = Math.random() * 16 | 0; return (c === "x" ? r : (r & 3 | 8)).toString(16);
    });
  }
  function anonymousId() {
    try {
      if (window.analytics && analytics.user) { var a = analytics.user().anonymousId(); if (a) return a; }
    } catch (e) {}
    var id = load("ajs_anonymous_id", null);
    if (!id) { id = uuid(); save("ajs_anonymous_id", id); }
    return id;
  }

  var anon = anonymousId();
  var outbox = load("omni_chat_outbox", []);   // [{client_id, body}] not yet acknowledged
  var lastSeen = "";  // id of the last message shown on this page: a new page gets the latest history
  var seen = {};
  var ws = null, backoff = 1000, ready = false;

  // --- view ---
  var css = "#omni-chat{position:fixed;right:16px;bottom:16px;font:14px sans-serif;z-index:2147483000}" +
    "#omni-chat button{cursor:pointer}#omni-chat .panel{display:none;width:320px;height:420px;background:#fff;" +
    "border:1px solid #ccc;border-radius:8px;flex-direction:column;box-shadow:0 4px 16px rgba(0,0,0,.2)}" +
    "#omni-chat.open .panel{display:flex}#omni-chat .log{flex:1;overflow:auto;padding:8px}" +
    "#omni-chat .m{margin:4px 0;padding:6px 8px;border-radius:6px;max-width:80%;white-space:pre-wrap}" +
    "#omni-chat .in{background:#dbeafe;margin-left:auto}#omni-chat .out{background:#f3f4f6}" +
    "#omni-chat .pending{opacity:.6}#omni-chat form{display:flex;border-top:1px solid #eee}" +
    "#omni-chat input{flex:1;border:0;padding:8px}#omni-chat .bar{display:flex;gap:4px;padding:4px;border-top:1px solid #eee}";
  var style = document.createElement("style"); style.textContent = css;
  var root = document.createElement("div"); root.id = "omni-chat";
  root.innerHTML = '<div class="panel"><div class="log"></div>' +
    '<div class="bar"><input class="email" type="email" placeholder="Your email (optional)"><button class="save">Save</button>' +
    '<button class="fb" style="display:none">Continue on Messenger</button></div>' +
    '<form><input class="text" placeholder="Write a message…" autocomplete="off"><button>Send</button></form></div>' +
    '<button class="toggle">Chat</button>';
  var log = root.querySelector(".log");

  function show(id, direction, body, pending) {
    var el = id && document.getElementById("omni-" + id);
    if (!el) {
      el = document.createElement("div");
      if (id) el.id = "omni-" + id;
      log.appendChild(el);
    }
    el.className = "m " + direction + (pending ? " pending" : "");
    el.textContent = body;
    log.scrollTop = log.scrollHeight;
  }

  // --- socket ---
  function send(frame) { if (ws && ws.readyState === 1) ws.send(JSON.stringify(frame)); }
  function connect() {
    var u = wsURL + "?key=" + encodeURIComponent(key) + "&anonymous_id=" + encodeURIComponent(anon) +
      "&after=" + encodeURIComponent(lastSeen);
    ws = new WebSocket(u);
    ready = false;
    ws.onopen = function () { backoff = 1000; };
    ws.onmessage = function (ev) { handle(JSON.parse(ev.data)); };
    ws.onclose = function () {
      ws = null; ready = false;
      setTimeout(connect, backoff); backoff = Math.min(backoff * 2, 30000);
    };
  }
  function handle(f) {
    if (f.type === "message") {
      var m = f.message;
      if (!seen[m.id]) { seen[m.id] = true; show(m.id, m.direction, m.body, false); }
      lastSeen = m.id;
      if (m.direction === "out") send({ type: "received", id: m.id });
    } else if (f.type === "ready") {
      ready = true;
      outbox.forEach(function (p) { send({ type: "message", client_id: p.client_id, body: p.body }); });
      if (f.channels && f.channels.indexOf("messenger") >= 0) root.querySelector(".fb").style.display = "";
    } else if (f.type === "ack") {
      outbox = outbox.filter(function (p) { return p.client_id !== f.client_id; });
      save("omni_chat_outbox", outbox);
      var pending = document.getElementById("omni-" + f.client_id);
      if (pending && document.getElementById("omni-" + f.message.id)) pending.remove();
      else if (pending) pending.id = "omni-" + f.message.id;
      var fresh = !seen[f.message.id];
      seen[f.message.id] = true;
      show(f.message.id, "in", f.message.body, false);
      if (fresh) lastSeen = f.message.id;
    } else if (f.type === "handoff") {
      window.open(f.url, "_blank", "noopener");
    } else if (f.type === "error" && window.console) {
      console.warn("omni chat:", f.error);
    }
  }

  root.querySelector("form").onsubmit = function (e) {
    e.preventDefault();
    var input = root.querySelector(".text"), body = input.value.trim();
    if (!body) return;
    input.value = "";
    var p = { client_id: uuid(), body: body };
    outbox.push(p); save("omni_chat_outbox", outbox);
    show(p.client_id, "in", body, true);
    if (ready) send({ type: "message", client_id: p.client_id, body: body });
  };
  root.querySelector(".save").onclick = function () {
    var email = root.querySelector(".email").value.trim();
    if (email) send({ type: "identify", email: email });
  };
  root.querySelector(".fb").onclick = function () { send({ type: "handoff", channel: "messenger" }); };
  root.querySelector(".toggle").onclick = function () { root.classList.toggle("open"); };

  function start() {
    document.head.appendChild(style);
    document.body.appendChild(root);
    outbox.forEach(function (p) { show(p.client_id, "in", p.body, true); });
    connect();
  }
  if (document.body) start(); else document.addEventListener("DOMContentLoaded", start);
})();
