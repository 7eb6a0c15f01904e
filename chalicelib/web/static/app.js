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

  // The newest messages are fetched when the live socket (live.js) says the chat changed, or
  // every 15 s (no more often) while it cannot connect: new ones are appended as parsed nodes
  // and read out through the aria-live region; nothing here moves keyboard focus.
  var POLL_MS = 15000;

  function fetchPage(path) {
    return fetch(path, { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.text();
      })
      .then(function (text) { return new DOMParser().parseFromString(text, "text/html"); });
  }

  function followLive(onChange) {
    var url = document.body.getAttribute("data-live");
    if (!url || !window.SchoolChatsLive) { return false; }
    window.SchoolChatsLive.start({ url: url, token: null, ticketUrl: document.body.getAttribute("data-live-ticket"),
                                   onEvent: onChange, catchUp: function () { onChange(null); } });
    return true;
  }

  // A chat's title, badges, call button and read-only notice as the server has them now (in place:
  // a focused element is never replaced).
  function syncChat(page) {
    var fresh = page.querySelector("main h1"), mine = document.querySelector("main h1");
    if (fresh && mine && mine.textContent !== fresh.textContent) { mine.textContent = fresh.textContent; }
    fresh = page.querySelector("main .meta"); mine = document.querySelector("main .meta");
    if (fresh && mine && mine.textContent !== fresh.textContent) { mine.parentNode.replaceChild(document.importNode(fresh, true), mine); mine = document.querySelector("main .meta"); }
    var call = page.getElementById("call-button"), button = document.getElementById("call-button");
    if (call && button) { button.textContent = call.textContent; button.href = call.href; }
    else if (call && mine) { mine.parentNode.insertBefore(document.importNode(call.parentNode, true), mine.nextSibling); }
    else if (!call && button && document.activeElement !== button) { button.parentNode.parentNode.removeChild(button.parentNode); } // the call ended
    var readOnly = page.getElementById("read-only"), composer = document.getElementById("composer");
    if (readOnly && !document.getElementById("read-only") && composer) {
      composer.parentNode.insertBefore(document.importNode(readOnly, true), composer);
    } else if (!readOnly && page.getElementById("composer") && !composer && document.getElementById("read-only")) {
      var notice = document.getElementById("read-only");
      notice.parentNode.replaceChild(document.importNode(page.getElementById("composer"), true), notice);
    }
  }

  // The reader was taken out of the open chat (SPEC §10, chat.removed): a notice instead of the
  // composer; a focus inside the composer goes to the notice, any other focus stays where it is.
  function removed() {
    var composer = document.getElementById("composer");
    if (document.getElementById("removed")) { return; }
    var notice = document.createElement("p");
    notice.className = "read-only";
    notice.id = "removed";
    notice.setAttribute("role", "status");
    notice.setAttribute("tabindex", "-1");
    notice.textContent = "Вас больше нет в этом чате: новые сообщения сюда не придут, писать в него нельзя.";
    var hadFocus = composer && composer.contains(document.activeElement);
    if (composer) { composer.parentNode.replaceChild(notice, composer); }
    else { var main = document.querySelector("main"); if (main) { main.appendChild(notice); } }
    if (hadFocus) { notice.focus({ preventScroll: true }); }
  }

  function followNewest(list, announcer) {
    var known = {};
    var chatId = decodeURIComponent(window.location.pathname.split("/").pop());
    list.querySelectorAll("li.message[data-id]").forEach(function (item) { known[item.getAttribute("data-id")] = true; });
    function refresh() {
      return fetch(window.location.pathname, { credentials: "same-origin", headers: { "Accept": "text/html" } })
        .then(function (response) {
          // 404: the reader is no longer in the chat (an event of it overtook its chat.removed).
          if (response.status === 404) { removed(); }
          if (!response.ok) { throw new Error(String(response.status)); }
          return response.text();
        })
        .then(function (text) {
          var page = new DOMParser().parseFromString(text, "text/html");
          var atBottom = window.innerHeight + window.scrollY >= document.documentElement.scrollHeight - 40;
          var empty = list.querySelector(".empty");
          syncChat(page);
          page.querySelectorAll("#messages > li.message[data-id]").forEach(function (item) {
            var id = item.getAttribute("data-id");
            if (known[id]) {
              var shown = list.querySelector('li.message[data-id="' + CSS.escape(id) + '"]');
              if (shown && item.classList.contains("deleted") && !shown.classList.contains("deleted")) {
                list.replaceChild(document.importNode(item, true), shown);
              }
              return;
            }
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
        .catch(function () { /* try again next time */ });
    }
    function poll() { refresh().then(function () { window.setTimeout(poll, POLL_MS); }); }
    if (!followLive(function (event) {
      if (event && event.type === "chat.removed" && event.chat_id === chatId) { removed(); return; }
      if (!event || event.chat_id === chatId) { refresh(); }
    })) {
      window.setTimeout(poll, POLL_MS);
    }
  }

  // The chat list, rebuilt when any of the reader's chats changes; focus stays on the chat it was on.
  function followChats(chats) {
    followLive(function () {
      fetchPage(window.location.pathname).then(function (page) {
        var fresh = page.getElementById("chats");
        if (!fresh) { return; }
        var focused = document.activeElement && chats.contains(document.activeElement)
          ? document.activeElement.getAttribute("href") : null;
        while (chats.firstChild) { chats.removeChild(chats.firstChild); }
        Array.prototype.forEach.call(fresh.children, function (item) { chats.appendChild(document.importNode(item, true)); });
        localTimes(chats);
        if (focused) {
          var again = chats.querySelector('a[href="' + CSS.escape(focused) + '"]');
          if (again) { again.focus({ preventScroll: true }); }
        }
      }).catch(function () { /* the next event or poll tries again */ });
    });
  }

  // A reply's quote leads to its message (#m-<id>, on this page or on the page that starts at it): once
  // the day separators are in, bring it into view again. Scrolling only: keyboard focus stays put.
  function showTarget() {
    var id = window.location.hash.slice(1);
    var target = id.indexOf("m-") === 0 ? document.getElementById(id) : null;
    if (target) { target.scrollIntoView({ block: "center" }); }
  }

  document.addEventListener("DOMContentLoaded", function () {
    localTimes();
    showTarget();
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
    var chats = document.getElementById("chats");
    if (chats && !window.location.search) { followChats(chats); }
  });
})();
