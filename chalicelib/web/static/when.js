// One way to show when a message was sent, on the phone and in the journal: «14:05» under a day
// separator («Сегодня», «Вчера», «12 марта», «12 марта 2025» for another year), in the viewer's time zone.
"use strict";

(function () {
  var MONTHS = ["января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа",
    "сентября", "октября", "ноября", "декабря"];

  function dayKey(when) {
    return when.getFullYear() + "-" + when.getMonth() + "-" + when.getDate();
  }

  function timeText(when) {
    var h = when.getHours(), m = when.getMinutes();
    return (h < 10 ? "0" : "") + h + ":" + (m < 10 ? "0" : "") + m;
  }

  function dayText(when, now) {
    now = now || new Date();
    var yesterday = new Date(now.getFullYear(), now.getMonth(), now.getDate() - 1);
    if (dayKey(when) === dayKey(now)) { return "Сегодня"; }
    if (dayKey(when) === dayKey(yesterday)) { return "Вчера"; }
    var text = when.getDate() + " " + MONTHS[when.getMonth()];
    return when.getFullYear() === now.getFullYear() ? text : text + " " + when.getFullYear();
  }

  // Rewrites each <time datetime> of the items in `list` as «ЧЧ:ММ» and puts a separator before the
  // first item of each day (made by `makeSeparator(text)`, removed and redone on every call).
  function label(list, itemSelector, separatorClass, makeSeparator) {
    Array.prototype.slice.call(list.querySelectorAll("." + separatorClass)).forEach(function (node) {
      node.parentNode.removeChild(node);
    });
    var previous = null;
    Array.prototype.slice.call(list.querySelectorAll(itemSelector)).forEach(function (item) {
      var node = item.querySelector("time[datetime]");
      if (!node) { return; }
      var when = new Date(node.getAttribute("datetime"));
      if (isNaN(when.getTime())) { return; }
      node.textContent = timeText(when);
      node.setAttribute("title", dayText(when) + ", " + timeText(when));
      if (dayKey(when) !== previous) {
        var separator = makeSeparator(dayText(when));
        separator.classList.add(separatorClass);
        // The day goes above a «Новые сообщения» divider that stands right before the item.
        var anchor = item;
        while (anchor.previousElementSibling && anchor.previousElementSibling.classList.contains("divider")) {
          anchor = anchor.previousElementSibling;
        }
        item.parentNode.insertBefore(separator, anchor);
        previous = dayKey(when);
      }
    });
  }

  window.SchoolChatsWhen = { timeText: timeText, dayText: dayText, label: label };
})();
