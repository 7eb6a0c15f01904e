// The call screen with the built-in provider: WebRTC between the participants' browsers (a mesh).
// Signalling (offers, answers, ICE candidates) goes through this service: POST …/call/signals, and
// GET …/call/poll every second, which also says who is in the call and when it has ended.
// Of two participants the one whose person id sorts first makes the offer, so offers never cross.
// Every connection has an id that its offer, answer and candidates carry: a signal for a connection
// that was replaced meanwhile (a reload, a second offer) is ignored instead of breaking the new one.
"use strict";

(function () {
  var POLL_MS = 1000;

  function start(root) {
    var screen = window.SchoolChatsCallScreen(root);
    var me = screen.me;
    var urls = screen.urls;
    var say = screen.say;
    var post = screen.post;
    var peers = {};
    var names = {};
    var local = null;
    var iceServers = [];
    var callId = null;
    var cursor = null;
    var pollTimer = null;
    var sending = Promise.resolve();
    var early = {};

    function tileFor(person, label, mine) {
      return screen.tileFor("data-person", person, label, mine, !!mine);
    }

    function removeTile(person) {
      var tile = screen.tiles.querySelector('[data-person="' + CSS.escape(person) + '"]');
      if (tile) { tile.parentNode.removeChild(tile); }
    }

    function send(to, kind, connection, data) {
      // One at a time, in order: the recipient reads them in the order they arrived.
      var body = { to: to, kind: kind, payload: JSON.stringify({ id: connection, data: data }) };
      sending = sending.then(function () { return post(urls.signals, body); }).catch(function () {});
      return sending;
    }

    function newId() {
      var bytes = new Uint8Array(8);
      crypto.getRandomValues(bytes);
      return Array.prototype.map.call(bytes, function (b) { return b.toString(16); }).join("");
    }

    function closePeer(person) {
      var peer = peers[person];
      if (peer) { peer.pc.close(); delete peers[person]; }
      removeTile(person);
    }

    function makePeer(person, connection) {
      closePeer(person);
      var pc = new RTCPeerConnection({ iceServers: iceServers });
      var peer = { pc: pc, id: connection, pending: early[connection] || [] };
      delete early[connection];
      peers[person] = peer;
      local.getTracks().forEach(function (track) { pc.addTrack(track, local); });
      pc.onicecandidate = function (event) {
        if (event.candidate) { send(person, "candidate", connection, event.candidate.toJSON()); }
      };
      pc.ontrack = function (event) {
        var tile = tileFor(person, names[person] || "Участник", false);
        var video = tile.querySelector("video");
        if (video.srcObject !== event.streams[0]) { video.srcObject = event.streams[0]; }
      };
      pc.onconnectionstatechange = function () {
        var tile = tileFor(person, names[person] || "Участник", false);
        tile.setAttribute("data-state", pc.connectionState);
      };
      tileFor(person, names[person] || "Участник", false);
      return peer;
    }

    function offerTo(person) {
      var peer = makePeer(person, newId());
      return peer.pc.createOffer()
        .then(function (offer) { return peer.pc.setLocalDescription(offer); })
        .then(function () { return send(person, "offer", peer.id, peer.pc.localDescription.toJSON()); });
    }

    function flush(peer) {
      var waiting = peer.pending;
      peer.pending = [];
      return Promise.all(waiting.map(function (c) { return peer.pc.addIceCandidate(c); }));
    }

    function handle(signal) {
      var from = signal.from;
      var message = JSON.parse(signal.payload);
      var peer = peers[from];
      var current = peer && peer.id === message.id;
      if (signal.kind === "offer") {
        peer = makePeer(from, message.id);  // a new offer replaces any earlier connection with that person
        return peer.pc.setRemoteDescription(message.data)
          .then(function () { return peer.pc.createAnswer(); })
          .then(function (answer) { return peer.pc.setLocalDescription(answer); })
          .then(function () { return send(from, "answer", peer.id, peer.pc.localDescription.toJSON()); })
          .then(function () { return flush(peer); });
      }
      if (signal.kind === "answer" && current) {
        return peer.pc.setRemoteDescription(message.data).then(function () { return flush(peer); });
      }
      if (signal.kind === "candidate") {
        if (!current) {  // its offer has not been read yet (or the connection was replaced)
          (early[message.id] = early[message.id] || []).push(message.data);
          return Promise.resolve();
        }
        if (peer.pc.remoteDescription) { return peer.pc.addIceCandidate(message.data); }
        peer.pending.push(message.data);
        return Promise.resolve();
      }
      if (signal.kind === "bye") {  // the other side reloaded: whoever offers starts again
        closePeer(from);
        if (me < from) { return offerTo(from); }
      }
      return Promise.resolve();
    }

    function showCall(call) {
      var present = {};
      call.participants.forEach(function (p) {
        names[p.person_id] = p.name;
        present[p.person_id] = true;
      });
      Object.keys(peers).forEach(function (person) {
        if (!present[person]) { closePeer(person); }
      });
      call.participants.forEach(function (p) {
        if (p.person_id === me) { return; }
        tileFor(p.person_id, p.name, false);
        if (!peers[p.person_id] && me < p.person_id) { offerTo(p.person_id); }
      });
      var others = call.participants.length - 1;
      say(others > 0 ? "В звонке: " + call.participants.length : "Ждём участников…");
    }

    function finish(text) {
      screen.finish(text, function () {
        clearTimeout(pollTimer);
        Object.keys(peers).forEach(closePeer);
        if (local) { local.getTracks().forEach(function (t) { t.stop(); }); }
      });
    }

    function greet(call) {
      // Those who make the offers to us start again; we offer to the others ourselves (showCall).
      call.participants.forEach(function (p) {
        if (p.person_id !== me && p.person_id < me) { send(p.person_id, "bye", "", {}); }
      });
    }

    function rejoin() {
      Object.keys(peers).forEach(closePeer);
      return post(urls.join)
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (joined) {
          if (!joined || joined.call.id !== callId) { finish("Звонок завершён"); return; }
          greet(joined.call);
          showCall(joined.call);
        });
    }

    function poll() {
      if (screen.over) { return; }
      var url = urls.poll + (cursor ? "?cursor=" + encodeURIComponent(cursor) : "");
      fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
        .then(function (response) {
          if (response.status === 401 || response.status === 404) { return { call: null }; }  // signed out, or no longer in the chat
          if (!response.ok) { throw new Error(String(response.status)); }
          return response.json();
        })
        .then(function (state) {
          if (!state.call || state.call.id !== callId) { finish("Звонок завершён"); return null; }
          if (state.in_call === false) { return rejoin(); }  // another page of ours left the call
          showCall(state.call);
          if (state.next_cursor) { cursor = state.next_cursor; }
          return state.signals.reduce(function (done, signal) {
            return done.then(function () { return handle(signal); }).catch(function () {});
          }, Promise.resolve());
        })
        .catch(function () { /* the next poll tries again */ })
        .then(function () { if (!screen.over) { pollTimer = setTimeout(poll, POLL_MS); } });
    }

    function toggle(button, kind, offText, onText) {
      function enable(on) { local.getTracks().forEach(function (t) { if (t.kind === kind) { t.enabled = on; } }); }
      screen.toggle(button, offText, onText, function () { enable(false); }, function () { enable(true); });
    }

    navigator.mediaDevices.getUserMedia({ audio: true, video: { width: 640, height: 480 } })
      .then(function (stream) {
        local = stream;
        var mine = tileFor(me, "Вы", true);
        mine.querySelector("video").srcObject = stream;
        return post(urls.join);
      })
      .then(function (response) {
        if (!response.ok) {
          return response.json().then(function (problem) {
            var text = response.status === 409 && /full/.test(problem.detail || "")
              ? "В звонке нет мест." : "Не удалось присоединиться к звонку.";
            finish(text);
            return null;
          });
        }
        return response.json();
      })
      .then(function (joined) {
        if (!joined) { return; }
        callId = joined.call.id;
        screen.joined = true;
        iceServers = joined.join.ice_servers || [];
        greet(joined.call);
        showCall(joined.call);
        toggle(document.getElementById("mute"), "audio", "Выключить микрофон", "Включить микрофон");
        toggle(document.getElementById("camera"), "video", "Выключить камеру", "Включить камеру");
        screen.wireLeaveAndEnd(finish);
        poll();
      })
      .catch(function () { finish("Нет доступа к камере или микрофону."); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var root = document.getElementById("call");
    if (root && root.getAttribute("data-provider") === "builtin") { start(root); }
  });
})();
