// The hosted page's few enhancements; every screen works without them.
// No innerHTML with server text: older messages are moved over as parsed nodes.
"use strict";

(function () {
  function localTimes() {
    var list = document.getElementById("messages");
    if (!list || !window.SchoolChatsWhen) { return; }
    window.SchoolChatsWhen.label(list, "li.message", "day", function (text) {
      var item = document.createElement("li");
      var span = document.createElement("span");
      span.textContent = text;
      item.appendChild(span);
      return item;
    });
  }

  function loadOlder(link) {
    link.addEventListener("click", function (event) {
      event.preventDefault();
      link.setAttribute("aria-busy", "true");
      fetch(link.href, { credentials: "same-origin", headers: { "Accept": "text/html" } })
        .then(function (response) {
          if (!response.ok) { throw new Error(String(response.status)); }
          return response.text();
        })
        .then(function (text) {
          var page = new DOMParser().parseFromString(text, "text/html");
          var list = document.getElementById("messages");
          var first = list.firstElementChild;
          var height = document.documentElement.scrollHeight;
          page.querySelectorAll("#messages > li.message").forEach(function (item) {
            list.insertBefore(document.importNode(item, true), first);
          });
          localTimes();
          window.scrollBy(0, document.documentElement.scrollHeight - height);
          var next = page.getElementById("older");
          if (next) { link.href = next.href; link.removeAttribute("aria-busy"); }
          else { link.parentNode.removeChild(link); }
        })
        .catch(function () { window.location.href = link.href; });
    });
  }

  // Until live delivery reaches this page, the newest messages are fetched every 15 s
  // (no more often): new ones are appended as parsed nodes and read out through the
  // aria-live region; nothing here moves keyboard focus.
  var POLL_MS = 15000;

  function followNewest(list, announcer) {
    var known = {};
    list.querySelectorAll("li.message[data-id]").forEach(function (item) { known[item.getAttribute("data-id")] = true; });
    function poll() {
      fetch(window.location.pathname, { credentials: "same-origin", headers: { "Accept": "text/html" } })
        .then(function (response) {
          if (!response.ok) { throw new Error(String(response.status)); }
          return response.text();
        })
        .then(function (text) {
          var page = new DOMParser().parseFromString(text, "text/html");
          var atBottom = window.innerHeight + window.scrollY >= document.documentElement.scrollHeight - 40;
          var empty = list.querySelector(".empty");
          page.querySelectorAll("#messages > li.message[data-id]").forEach(function (item) {
            var id = item.getAttribute("data-id");
            if (known[id]) { return; }
            known[id] = true;
            if (empty) { empty.parentNode.removeChild(empty); empty = null; }
            var node = document.importNode(item, true);
            list.appendChild(node);
            localTimes(node.parentNode);
            if (!node.classList.contains("mine") && !node.classList.contains("deleted")) {
              var author = node.querySelector(".author");
              var body = node.querySelector(".text");
              announcer.textContent = "Новое сообщение от " + (author ? author.textContent : "") + ": " +
                (body ? body.textContent : "");
            }
          });
          if (atBottom) { window.scrollTo(0, document.documentElement.scrollHeight); }
        })
        .catch(function () { /* try again next time */ })
        .then(function () { window.setTimeout(poll, POLL_MS); });
    }
    window.setTimeout(poll, POLL_MS);
  }

  document.addEventListener("DOMContentLoaded", function () {
    localTimes();
    var older = document.getElementById("older");
    if (older) { loadOlder(older); }
    var composer = document.getElementById("composer");
    if (composer) {
      composer.addEventListener("submit", function () {
        composer.querySelector("button[type=submit]").disabled = true;
      });
      var box = composer.querySelector("textarea");
      if (box) {
        box.addEventListener("keydown", function (event) {
          if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) { composer.requestSubmit(); }
        });
      }
    }
    var messages = document.getElementById("messages");
    if (messages && !document.getElementById("newest")) {
      window.scrollTo(0, document.documentElement.scrollHeight);
      var announcer = document.getElementById("announcer");
      if (announcer) { followNewest(messages, announcer); }
    }
  });
})();
