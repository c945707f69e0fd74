// The subscribe and manage forms: find a zone by typing part of its name or its pinyin
// ("成都", "chengdu"). The provinces' lists work without this; it only hides what does not
// match and unfolds the provinces that do. Ticked boxes stay ticked while hidden.
(function () {
  "use strict";
  const finder = document.querySelector("[data-zone-filter]");
  if (!finder) return;
  const input = finder.querySelector("input");
  const groups = [...document.querySelectorAll(".interests__group")];
  const wasOpen = new Map(groups.map((group) => [group, group.open]));
  finder.hidden = false;

  const matches = (item, query) =>
    item.textContent.includes(query) || item.dataset.pinyin.includes(query.toLowerCase().replace(/[\s-]/g, ""));

  input.addEventListener("input", () => {
    const query = input.value.trim();
    for (const group of groups) {
      let found = false;
      for (const item of group.querySelectorAll("li")) {
        item.hidden = Boolean(query) && !matches(item, query);
        found = found || !item.hidden;
      }
      group.hidden = !found;
      group.open = query ? found : wasOpen.get(group);
    }
  });
})();
