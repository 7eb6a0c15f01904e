// The call screen with Amazon Chime SDK meetings (CALL_PROVIDER=chime): media goes through Chime,
// joined with the SDK bundled in amazon-chime-sdk.js (window.ChimeSDK, `make chime-sdk`).
// This service only starts/joins the call (…/call/join gives the meeting and this person's own
// attendee), says when it ended (…/call/poll) and lets people leave or end it for everyone.
"use strict";

(function () {
  var POLL_MS = 3000;

  function meetingSession(join) {
    var S = window.ChimeSDK;
    var logger = new S.ConsoleLogger("school-chats", S.LogLevel.WARN);
    var devices = new S.DefaultDeviceController(logger);
    var config = new S.MeetingSessionConfiguration({ Meeting: join.meeting }, { Attendee: join.attendee });
    return new S.DefaultMeetingSession(config, logger, devices);
  }

  function start(root) {
    var screen = window.SchoolChatsCallScreen(root);
    var me = screen.me;
    var urls = screen.urls;
    var say = screen.say;
    var post = screen.post;
    var names = {};
    var callId = null;
    var av = null;
    var timer = null;

    function tileFor(key, label, mine) {
      return screen.tileFor("data-tile", key, label, mine, true);  // sound comes through the one audio element
    }

    function finish(text) {
      screen.finish(text, function () {
        clearTimeout(timer);
        if (av) { av.stopLocalVideoTile(); av.stop(); }
      });
    }

    function showCall(call) {
      call.participants.forEach(function (p) { names[p.person_id] = p.name; });
      say("В звонке: " + call.participants.length);
    }

    function poll() {
      if (screen.over) { return; }
      fetch(urls.poll, { credentials: "same-origin", headers: { "Accept": "application/json" } })
        .then(function (response) {
          if (response.status === 401 || response.status === 404) { return { call: null }; }
          return response.ok ? response.json() : null;
        })
        .then(function (state) {
          if (state && (!state.call || state.call.id !== callId)) { finish("Звонок завершён"); return; }
          if (state && state.in_call === false) { post(urls.join); }  // a page of ours left: take our place back
          if (state) { showCall(state.call); }
        })
        .catch(function () {})
        .then(function () { if (!screen.over) { timer = setTimeout(poll, POLL_MS); } });
    }

    post(urls.join)
      .then(function (response) {
        if (!response.ok) { finish("Не удалось присоединиться к звонку."); return null; }
        return response.json();
      })
      .then(function (joined) {
        if (!joined) { return null; }
        callId = joined.call.id;
        screen.joined = true;
        showCall(joined.call);
        av = meetingSession(joined.join).audioVideo;
        var audio = document.createElement("audio");
        audio.hidden = true;
        root.appendChild(audio);
        av.bindAudioElement(audio);
        av.addObserver({
          videoTileDidUpdate: function (tile) {
            if (!tile.boundAttendeeId) { return; }
            var key = tile.localTile ? me : tile.boundExternalUserId;
            var label = tile.localTile ? "Вы" : (names[key] || "Участник");
            var element = tileFor(String(tile.tileId), label, tile.localTile);
            element.setAttribute("data-person", key);
            av.bindVideoElement(tile.tileId, element.querySelector("video"));
          },
          videoTileWasRemoved: function (tileId) {
            var element = screen.tiles.querySelector('[data-tile="' + tileId + '"]');
            if (element) { element.parentNode.removeChild(element); }
          },
          audioVideoDidStop: function () { finish("Звонок завершён"); }
        });
        return av.listAudioInputDevices()
          .then(function (mics) { return mics.length ? av.startAudioInput(mics[0].deviceId) : null; })
          .then(function () { return av.listVideoInputDevices(); })
          .then(function (cameras) { return cameras.length ? av.startVideoInput(cameras[0].deviceId) : null; })
          .then(function () {
            av.start();
            av.startLocalVideoTile();
            screen.toggle(document.getElementById("mute"), "Выключить микрофон", "Включить микрофон",
              function () { av.realtimeMuteLocalAudio(); }, function () { av.realtimeUnmuteLocalAudio(); });
            screen.toggle(document.getElementById("camera"), "Выключить камеру", "Включить камеру",
              function () { av.stopLocalVideoTile(); }, function () { av.startLocalVideoTile(); });
            screen.wireLeaveAndEnd(finish);
            poll();
          });
      })
      .catch(function () { finish("Нет доступа к камере или микрофону."); });
  }

  window.SchoolChatsChime = { meetingSession: meetingSession };
  document.addEventListener("DOMContentLoaded", function () {
    var root = document.getElementById("call");
    if (root && root.getAttribute("data-provider") === "chime" && window.ChimeSDK) { start(root); }
  });
})();
