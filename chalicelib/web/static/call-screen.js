// What the call screen does the same with either provider (call.js for the built-in WebRTC mesh,
// chime-call.js for Amazon Chime): the page's endpoints and CSRF token, the status line, POSTs,
// video tiles, ending the screen, leaving on pagehide and the leave / end-for-all / toggle buttons.
// Loaded before the provider's script, which calls window.SchoolChatsCallScreen(root).
"use strict";

(function () {
  window.SchoolChatsCallScreen = function (root) {
    var csrf = root.getAttribute("data-csrf");
    var tiles = document.getElementById("tiles");
    var statusLine = document.getElementById("call-status");
    var screen = {
      me: root.getAttribute("data-me"),
      urls: {
        join: root.getAttribute("data-join"),
        poll: root.getAttribute("data-poll"),
        signals: root.getAttribute("data-signals"),
        leave: root.getAttribute("data-leave"),
        end: root.getAttribute("data-end")
      },
      tiles: tiles,
      over: false,
      joined: false
    };

    screen.say = function (text) { statusLine.textContent = text; };

    screen.post = function (url, body) {
      return fetch(url, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
        body: JSON.stringify(body || {})
      });
    };

    // The tile shown for `key` (a person, or Chime's tile id), made on first use. `muted`: the
    // built-in mesh plays each person's sound through their video; Chime through one audio element.
    screen.tileFor = function (attribute, key, label, mine, muted) {
      var tile = tiles.querySelector("[" + attribute + '="' + CSS.escape(key) + '"]');
      if (!tile) {
        tile = document.createElement("figure");
        tile.className = "tile" + (mine ? " mine" : "");
        tile.setAttribute(attribute, key);
        var video = document.createElement("video");
        video.autoplay = true;
        video.playsInline = true;
        video.muted = muted;
        tile.appendChild(video);
        tile.appendChild(document.createElement("figcaption"));
        tiles.appendChild(tile);
      }
      tile.querySelector("figcaption").textContent = label;
      return tile;
    };

    // The call is over for this page: `cleanup` lets the provider release its media first.
    screen.finish = function (text, cleanup) {
      if (screen.over) { return; }
      screen.over = true;
      if (cleanup) { cleanup(); }
      tiles.textContent = "";
      document.getElementById("call-controls").hidden = true;
      document.getElementById("call-ended").hidden = false;
      screen.say(text);
    };

    // A button that switches something off and on again, announcing its state (aria-pressed).
    screen.toggle = function (button, offText, onText, turnOff, turnOn) {
      button.addEventListener("click", function () {
        var off = button.getAttribute("aria-pressed") !== "true";
        if (off) { turnOff(); } else { turnOn(); }
        button.setAttribute("aria-pressed", off ? "true" : "false");
        button.textContent = off ? onText : offText;
      });
    };

    // «Выйти из звонка» and, for moderators, «Завершить для всех»; `finish` is the provider's.
    screen.wireLeaveAndEnd = function (finish) {
      document.getElementById("leave").addEventListener("click", function () {
        screen.post(screen.urls.leave).then(function () { finish("Вы вышли из звонка"); });
      });
      var endAll = document.getElementById("end-for-all");
      if (endAll) {
        endAll.addEventListener("click", function () {
          screen.post(screen.urls.end).then(function () { finish("Звонок завершён"); });
        });
      }
    };

    // Closing or leaving the page leaves the call (the last one out ends it).
    window.addEventListener("pagehide", function () {
      if (!screen.over && screen.joined) {
        fetch(screen.urls.leave, {
          method: "POST", keepalive: true, credentials: "same-origin",
          headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf }, body: "{}"
        });
      }
    });

    return screen;
  };
})();
