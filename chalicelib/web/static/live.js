// Live updates (SPEC §10), shared by the hosted page and the journal: one socket per page.
// The socket only says what changed (which chat, which message); the page fetches what it shows,
// so nothing arrives that the reader may no longer see. When the socket drops, it reconnects with
// back-off and the page catches up by fetching again; while it cannot connect, the page polls, no
// more often than every 15 s. Nothing here touches the DOM, let alone keyboard focus.
"use strict";

(function () {
  var POLL_MS = 15000;       // fallback polling, never more often
  var FIRST_RETRY_MS = 1000; // back-off: 1 s, 2 s, 4 s … up to MAX_RETRY_MS, with jitter
  var MAX_RETRY_MS = 60000;
  var PING_MS = 5 * 60000;   // API Gateway closes a socket idle for 10 minutes

  // options: url (ws:// or wss://), token (a journal token, or null: the page's cookie),
  // ticketUrl (where to POST for a one-use socket ticket before each (re)connect: on AWS the page's
  // cookie never reaches the socket's domain; null: none), onEvent(event) for each chat event,
  // catchUp() to fetch what may have been missed.
  function start(options) {
    var state = { socket: null, ready: false, retryMs: FIRST_RETRY_MS, stopped: false,
                  pollTimer: null, retryTimer: null, pingTimer: null, lastEventAt: null };

    function polling(on) {
      if (on && !state.pollTimer && !state.stopped) {
        state.pollTimer = window.setInterval(options.catchUp, POLL_MS);
      } else if (!on && state.pollTimer) {
        window.clearInterval(state.pollTimer);
        state.pollTimer = null;
      }
    }

    function retry() {
      if (state.stopped || state.retryTimer) { return; }
      var wait = state.retryMs * (0.5 + Math.random() / 2);
      state.retryMs = Math.min(MAX_RETRY_MS, state.retryMs * 2);
      state.retryTimer = window.setTimeout(function () { state.retryTimer = null; connect(); }, wait);
    }

    // A fresh ticket for each attempt (it is good once, for a minute), then the socket.
    function connect() {
      if (!options.ticketUrl || typeof fetch === "undefined") { open(options.url); return; }
      var headers = { "Accept": "application/json", "Content-Type": "application/json" };
      if (options.token) { headers.Authorization = "Bearer " + options.token; }
      fetch(options.ticketUrl, { method: "POST", credentials: "same-origin", headers: headers, body: "{}" })
        .then(function (response) {
          if (!response.ok) { throw new Error(String(response.status)); }
          return response.json();
        })
        .then(function (answer) {
          if (state.stopped) { return; }
          var sep = options.url.indexOf("?") < 0 ? "?" : "&";
          open(options.url + sep + "ticket=" + encodeURIComponent(answer.ticket));
        })
        .catch(function () { if (!state.stopped) { polling(true); retry(); } });
    }

    function open(url) {
      var socket;
      try { socket = new WebSocket(url); } catch (error) { polling(true); retry(); return; }
      state.socket = socket;
      socket.addEventListener("open", function () {
        socket.send(JSON.stringify(options.token ? { action: "auth", token: options.token } : { action: "auth" }));
      });
      socket.addEventListener("message", function (message) {
        var event;
        try { event = JSON.parse(message.data); } catch (error) { return; }
        if (!event || typeof event.type !== "string") { return; }
        if (event.type === "ready") {
          var reconnected = state.lastEventAt !== null || state.retryMs > FIRST_RETRY_MS;
          state.ready = true;
          state.retryMs = FIRST_RETRY_MS;
          polling(false);
          state.pingTimer = window.setInterval(function () {
            if (socket.readyState === WebSocket.OPEN) { socket.send('{"action":"ping"}'); }
          }, PING_MS);
          if (reconnected) { options.catchUp(); } // whatever happened while the socket was down
          return;
        }
        if (event.type === "error") { socket.close(); return; } // refused: poll, and try again later
        if (event.type === "pong") { return; }
        if (typeof event.chat_id === "string") {
          state.lastEventAt = Date.now();
          options.onEvent(event);
        }
      });
      socket.addEventListener("close", function () {
        state.ready = false;
        if (state.pingTimer) { window.clearInterval(state.pingTimer); state.pingTimer = null; }
        if (state.stopped) { return; }
        polling(true);
        retry();
      });
    }

    if (!options.url || typeof WebSocket === "undefined") {
      polling(true);
    } else {
      connect();
    }
    return {
      isLive: function () { return state.ready; },
      stop: function () {
        state.stopped = true;
        polling(false);
        if (state.retryTimer) { window.clearTimeout(state.retryTimer); }
        if (state.pingTimer) { window.clearInterval(state.pingTimer); }
        if (state.socket) { state.socket.close(); }
      }
    };
  }

  window.SchoolChatsLive = { start: start, POLL_MS: POLL_MS };
})();
